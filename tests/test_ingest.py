"""Imports are all-or-nothing, precise about what is wrong, and hostile-input safe (lineage.ingest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineage import Lineage
from lineage.ingest import import_files
from lineage.ingest.problems import ImportRefused

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).parent / "fixtures" / "ingest"
EXAMPLES = sorted((ROOT / "examples").glob("*.csv"))


@pytest.fixture
def lg():
    return Lineage.open()


def refused(lg, *files, **options) -> ImportRefused:
    before = len(lg.store)
    with pytest.raises(ImportRefused) as err:
        import_files(lg.store, [FIX / f if isinstance(f, str) else f for f in files], **options)
    assert len(lg.store) == before, "a refused import changed the store"
    return err.value


def test_example_csv_set_imports_with_its_event_and_sources(lg):
    report = import_files(lg.store, EXAMPLES)
    assert report.validated and report.triples > 50
    assert len(report.new_institutions) == 3
    lg.add_files([])  # re-derive and re-index
    trace = lg.trace("Example Coastal Engineering Technology Research Center")
    [hop] = trace.hops
    assert hop.event.status == "lin:Applied" and hop.event.sources
    detail = lg.show("示例海岸工程技术研究中心")
    assert {m.role for m in detail.memberships} == {"lin:SupportingUnit", "lin:ManagingUnit"}
    assert detail.label_is_translation and detail.sources


def test_yaml_imports_the_same_model(lg):
    import_files(lg.store, [ROOT / "examples" / "example.yaml"])
    lg.add_files([])
    [hop] = lg.trace("Example Highland Engineering Laboratory").hops
    assert hop.event.event_type == "lin:Conversion" and str(hop.event.date) == "2022-05"


def test_malformed_date_names_file_row_column_and_value(lg):
    err = refused(lg, "bad-date-institutions.csv", "example-import-sources.csv")
    [problem] = err.problems
    assert (problem.row, problem.column, problem.value) == (7, "established", "1999-13-40")
    assert problem.file.endswith("bad-date-institutions.csv")
    assert "row 7, column 'established'" in str(err) and "1999-13-40" in str(err)


def test_turtle_error_on_the_last_line_changes_nothing(lg):
    err = refused(lg, "bad-last-line.ttl")
    [problem] = err.problems
    last = len((FIX / "bad-last-line.ttl").read_text().splitlines())
    assert problem.line in (last, last + 1) and problem.column  # the end of the last line
    assert f"bad-last-line.ttl:{problem.line}:{problem.column}: " in str(err)


def test_one_bad_file_stops_the_whole_import(lg):
    refused(lg, *EXAMPLES, FIX / "bad-last-line.ttl")


@pytest.mark.parametrize("name,message", [
    ("entity.ttl", "DOCTYPE/ENTITY declarations are refused"),
    ("data.rdf", "RDF/XML is not accepted"),
    ("alias-bomb.yaml", "aliases and anchors are refused"),
    ("python-tag.yaml", "is refused: plain values only"),
    ("gbk-sources.csv", "not UTF-8"),
])
def test_hostile_or_broken_files_are_refused(lg, name, message):
    assert message in str(refused(lg, name))


def test_utf8_bom_is_accepted(lg):
    import_files(lg.store, [FIX / "bom-sources.csv"])
    rows = lg.query("SELECT ?t WHERE { ?s dcterms:title ?t FILTER(STRSTARTS(?t, 'Example BOM')) }")
    assert len(rows) == 1


def test_size_limit(lg):
    assert "over the limit" in str(refused(lg, *EXAMPLES, max_bytes=50))


def test_width_and_script_variants_are_warned_about(lg):
    report = import_files(lg.store, [FIX / "variants-institutions.csv"], dry_run=True)
    assert any("國家小麥工程技術研究中心" in w and "国家小麦工程技术研究中心" in w for w in report.warnings)


def test_dry_run_reports_without_writing(lg):
    before = len(lg.store)
    report = import_files(lg.store, EXAMPLES, dry_run=True)
    assert report.dry_run and report.triples > 50 and len(lg.store) == before


def test_references_by_label_and_ambiguity(lg, tmp_path):
    path = tmp_path / "memberships.csv"
    path.write_text("member,organization,role,sources\n"
                    "国家小麦工程技术研究中心,Nowhere University,SupportingUnit,"
                    "In Search of Self-Reliance: Xi Overhauls China's Innovation System\n")
    [problem] = refused(lg, path).problems
    assert problem.column == "organization" and "no institution" in problem.message


def test_unknown_column_and_missing_required_values(lg, tmp_path):
    path = tmp_path / "institutions.csv"
    path.write_text("type,name_en,colour\nNETRC,Only English,blue\n")
    problems = refused(lg, path).problems
    assert {p.column for p in problems} >= {"colour", "name_zh", "sources"}


def test_unknown_type_names_the_accepted_ones(lg, tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("type,originals,status,date,sources\nTeleport,MOST,Approved,2020,x\n")
    problems = refused(lg, path).problems
    [typo] = [p for p in problems if p.column == "type"]
    assert "Conversion" in typo.message


def test_reimport_needs_replace(lg):
    import_files(lg.store, EXAMPLES)
    assert "import with replace" in str(refused(lg, *EXAMPLES))
    before = len(lg.store)
    import_files(lg.store, EXAMPLES, replace=True)
    assert len(lg.store) == before


def test_shacl_violations_are_refused_with_the_row(lg, tmp_path):
    src = tmp_path / "sources.csv"
    src.write_text("id,title,url\ns,Example source (fictional),https://example.org/s\n")
    inst = tmp_path / "institutions.csv"
    inst.write_text("id,type,name_en,name_zh,established,sources\n"
                    "late,NTIC,Example Late Centre,示例晚中心,2020,s\n"
                    "early,NETRC,Example Early Centre,示例早中心,2010,s\n")
    events = tmp_path / "events.csv"
    events.write_text("type,originals,results,status,date,sources\n"
                      "Conversion,late,early,Approved,2001,s\n")
    err = refused(lg, src, inst, events)
    assert any("EventNotBeforeEstablishment" in p.message for p in err.problems), str(err)


def _ntriples(count: int, tail: str = "") -> str:
    """`count` N-Triples lines of fictional sources (valid RDF), then `tail` verbatim."""
    lines = [f'<https://example.org/s{i}> <http://purl.org/dc/terms/title> "title {i}" .\n'
             for i in range(count)]
    return "".join(lines) + tail


def _graph_size(run, spec: str, name: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <https://w3id.org/lineage/graph/import/{name}> {{ ?s ?p ?o }} }}"
    result = run("--store", spec, "query", query, "--format", "csv")
    return int(result.stdout.split()[-1])


@pytest.mark.parametrize("options", [["--no-validate"], []], ids=["bulk", "transactional"])
def test_replace_with_a_broken_file_keeps_the_old_graph(run, tmp_path, options):
    spec = f"oxigraph:{tmp_path / 'db'}"
    (tmp_path / "v1").mkdir(), (tmp_path / "v3").mkdir()
    old, new = tmp_path / "v1" / "extra.nt", tmp_path / "v3" / "extra.nt"
    old.write_text(_ntriples(100))
    new.write_text(_ntriples(200, '<https://example.org/broken> <http://purl.org/dc/terms/title> "x'))
    assert run("--store", spec, "import", *options, str(old)).exit_code == 0
    result = run("--store", spec, "import", "--replace", *options, str(new))
    assert result.exit_code == 2 and "extra.nt:201:" in result.stderr
    assert _graph_size(run, spec, "extra-nt") == 100


def test_a_bulk_import_parses_its_file_once_in_python(run, tmp_path, monkeypatch):
    """The import's own check parses the file; the bulk loader then writes it without a
    second Python parse (regression: two full parses, 1-2 s of a 100k-institution import)."""
    import pyoxigraph as ox

    spec = f"oxigraph:{tmp_path / 'db'}"
    data = tmp_path / "extra.nt"
    data.write_text(_ntriples(50))
    assert run("--store", spec, "info", "--no-validate").exit_code == 0  # the store, filled
    parses, parse = [], ox.parse
    monkeypatch.setattr(ox, "parse", lambda *a, **k: parses.append(1) or parse(*a, **k))
    assert run("--store", spec, "import", "--no-validate", str(data)).exit_code == 0
    assert len(parses) == 1
    assert "extra-nt" in run("--store", spec, "query",
                             "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", "--format", "csv").stdout


def test_replace_switches_to_the_new_graph_and_leaves_no_staging(run, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    (tmp_path / "v1").mkdir(), (tmp_path / "v2").mkdir()
    (tmp_path / "v1" / "extra.nt").write_text(_ntriples(100))
    (tmp_path / "v2" / "extra.nt").write_text(_ntriples(30))
    assert run("--store", spec, "import", "--no-validate", str(tmp_path / "v1" / "extra.nt")).exit_code == 0
    assert run("--store", spec, "import", "--no-validate", "--replace",
               str(tmp_path / "v2" / "extra.nt")).exit_code == 0
    assert _graph_size(run, spec, "extra-nt") == 30
    graphs = run("--store", spec, "query", "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", "--format", "csv")
    assert "staging" not in graphs.stdout


PLANTED = ("inst:national-wheat-engineering-technology-research-center lin:{predicate} "
           "inst:national-wheat-technology-innovation-center")


@pytest.mark.parametrize("graph", ["graph/ontology", "graph/derived", "graph/meta",
                                   "graph/import/other-ttl"])
@pytest.mark.parametrize("options", [["--no-validate"], []], ids=["bulk", "transactional"])
def test_an_import_writes_only_into_its_own_graph(run, tmp_path, graph, options):
    spec = f"oxigraph:{tmp_path / 'db'}"
    planted, emptied = tmp_path / "planted.trig", tmp_path / "v2" / "planted.trig"
    planted.write_text("@prefix inst: <https://w3id.org/lineage/id/inst/> .\n"
                       "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                       f"<https://w3id.org/lineage/{graph}> {{\n"
                       '  inst:national-wheat-technology-innovation-center rdfs:comment "x" }\n')
    assert run("--store", spec, "import", *options, str(planted)).exit_code == 0
    where = run("--store", spec, "query", 'SELECT ?g WHERE { GRAPH ?g { ?x rdfs:comment "x" } }',
                "--format", "csv")
    assert where.stdout.splitlines()[1:] == ["https://w3id.org/lineage/graph/import/planted-trig"]
    emptied.parent.mkdir()
    emptied.write_text("")
    assert run("--store", spec, "import", "--replace", *options, str(emptied)).exit_code == 0
    assert run("--store", spec, "query", 'ASK { ?x rdfs:comment "x" }').exit_code == 1


DERIVED = ["succeededBy", "precededBy", "pendingSuccessor", "convertedInto", "mergedInto",
           "supportingUnit", "managingUnit"]


@pytest.mark.parametrize("predicate", DERIVED)
def test_derived_shortcut_edges_in_input_are_refused(run, tmp_path, predicate):
    spec = f"oxigraph:{tmp_path / 'db'}"
    planted = tmp_path / "planted.ttl"
    planted.write_text("@prefix inst: <https://w3id.org/lineage/id/inst/> .\n"
                       "@prefix lin: <https://w3id.org/lineage/ontology#> .\n"
                       + PLANTED.format(predicate=predicate) + " .\n")
    for options in (["--no-validate"], []):
        result = run("--store", spec, "import", *options, str(planted))
        assert result.exit_code == 2 and f"planted.ttl:3: states lin:{predicate}" in result.stderr
    if predicate == "succeededBy":  # the bundled graph has no such edge (only pending)
        ask = run("--store", spec, "query", "ASK { " + PLANTED.format(predicate=predicate) + " }")
        assert ask.exit_code == 1
    assert run("--store", spec, "validate").exit_code == 0


def test_a_killed_replace_leaves_the_old_graph_or_the_new_never_neither(run, tmp_path):
    """SIGKILL at several moments of a bulk --replace (parse, staging load, switch)."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    spec = f"oxigraph:{tmp_path / 'db'}"
    (tmp_path / "v1").mkdir(), (tmp_path / "v2").mkdir()
    (tmp_path / "v1" / "extra.nt").write_text(_ntriples(100))
    (tmp_path / "v2" / "extra.nt").write_text(_ntriples(60_000))
    assert run("--store", spec, "import", "--no-validate", str(tmp_path / "v1" / "extra.nt")).exit_code == 0
    command = [shutil.which("lineage", path=str(Path(sys.executable).parent)), "--store", spec,
               "import", "--no-validate", "--replace", str(tmp_path / "v2" / "extra.nt")]
    for delay in (0.3, 1.0, 2.0, 4.0, 7.0):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        size = _graph_size(run, spec, "extra-nt")
        assert size in (100, 60_000), f"killed after {delay}s: {size} triples"
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert _graph_size(run, spec, "extra-nt") == 60_000
    graphs = run("--store", spec, "query", "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", "--format", "csv")
    assert "staging" not in graphs.stdout


def test_a_reused_row_id_with_different_content_is_refused_not_merged(run, tmp_path):
    spec = f"oxigraph:{tmp_path / 'db'}"
    first = tmp_path / "sources.csv"
    first.write_text("id,title,url\ns1,First report (fictional),https://example.org/first\n")
    second = tmp_path / "later-sources.csv"
    second.write_text("id,title,url\ns1,Second report (fictional),https://example.org/second\n")
    assert run("--store", spec, "import", str(first)).exit_code == 0
    result = run("--store", spec, "import", str(second))
    assert result.exit_code == 2
    assert "later-sources.csv, row 2, column 'title'" in result.stderr
    assert "'First report (fictional)'" in result.stderr
    assert "'Second report (fictional)'" in result.stderr
    titles = run("--store", spec, "query", "SELECT ?t WHERE { src:s1 dcterms:title ?t }", "--format", "csv")
    assert titles.stdout.splitlines()[1:] == ["First report (fictional)"]
    assert run("--store", spec, "validate").exit_code == 0


def test_a_reused_yaml_id_for_the_same_thing_is_accepted(lg, tmp_path):
    first = tmp_path / "sources.csv"
    first.write_text("id,title,url\ns1,First report (fictional),https://example.org/first\n")
    again = tmp_path / "again.yaml"
    again.write_text("sources:\n  - id: s1\n    title: First report (fictional)\n"
                     "    url: https://example.org/first\n")
    other = tmp_path / "other.yaml"
    other.write_text("sources:\n  - id: s1\n    title: Another report (fictional)\n")
    import_files(lg.store, [first])
    import_files(lg.store, [again])
    err = refused(lg, other)
    assert "other.yaml, row 3, column 'title'" in str(err) and "Another report" in str(err)


def _lineage(*args: str):
    """The installed `lineage` command in a child process (a crash there is an exit code)."""
    import shutil
    import subprocess
    import sys

    command = shutil.which("lineage", path=str(Path(sys.executable).parent))
    return subprocess.run([command, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", [["import", "--dry-run", "{f}"], ["--data", "{f}", "info"],
                                     ["validate", "{f}"]])
def test_deeply_nested_jsonld_is_a_located_error_not_a_crash(tmp_path, command):
    deep = tmp_path / "deep.jsonld"
    deep.write_text('{"@id": "https://example.org/x",\n "https://example.org/p": '
                    + "[" * 4000 + "1" + "]" * 4000 + "}\n")
    result = _lineage(*[part.format(f=deep) for part in command])
    assert result.returncode == 2, result.stderr
    assert "deep.jsonld:2: JSON nested more than" in result.stderr


def test_deeply_nested_yaml_is_a_located_error(run, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("sources:\n  - id: s\n    title: " + "[" * 500 + "]" * 500 + "\n")
    result = run("import", "--dry-run", str(deep))
    assert result.exit_code == 2 and "deep.yaml:3: YAML nested more than" in result.stderr


def test_impossible_date_is_one_clear_error(tmp_path):
    sources = tmp_path / "sources.csv"
    sources.write_text("id,title,date\ns1,Report (fictional),2023-02-30\n")
    result = _lineage("import", "--dry-run", str(sources))
    assert result.returncode == 2
    assert "sources.csv, row 2, column 'date': no such day in the calendar" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_unclosed_csv_quote_is_named_as_a_syntax_error(run, tmp_path):
    sources = tmp_path / "sources.csv"
    sources.write_text('id,title\ns1,"Unclosed title\ns2,Other report (fictional)\n')
    result = run("import", "--dry-run", str(sources))
    assert result.exit_code == 2
    assert "sources.csv, row 2: CSV syntax error: a quoted cell opened in this row is never closed" in result.stderr


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory):
    """An oxigraph:DIR store holding the bundled graph, filled once and copied per example."""
    folder = tmp_path_factory.mktemp("template") / "db"
    Lineage.open(store=f"oxigraph:{folder}", writable=True).store.close()
    return folder


def _version_file(root: Path, name: str, version: int, broken: bool) -> Path:
    """`name` as it reads in `version` (its own triples), with a broken last line if asked."""
    path = root / f"v{version}{'-broken' if broken else ''}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f'<https://example.org/{name}/{version}/{i}> <http://purl.org/dc/terms/title> "{name} {version}" .\n'
             for i in range(version + 1)]
    path.write_text("".join(lines) + ('<https://example.org/broken> <http://purl.org/dc/terms/title> "x'
                                      if broken else ""))
    return path


def _imported(lg) -> dict[str, set]:
    """File name -> its graph's triples (as N-Triples strings), for every imported file."""
    rows = lg.store.select('SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } '
                           'FILTER(STRSTARTS(STR(?g), "https://w3id.org/lineage/graph/import/")) }')
    found: dict[str, set] = {}
    for g, s, o in rows:
        found.setdefault(str(g).rsplit("/", 1)[-1], set()).add((str(s), str(o)))
    return found


operations = st.lists(st.tuples(st.sampled_from(["a.nt", "b.nt", "a.nt+b.nt"]),
                                st.integers(0, 3), st.booleans(), st.booleans()),
                      min_size=1, max_size=6)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=operations)
def test_random_imports_replaces_and_failures_leave_what_succeeded(filled_store, tmp_path_factory, steps):
    import shutil

    root = tmp_path_factory.mktemp("steps")
    shutil.copytree(filled_store, root / "db")
    lg = Lineage.open(store=f"oxigraph:{root / 'db'}", writable=True)
    model: dict[str, set] = {}
    try:
        for names, version, broken, replace in steps:
            names = names.split("+")  # one file takes the bulk path, two the transactional one
            files = [_version_file(root, n, version, broken and n == names[-1]) for n in names]
            succeeds = not broken and (replace or not any(n in model for n in names))
            try:
                lg.import_files(files, replace=replace, validate=False)
            except ImportRefused:
                assert not succeeds
            else:
                assert succeeds
                for n in names:
                    model[n] = {(f"https://example.org/{n}/{version}/{i}", f"{n} {version}")
                                for i in range(version + 1)}
            assert _imported(lg) == {n.replace(".", "-"): t for n, t in model.items()}
    finally:
        lg.store.close()


def test_english_name_flag_is_required_and_false_needs_the_page_that_prints_it(lg, tmp_path):
    src = tmp_path / "sources.csv"
    src.write_text("id,title,url\ns,Example source (fictional),https://example.org/s\n")

    def institutions(flag_columns: str, flag_values: str):
        path = tmp_path / "institutions.csv"
        path.write_text(f"id,type,name_en,name_zh,{flag_columns}sources\n"
                        f"x,University,Example Flag University,示例标记大学,{flag_values}s\n")
        return path

    for columns, values, shape in [("", "", "InstitutionLabelTranslationFlag"),
                                   ("name_en_is_translation,", "false,", "UntranslatedLabelHasSource")]:
        err = refused(lg, src, institutions(columns, values))
        assert any(shape in p.message for p in err.problems), str(err)
        assert "row 2" in str(err)
    report = import_files(lg.store, [src, institutions("name_en_is_translation,name_en_sources,", "false,s,")])
    assert report.validated and len(report.new_institutions) == 1
