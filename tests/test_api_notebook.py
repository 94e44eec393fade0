"""The library as a notebook uses it: a context manager, one vocabulary with clear ValueErrors,
plain-Python and pandas results, HTML tables that escape every label, graphs for networkx and
rdflib, and a validate that leaves the store alone."""

from __future__ import annotations

import ast
import datetime
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lineage import Lineage
from lineage.sparql import engine
from lineage.vocabulary import Direction, EventKind, Role, Status, statuses

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = FIXTURES / "views" / "hostile.ttl"
WHEAT = "National Wheat Engineering Technology Research Center"
WHEAT_ZH = "国家小麦工程技术研究中心"
WHEAT_NTIC = "National Wheat Technology Innovation Center"


@pytest.fixture(scope="module")
def hostile():
    return Lineage.open(data=[HOSTILE])


# -- open and close ----------------------------------------------------------------------------

def test_context_manager_stops_query_workers_and_close_is_idempotent():
    with Lineage.open() as lg:
        assert len(lg.query("ASK { ?s ?p ?o }").rows) == 0
        workers = engine.workers(lg.store).processes()
        assert workers and all(p.is_alive() for p in workers)
    for process in workers:
        process.join(timeout=10)
    assert not any(p.is_alive() for p in workers), "closing left query workers running"
    lg.close()  # a second close does nothing


def test_close_releases_an_on_disk_store_lock(tmp_path):
    spec = f"oxigraph:{tmp_path / 'store'}"
    with Lineage.open(spec, writable=True) as lg:
        assert lg.search("wheat")
    with Lineage.open(spec, writable=True) as again:  # the lock was released
        assert again.search("wheat")


# -- one vocabulary ----------------------------------------------------------------------------

@pytest.mark.parametrize("given", ["approved", "APPROVED", "Approved", "lin:Approved",
                                   Status.APPROVED, "https://w3id.org/lineage/ontology#Approved"])
def test_status_accepted_as_member_or_name_in_any_case(given):
    assert Status.coerce(given) is Status.APPROVED


def test_vocabulary_values_are_the_ontology_terms(bundled):
    """Every status, role and event kind names a term the ontology defines, with that label."""
    for vocabulary in (Status, Role, EventKind):
        for member in vocabulary:
            rows = bundled.store.select(f"SELECT ?l WHERE {{ <{member.iri}> rdfs:label|skos:prefLabel ?l "
                                        'FILTER(LANG(?l) = "en") }').rows
            assert [str(r[0]) for r in rows] == [member.label], member


def test_status_groups_and_bad_names():
    assert statuses("settled,pending") == {Status.APPROVED, Status.COMPLETED, Status.PLANNED,
                                           Status.APPLIED, Status.IN_PROGRESS}
    assert statuses(["inprogress", Status.REJECTED]) == {Status.IN_PROGRESS, Status.REJECTED}
    with pytest.raises(ValueError, match="accepted: planned, applied"):
        statuses(["aproved"])


def test_library_trace_takes_status_names(bundled):
    """Statuses by name give the same hops as by prefixed name (not silently nothing)."""
    by_name = bundled.trace(WHEAT, statuses=["applied"])
    assert by_name.hops, "the wheat centre's conversion is applied for"
    assert by_name.hops == bundled.trace(WHEAT, statuses={"lin:Applied"}).hops
    assert by_name.hops == bundled.trace(WHEAT, statuses=[Status.APPLIED]).hops
    assert bundled.trace(WHEAT, statuses="approved").hops == []
    assert bundled.trace(WHEAT, statuses="pending").hops == by_name.hops


def test_direction_as_name_or_member(bundled):
    up = bundled.trace(WHEAT_NTIC, direction="UP")
    assert up.hops and up.hops == bundled.trace(WHEAT_NTIC, direction=Direction.UP).hops
    assert up.direction == "up"


@pytest.mark.parametrize("call, allowed", [
    (lambda lg: lg.trace(WHEAT, direction="sideways"), "down, up, both"),
    (lambda lg: lg.trace(WHEAT, statuses=["approvd"]), "approved"),
    (lambda lg: lg.export("xml"), "ttl"),
    (lambda lg: lg.trace(WHEAT, depth=-1), "0 or more"),
])
def test_bad_values_are_value_errors_naming_what_is_allowed(bundled, call, allowed):
    with pytest.raises(ValueError) as caught:
        call(bundled)
    assert allowed in str(caught.value)
    assert "--" not in str(caught.value)


def test_cli_still_reads_status_lists(run):
    result = run("trace", WHEAT, "--status", "pending", "--format", "json")
    assert result.exit_code == 0 and "lin:Applied" in result.output
    assert run("trace", WHEAT, "--status", "nope").exit_code == 2


def _raised_messages(path: Path) -> list[tuple[int, str]]:
    """The literal text of every `raise SomeError(...)` in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for arg in ast.walk(node.exc):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return found


def test_library_errors_name_no_command_line_flags():
    """Only the interfaces speak of flags; the library's errors name parameters."""
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
                 for path in (ROOT / "lineage").rglob("*.py") if path.name not in ("cli.py",)
                 for line, text in _raised_messages(path) if re.search(r"(^|\W)--[a-z]", text)]
    assert offenders == []


# -- plain values and pandas -------------------------------------------------------------------

TYPED = """SELECT ?n ?f ?b ?day ?year ?month ?text ?inst WHERE {
  BIND(42 AS ?n) BIND(2.5 AS ?f) BIND(true AS ?b) BIND("2021-08-22"^^xsd:date AS ?day)
  BIND("2019"^^xsd:gYear AS ?year) BIND("2019-05"^^xsd:gYearMonth AS ?month)
  BIND("小麦"@zh AS ?text) BIND(inst:national-wheat-engineering-technology-research-center AS ?inst)
}"""


def test_to_dicts_gives_plain_python_values_and_labels(bundled):
    [row] = bundled.query(TYPED).to_dicts()
    assert row == {"n": 42, "f": 2.5, "b": True, "day": datetime.date(2021, 8, 22), "year": 2019,
                   "month": "2019-05", "text": "小麦",
                   "inst": "inst:national-wheat-engineering-technology-research-center",
                   "inst_label": WHEAT}
    assert list(bundled.query(TYPED).to_dicts(labels=False)[0]) == [
        "n", "f", "b", "day", "year", "month", "text", "inst"]
    assert bundled.query("ASK { ?s ?p ?o }").to_dicts() == [{"ask": True}]


def test_a_column_of_mixed_date_precision_stays_sortable_text(bundled):
    result = bundled.query('SELECT ?d WHERE { VALUES ?d { "2021-08-22"^^xsd:date "2019"^^xsd:gYear '
                           '"2020-05"^^xsd:gYearMonth } }')
    assert sorted(r["d"] for r in result.to_dicts()) == ["2019", "2020-05", "2021-08-22"]


def test_to_pandas_frame(bundled):
    pandas = pytest.importorskip("pandas")
    frame = bundled.query("""SELECT ?c (COUNT(?x) AS ?n) WHERE {
        ?x a ?c . FILTER(?c IN (lin:NationalEngineeringLaboratory,
                                lin:NationalTechnologyInnovationCenter)) } GROUP BY ?c ORDER BY ?c""").to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["c", "c_label", "n"]
    assert frame["n"].dtype.kind == "i" and (frame["n"] > 0).all()
    assert set(frame["c"]) == {"lin:NationalEngineeringLaboratory",
                               "lin:NationalTechnologyInnovationCenter"}


def test_to_pandas_without_pandas_names_the_extra(bundled, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ImportError, match=re.escape("pip install 'lineage[notebook]'")):
        bundled.query(TYPED).to_pandas()


# -- HTML tables: escaped, bilingual -----------------------------------------------------------

ALLOWED_TAGS = {"table", "caption", "thead", "tbody", "tr", "th", "td", "span", "br", "small",
                "b", "i", "p", "a"}


class _Audit(HTMLParser):
    """Collects every element and attribute, and the text, of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data):
        self.text.append(data)


def audit(fragment: str) -> _Audit:
    parser = _Audit()
    parser.feed(fragment)
    parser.close()
    assert parser.tags <= ALLOWED_TAGS, parser.tags - ALLOWED_TAGS
    for tag, name, value in parser.attrs:
        assert not name.startswith("on"), (tag, name, value)
        if name == "href":
            assert value.startswith(("http://", "https://")), value
    return parser


def hostile_reprs(lg) -> dict[str, str]:
    root = "https://w3id.org/lineage/id/inst/hostile-img"
    return {"trace": lg.trace(root)._repr_html_(),
            "show": lg.show(root)._repr_html_(),
            "search": lg.search("onerror")._repr_html_(),
            "query": lg.query("SELECT ?x ?l WHERE { ?x rdfs:label ?l FILTER(CONTAINS(?l, '<')) }")
                       ._repr_html_(),
            "diff": lg.diff("2000", "2030", focus=root)._repr_html_()}


def test_every_label_is_escaped_in_html_tables(hostile):
    for what, fragment in hostile_reprs(hostile).items():
        text = "".join(audit(fragment).text)
        assert "<img src=x onerror=window.__pwned=1>" in text, what  # shown as text


def test_tables_are_bilingual(bundled):
    for fragment in (bundled.trace(WHEAT)._repr_html_(), bundled.show(WHEAT)._repr_html_(),
                     bundled.search("小麦")._repr_html_(), bundled.diff("2020", "2024")._repr_html_(),
                     bundled.query(TYPED)._repr_html_()):
        text = " ".join(audit(fragment).text)
        assert WHEAT in text and WHEAT_ZH in text


def test_rendered_view_is_a_string_that_shows_inline(bundled, tmp_path):
    page = bundled.render(lineage=WHEAT)
    assert isinstance(page, str) and page.startswith("<!DOCTYPE html>")
    frame = page._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" [^>]*></iframe>', frame)
    assert match, frame[:200]
    import html

    assert html.unescape(match.group(1)) == page  # the page itself, CSP and all
    written = page.write(tmp_path / "wheat.html")
    assert written.read_text(encoding="utf-8") == page


# -- graphs out and in -------------------------------------------------------------------------

def test_trace_to_networkx(bundled):
    graph = bundled.trace(WHEAT_NTIC, direction="both").to_networkx()
    wheat = bundled.resolve(WHEAT).iri
    ntic = bundled.resolve(WHEAT_NTIC).iri
    assert graph.nodes[ntic]["root"] and graph.nodes[wheat]["label_zh"] == WHEAT_ZH
    [(start, end, data)] = [(u, v, d) for u, v, d in graph.edges(data=True) if wheat in (u, v)]
    assert (start, end) == (wheat, ntic)  # original -> result, even walking up
    assert data["event_type"] == "lin:Conversion" and data["sources"]


def test_dataset_round_trips_through_rdflib(bundled):
    dataset = bundled.dataset()
    assert len(dataset) == len(bundled.store) - len(
        bundled.store.graph_triples("https://w3id.org/lineage/graph/derived"))
    again = Lineage.from_rdflib(dataset)
    try:
        assert len(again.store) == len(bundled.store)
        assert again.trace(WHEAT).hops == bundled.trace(WHEAT).hops
    finally:
        again.close()


def test_from_a_plain_rdflib_graph(fixture_path):
    from rdflib import Graph

    graph = Graph().parse(fixture_path("trace", "chain.ttl"))
    with Lineage.from_rdflib(graph) as lg:
        assert lg.path("Example Chain Centre 1", "Example Chain Centre 3") is not None
        assert lg.search("Example Chain")
    with pytest.raises(TypeError):
        Lineage.from_rdflib({"not": "a graph"})


# -- validate leaves the store as it was -------------------------------------------------------

def test_validate_files_leaves_the_store_as_it_was(fixture_path):
    with Lineage.open() as lg:
        probe = "SELECT (COUNT(*) AS ?n) WHERE { ?x a lin:Institution . ?x rdfs:label ?l }"
        before = (len(lg.store), lg.store.select(probe).rows, dict(lg.graph_names))
        report = lg.validate([fixture_path("cli", "broken-shape.ttl")])
        assert not report.conforms
        assert (len(lg.store), lg.store.select(probe).rows, dict(lg.graph_names)) == before
        assert lg.validate().conforms


# -- the README's Python section ---------------------------------------------------------------

def test_readme_python_answers_are_not_empty():
    """Every value the README's Python example names holds something."""
    from test_docs import code_blocks

    [example] = [block for block in code_blocks("python") if "to_pandas()" in block]
    names: dict = {"print": lambda *a, **k: None}
    exec(compile(example, "README.md", "exec"), names)
    assigned = {t.id for node in ast.walk(ast.parse(example)) if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    assert {"hops", "units", "table", "view"} <= assigned
    for name in assigned:
        value = names[name]
        if hasattr(value, "__len__"):
            assert len(value) > 0, f"the README's `{name}` is empty"
    assert "to_pandas()" in example and "_repr_html_" not in example
