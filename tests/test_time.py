"""The existence rule (lineage.existence) and its use by show, trace, views and exports: one
answer to "did this exist at that date?" everywhere. Expected dates come from SPARQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest

from lineage.namespaces import INST

HISTORY = Path(__file__).parent / "fixtures" / "views" / "history.ttl"
DATES = ("2005", "2016-09", "2020", "2022-06", "2022-12-30", "2023")


@pytest.fixture(scope="module")
def history():
    from lineage import Lineage

    return Lineage.open(data=[HISTORY], bundled=False)


def span_of(lin, name):
    return lin.show(name).lifespan


def island(page: str) -> dict:
    start = page.index('id="lineage-data">') + len('id="lineage-data">')
    return json.loads(page[start:page.index("</script>", start)])


def view_nodes(lin, **options) -> set[str]:
    return {n["iri"] for n in island(lin.render(**options))["nodes"]}


def settled_results_after(lin, year: int) -> set[str]:
    """Institutions an approved or completed event creates after `year` (by SPARQL)."""
    rows = lin.store.select(f"""SELECT DISTINCT ?x WHERE {{
        ?e lin:status ?s ; dcterms:date ?d . FILTER(?s IN (lin:Approved, lin:Completed))
        FILTER(YEAR(?d) > {year} || (DATATYPE(?d) = xsd:gYear && xsd:integer(STR(?d)) > {year}))
        ?e a ?t . FILTER(?t IN (lin:Establishment, lin:Conversion, lin:Merger))
        {{ ?e org:resultingOrganization ?x }}
        UNION {{ ?e a lin:Establishment ; org:originalOrganization ?x
                 FILTER NOT EXISTS {{ ?e org:resultingOrganization ?r }} }}
        FILTER NOT EXISTS {{ ?x lin:established ?own }} }}""")
    return {str(x) for (x,) in rows}


# -- the rule ---------------------------------------------------------------------------------

def test_start_comes_from_own_date_else_the_settled_event_that_made_it(history):
    lab = span_of(history, "History Laboratory")
    assert (lab.start.date.lexical, lab.start.date.precision, lab.start.basis) == (
        "2008-05", "month", "established")
    # known only as the result of a rejected conversion: its earliest dated event, said so
    rejected = span_of(history, "History Rejected Target").start
    assert (rejected.date.lexical, rejected.basis, rejected.status) == ("2019", "earliest",
                                                                       "lin:Rejected")
    assert span_of(history, "History Ministry").start is None  # undated stays undated


def test_settled_conversions_mergers_and_dissolutions_end_pending_ones_never(history):
    old, lab = span_of(history, "History Old Centre"), span_of(history, "History Laboratory")
    assert old.end.date.lexical == lab.end.date.lexical == "2021-08"
    assert old.end.event.endswith("history-merger") and old.end.event_type == "lin:Merger"
    closed = span_of(history, "History Closed Institute").end
    assert (closed.date.lexical, closed.event_type) == ("2015", "lin:Dissolution")
    # the new centre's only later event is a planned conversion: it has not ended
    assert span_of(history, "History New Centre").end is None
    # the old centre's rejected conversion (2019, before the merger) ended nothing
    assert old.end.date.lexical != "2019"


def test_show_says_where_each_date_comes_from(run, bundled):
    [(event, date, centre)] = bundled.store.select("""SELECT ?e ?d ?c WHERE {
        ?e a lin:Establishment ; lin:status lin:Approved ; dcterms:date ?d ;
           org:originalOrganization ?c FILTER NOT EXISTS { ?e org:resultingOrganization ?r }
        ?c rdfs:label "National High-end Aviation Equipment Technology Innovation Center"@en }""")
    out = run("show", str(centre)).output
    assert f"exists from: {date} (day); from: Establishment event, {date}" in out
    asic = run("show", "National ASIC System Engineering Technology Research Center").output
    assert "ended: 2022-12-30 (day); from: Conversion event, 2022-12-30" in asic
    assert "start: undated" in asic and "existed by: 2022-12-30" in asic
    data = json.loads(run("show", str(centre), "--format", "json").output)
    assert data["lifespan"]["start"]["event"] == str(event)


# -- one rule everywhere ----------------------------------------------------------------------

def test_as_of_2020_view_holds_no_centre_the_rule_dates_later(bundled):
    later = settled_results_after(bundled, 2020)
    assert len(later) >= 6  # Dairy, EDA, Aviation, Blockchain, Green Building, ...
    assert not later & view_nodes(bundled, as_of="2020")
    assert later <= view_nodes(bundled, as_of="2023")


@pytest.mark.parametrize("when", DATES)
def test_views_trace_and_exports_agree_on_what_existed(bundled, when):
    """Each institution is in the as-of view exactly when trace --as-of finds it established,
    and the as-of GEXF export holds the same institutions."""
    shown = view_nodes(bundled, as_of=when)
    exported = set(nx.read_gexf(io.BytesIO(bundled.export("gexf", as_of=when))).nodes)
    assert exported == shown
    institutions = {str(x) for (x,) in bundled.store.select(
        "SELECT ?x WHERE { ?x a ?t . ?t rdfs:subClassOf* lin:Institution }")}
    for iri in sorted(institutions):
        traced = bundled.trace(iri, as_of=when)
        assert (iri in shown) == (not traced.root_not_yet_established), (iri, when)


def test_lineage_view_as_of_matches_trace(bundled):
    eda = "National Integrated Circuit Design Automation Technology Innovation Center"
    for when in ("2022-06", "2022-12-30", "2023"):
        traced = bundled.trace(eda, direction="both", as_of=when)
        expected = {traced.root.iri} | traced.reached()
        assert view_nodes(bundled, lineage=eda, as_of=when) == expected, when
    assert str(INST["national-asic-system-engineering-technology-research-center"]) in expected


def test_gexf_dates_nodes_and_memberships_by_the_rule(bundled, history):
    graph = nx.read_gexf(io.BytesIO(bundled.export("gexf")))
    ntics = {str(x) for (x,) in bundled.store.select(
        "SELECT ?x WHERE { ?x a lin:NationalTechnologyInnovationCenter }")}
    dated = {str(x) for (x,) in bundled.store.select("""SELECT DISTINCT ?x WHERE {
        ?x a lin:NationalTechnologyInnovationCenter .
        { ?x lin:established ?d } UNION { ?e org:resultingOrganization ?x ; dcterms:date ?d }
        UNION { ?e a lin:Establishment ; org:originalOrganization ?x ; dcterms:date ?d
                FILTER NOT EXISTS { ?e org:resultingOrganization ?r } } }""")}
    assert {n for n in ntics if "start" in graph.nodes[n]} == dated
    assert len(dated) / len(ntics) > 0.8
    asic = graph.nodes[str(INST["national-asic-system-engineering-technology-research-center"])]
    assert asic["end"] == "2022-12-30" and "start" not in asic  # undated start stays undated
    small = nx.read_gexf(io.BytesIO(history.export("gexf")))
    [unit] = [d for _, _, d in small.edges(data=True) if d["kind"] == "membership"
              and d["relation"] == "lin:SupportingUnit"]
    assert unit["start"] == "2021-01-01"


def test_export_as_of_leaves_out_later_things_in_every_format(history, run, tmp_path):
    new_centre = str(INST["history-new-centre"])
    early = history.export("nt", as_of="2010").decode()
    assert new_centre not in early and "history-merger" not in early
    assert str(INST["history-old-centre"]) in early
    assert new_centre in history.export("nt", as_of="2021").decode()
    files = history.export("csv", as_of="2010")
    assert new_centre not in files["nodes.csv"].decode("utf-8-sig")
    result = run("--data", str(HISTORY), "export", "--format", "graphml", "--as-of", "2010",
                 "-o", "-")
    assert result.exit_code == 0 and "history-old-centre" in result.output
    assert new_centre not in result.output
    bad = run("export", "--format", "gexf", "--as-of", "2020-13", "-o", "-")
    assert bad.exit_code == 2 and "not a real date" in bad.stderr


def test_server_views_follow_the_same_rule(bundled):
    from lineage.server import App, ServerConfig

    app = App(bundled, ServerConfig(timeout=10))

    def page(target: str):
        return app.handle("GET", target, {"Host": "localhost"})

    for when in ("2020", "2023"):
        response = page(f"/view?as_of={when}")
        assert response.status == 200
        assert {n["iri"] for n in island(response.body.decode())["nodes"]} == view_nodes(
            bundled, as_of=when)
    changes = island(page("/view?from=2020&to=2023&layout=timeline").body.decode())
    assert changes["meta"]["diff"] == ["2020", "2023"]
    assert page("/view?from=2020").status == 400
