"""`--store sparql:` against real servers: Virtuoso 7 and the Oxigraph server, loaded the way
an administrator would, from `lineage export --format nq` (lineage.remote, lineage.loading)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import _free_port, wait_for_endpoint


@pytest.fixture(scope="module")
def dump(tmp_path_factory, run) -> Path:
    path = tmp_path_factory.mktemp("dump") / "lineage.nq"
    assert run("export", "--format", "nq", "-o", str(path)).exit_code == 0
    return path


@pytest.fixture(scope="module")
def run():
    from click.testing import CliRunner

    from lineage.cli import main

    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def _oxigraph() -> str:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.skip("the oxigraph server (pip package oxigraph) is not installed")
    return binary


class ReadOnlyOxigraph:
    """`oxigraph serve-read-only` over a folder loaded with one dump."""

    def __init__(self, folder: Path, dump: Path, union: bool):
        binary = _oxigraph()
        subprocess.run([binary, "load", "--location", str(folder), "--file", str(dump)],
                       check=True, capture_output=True)
        self.port = _free_port()
        self.process = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(folder), "--bind",
             f"127.0.0.1:{self.port}"] + (["--union-default-graph"] if union else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}/query"
        try:
            wait_for_endpoint(self.url, self.process, "oxigraph serve-read-only")
        except RuntimeError:
            self.stop()
            raise

    def __enter__(self) -> "ReadOnlyOxigraph":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def oxigraph_read_only(tmp_path_factory, dump):
    server = ReadOnlyOxigraph(tmp_path_factory.mktemp("ox-ro"), dump, union=True)
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso, dump):
    virtuoso.clear()
    virtuoso.load(dump)
    return virtuoso.url


@pytest.fixture(params=["oxigraph serve-read-only", "virtuoso"])
def endpoint(request):
    """A read-only endpoint that holds lineage's own N-Quads export and nothing else of ours."""
    name = "oxigraph_read_only" if request.param.startswith("oxigraph") else "virtuoso_loaded"
    return request.getfixturevalue(name)


def test_a_read_only_endpoint_loaded_from_an_export_opens(run, endpoint):
    """Regression: no export wrote lineage's private version marker, so every read-only
    server was refused."""
    result = run("--store", f"sparql:{endpoint}", "info", "--no-validate")
    assert result.exit_code == 0, result.output
    memory = run("info", "--no-validate").output
    remote = result.output.replace(f"sparql:{endpoint}", "memory")
    assert remote.split("query barrier")[0] == memory.split("query barrier")[0]


def test_info_counts_lineage_triples_not_the_server_system_graphs(run, endpoint):
    memory = run("info", "--no-validate", "--format", "json").output
    remote = run("--store", f"sparql:{endpoint}", "info", "--no-validate", "--format", "json")
    import json

    assert json.loads(remote.output)["triples"] == json.loads(memory)["triples"]


def test_nt_export_is_byte_identical_to_memory(run, endpoint, tmp_path):
    assert run("export", "--format", "nt", "-o", str(tmp_path / "m.nt")).exit_code == 0
    result = run("--store", f"sparql:{endpoint}", "export", "--format", "nt", "-o",
                 str(tmp_path / "r.nt"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.nt").read_bytes() == (tmp_path / "m.nt").read_bytes()


def test_search_and_validate_agree_with_memory(run, endpoint):
    for args in (("search", "wheat"), ("search", "小麦"), ("validate",)):
        memory = run(*args)
        remote = run("--store", f"sparql:{endpoint}", *args)
        assert remote.exit_code == memory.exit_code == 0, remote.output
        assert remote.output == memory.output


def test_construct_comes_back_as_triples(run, endpoint):
    """Regression: CONSTRUCT was asked with a JSON Accept, and Virtuoso answered a table."""
    query = "CONSTRUCT { ?c a lin:NationalTechnologyInnovationCenter } WHERE { ?c a lin:NationalTechnologyInnovationCenter }"
    memory = run("query", query, "--format", "ttl")
    remote = run("--store", f"sparql:{endpoint}", "query", query, "--format", "ttl")
    assert remote.exit_code == 0, remote.output
    expected = Graph().parse(data=memory.output, format="turtle")
    got = Graph().parse(data=remote.output, format="turtle")
    assert len(expected) > 10 and isomorphic(got, expected)


def test_an_endpoint_without_the_union_default_graph_is_a_clear_error(run, dump, tmp_path):
    """Regression: it passed the check, and then every answer was silently empty."""
    with ReadOnlyOxigraph(tmp_path / "db", dump, union=False) as server:
        result = run("--store", f"sparql:{server.url}", "search", "wheat")
    assert result.exit_code == 2
    assert "not the union of its named graphs" in result.stderr
    assert "--union-default-graph" in result.stderr


def test_an_endpoint_with_no_lineage_data_is_a_clear_error(run, tmp_path):
    empty = tmp_path / "empty.nq"
    empty.write_text("<urn:a> <urn:b> <urn:c> <urn:g> .\n")
    with ReadOnlyOxigraph(tmp_path / "db", empty, union=True) as server:
        result = run("--store", f"sparql:{server.url}", "info")
    assert result.exit_code == 2 and "holds no lineage graph" in result.stderr


def test_another_ontology_version_is_a_warning_naming_both(run, dump, tmp_path):
    older = tmp_path / "older.nq"
    text = dump.read_text(encoding="utf-8")
    marker = '<http://www.w3.org/2002/07/owl#versionInfo> "0.1.0"'
    assert marker in text
    older.write_text(text.replace(marker, '<http://www.w3.org/2002/07/owl#versionInfo> "0.0.9"'),
                     encoding="utf-8")
    with ReadOnlyOxigraph(tmp_path / "db", older, union=True) as server:
        result = run("--store", f"sparql:{server.url}", "search", "wheat")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "0.0.9" in result.stderr and "0.1.0" in result.stderr


def test_virtuoso_with_an_update_endpoint_is_filled_once(run, virtuoso, dump):
    """Regression: the ontology's blank nodes in INSERT DATA were refused by Virtuoso."""
    virtuoso.clear()
    spec = f"sparql:{virtuoso.url},{virtuoso.url}"
    try:
        first = run("--store", spec, "search", "wheat")
        assert first.exit_code == 0, first.output
        assert first.output == run("search", "wheat").output
        validated = run("--store", spec, "validate")
        assert validated.exit_code == 0, validated.output
        examples = Path(__file__).resolve().parent.parent / "examples"
        files = [str(examples / f"{kind}.csv") for kind in
                 ("sources", "institutions", "events", "memberships", "observations")]
        imported = run("--store", spec, "import", *files)
        assert imported.exit_code == 0, imported.output
        name = "Example Coastal Engineering Technology Research Center"
        data = [arg for f in files for arg in ("--data", f)]
        assert run("--store", spec, "trace", name).output == run(*data, "trace", name).output
        assert run("--store", spec, "validate").exit_code == 0
    finally:
        virtuoso.clear()
        virtuoso.load(dump)  # as the read-only tests expect it


def test_institutions_by_their_broad_class_number_what_info_counts(run, endpoint):
    """`?x a lin:Institution` finds every institution on the servers too: the derived graph
    of the export carries the superclass types, and no server counts one twice."""
    query = "SELECT (COUNT(?x) AS ?n) WHERE { ?x a lin:Institution }"
    info = json.loads(run("info", "--no-validate", "--format", "json").output)
    expected = next(c["count"] for c in info["class_counts"] if c["label"] == "institution")
    for store in ([], ["--store", f"sparql:{endpoint}"]):
        result = run(*store, "query", query, "--format", "csv")
        assert result.exit_code == 0, result.output
        assert result.stdout.split() == ["n", str(expected)]


def _commands(folder: Path) -> list[tuple[str, tuple[str, ...]]]:
    from lineage.sparql import canned

    commands = [("show", ("show", "MOST")), ("trace", ("trace", "国家小麦工程技术研究中心")),
                ("path", ("path", "国家小麦工程技术研究中心", "国家小麦技术创新中心")),
                ("path --via-units", ("path", "--via-units", "MOST", "国家小麦技术创新中心")),
                ("trace --both json", ("trace", "--both", "--format", "json", "MOST")),
                ("diff", ("diff", "2022-06", "2023")),
                ("render --as-of", ("render", "--as-of", "2020", "-o", str(folder / "v2020.html"))),
                ("graphml", ("export", "--format", "graphml", "-o", str(folder / "g.graphml"))),
                ("csv", ("export", "--format", "csv", "-o", str(folder / "tables"))),
                ("render", ("render", "-o", str(folder / "view.html"))),
                ("gexf", ("export", "--format", "gexf", "-o", str(folder / "g.gexf"))),
                ("ttl", ("export", "--format", "ttl", "-o", str(folder / "g.ttl"))),
                ("count by broad class", ("query", "SELECT ?c (COUNT(?x) AS ?n) WHERE { VALUES ?c "
                                          "{ lin:Institution lin:ChangeEvent lin:Source } ?x a ?c } "
                                          "GROUP BY ?c ORDER BY ?c"))]
    for name, query in sorted(canned.load_all().items()):
        params = ("--param", "institution=MOST") if any(p.name == "institution"
                                                         for p in query.params) else ()
        commands.append((name, ("query", "--name", name, *params)))
    return commands


@pytest.mark.parametrize("name,args", _commands(Path("{folder}")),
                         ids=[name for name, _ in _commands(Path("x"))])
def test_each_server_gives_the_memory_store_answer(run, endpoint, tmp_path, name, args):
    """Every command, on a read-only Oxigraph server and on Virtuoso loaded from the same
    export, prints and writes exactly what it does on the memory store."""
    mine, theirs = tmp_path / "memory", tmp_path / "server"
    mine.mkdir(), theirs.mkdir()
    memory = run(*(a.replace("{folder}", str(mine)) for a in args))
    remote = run("--store", f"sparql:{endpoint}",
                 *(a.replace("{folder}", str(theirs)) for a in args))
    assert memory.exit_code in (0, 1), memory.output  # 1: a negative answer (no path)
    assert remote.exit_code == memory.exit_code, remote.output
    assert remote.output.replace(str(theirs), "") == memory.output.replace(str(mine), "")
    for written in (path for path in mine.rglob("*") if path.is_file()):
        twin = theirs / written.relative_to(mine)
        assert twin.read_bytes() == written.read_bytes(), written.name
