"""Shared fixtures: the bundled graph opened once, a CLI runner, fixture paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"

#: The prefixes a small Turtle fixture written inside a test needs.
TURTLE_PREFIXES = """@prefix inst: <https://w3id.org/lineage/id/inst/> .
@prefix event: <https://w3id.org/lineage/id/event/> .
@prefix src: <https://w3id.org/lineage/id/src/> .
@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture(scope="session")
def bundled():
    """The bundled graph (ontology + graphs/ + derived edges), opened once per test run."""
    from lineage import Lineage

    return Lineage.open()


@pytest.fixture
def run():
    """Invoke the `lineage` CLI in-process; returns click's Result (stdout and stderr apart)."""
    from lineage.cli import main

    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        # tables wrap to $COLUMNS when it is set: outputs compared here are the unwrapped ones
        kwargs["env"] = {"COLUMNS": None, **kwargs.get("env", {})}
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def fixture_path():
    def path(*parts: str) -> str:
        return str(FIXTURES.joinpath(*parts))

    return path


def wait_for_endpoint(url: str, process, what: str, seconds: float = 60) -> None:
    """Wait until a SPARQL endpoint started as `process` answers ASK {}; RuntimeError if it
    exits or stays silent (the caller stops it)."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real SPARQL 1.1 server (`oxigraph serve`, from the oxigraph package) on a free
    loopback port, with the union of its graphs as default graph; stopped by its pid."""
    import os
    import shutil
    import signal
    import subprocess
    import sys

    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        if os.environ.get("CI"):
            pytest.fail("the oxigraph server (pip package oxigraph) is required under CI")
        pytest.skip("the oxigraph server (pip package oxigraph) is not installed")
    port = _free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    process = subprocess.Popen([binary, "serve", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_endpoint(url + "/query", process, "oxigraph serve", seconds=30)
    except RuntimeError as exc:
        process.kill()
        pytest.fail(str(exc))
    yield url
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)


def hammer(queries: dict[str, str], answer, threads: int, seconds: float) -> tuple[list, int]:
    """Ask `queries` round-robin from several threads for a while; each answer must equal the
    one given when asked alone. Returns (problems, answers given)."""
    import threading
    import time

    expected = {name: answer(text) for name, text in queries.items()}
    problems, answered = [], []
    stop = time.monotonic() + seconds
    names = sorted(queries)

    def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop:
            name = names[i % len(names)]
            try:
                if answer(queries[name]) != expected[name]:
                    problems.append(f"{name}: different answer")
                answered.append(name)
            except Exception as exc:  # collected and reported by the caller
                problems.append(f"{name}: {exc!r}")
            i += 1

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return problems, len(answered)


@pytest.fixture(scope="module")
def listener():
    """A local HTTP server that counts every request it receives: proof that a query did (or,
    as the tests require, did not) reach the network. Yields (base URL, list of paths)."""
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {d}/load
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


class Virtuoso:
    """A private Virtuoso Open Source server: its own config and database in a temp folder,
    on free loopback ports. `load(file)` bulk-loads a dump; `sql(text)` runs isql."""

    def __init__(self, folder: Path):
        import shutil

        self.folder, self.isql = folder, shutil.which("isql-vt") or "isql-vt"
        self.sql_port, self.http_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.http_port}/sparql"
        (folder / "load").mkdir(parents=True, exist_ok=True)
        (folder / "virtuoso.ini").write_text(_VIRTUOSO_INI.format(
            d=folder, sql_port=self.sql_port, http_port=self.http_port))
        self.process = None

    def start(self) -> None:
        import subprocess

        self.process = subprocess.Popen(["virtuoso-t", "+foreground", "-c",
                                         str(self.folder / "virtuoso.ini")],
                                        cwd=self.folder, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        try:
            wait_for_endpoint(self.url, self.process, "virtuoso-t")
        except RuntimeError:
            self.stop()
            raise

    def sql(self, text: str) -> str:
        import subprocess

        done = subprocess.run([self.isql, f"127.0.0.1:{self.sql_port}", "dba", "dba",
                               f"exec={text}"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def clear(self) -> None:
        """Drop every graph lineage could have written (not the server's own)."""
        self.sql("DELETE FROM DB.DBA.RDF_QUAD WHERE ID_TO_IRI(G) LIKE 'https://w3id.org/lineage/%';"
                 " DELETE FROM DB.DBA.LOAD_LIST;")

    def load(self, dump: Path) -> None:
        """Bulk-load an N-Quads (or TriG) dump, as an administrator would."""
        import shutil

        target = self.folder / "load" / dump.name
        shutil.copy(dump, target)
        self.sql(f"ld_dir('{self.folder / 'load'}', '{dump.name}', 'urn:lineage:unused'); "
                 "rdf_loader_run(); checkpoint;")
        target.unlink()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except Exception:  # noqa: BLE001 - it must go, whatever state it is in
                self.process.kill()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A real Virtuoso 7 server (Debian's virtuoso-opensource, installed by .ci/run), empty,
    with SPARQL update allowed on its endpoint; stopped at the end."""
    import os
    import shutil

    if shutil.which("virtuoso-t") is None:
        if os.environ.get("CI"):
            pytest.fail("Virtuoso (Debian's virtuoso-opensource) is required under CI")
        pytest.skip("Virtuoso (virtuoso-t) is not installed")
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    try:
        server.sql('GRANT SPARQL_UPDATE TO "SPARQL";')
        yield server
    finally:
        server.stop()


#: The slow tests, by file or by test (without parameters): real servers, browsers, big
#: imports, memory caps, many threads, wheels, and one pySHACL run per shape fixture. CI runs
#: everything; `python -m pytest -m "not slow"` is the quick loop for contributors.
SLOW = {
    "test_remote_servers.py", "test_views_browser.py", "test_views_overview_browser.py",
    "test_query_page_browser.py", "test_notebook_browser.py", "test_notebook.py",
    "test_packaging.py",
    "test_stores.py::test_a_million_triples_import_then_trace_without_rereading",
    "test_stores.py::test_disk_store_is_filled_once_then_opened_read_only",
    "test_server.py::test_eight_clients_for_thirty_seconds",
    "test_server.py::test_fifty_idle_connections_do_not_stop_a_real_client",
    "test_server.py::test_a_full_pool_answers_503_with_retry_after",
    "test_sparql_workers.py::test_memory_cap_on_disk_then_the_next_query_works",
    "test_sparql_workers.py::test_eight_threads_on_disk_get_the_serial_answers",
    "test_sparql_limits.py::test_eight_threads_get_the_serial_answers",
    "test_ingest.py::test_derived_shortcut_edges_in_input_are_refused",
    "test_ingest.py::test_a_reused_row_id_with_different_content_is_refused_not_merged",
    "test_ingest.py::test_a_killed_replace_leaves_the_old_graph_or_the_new_never_neither",
    "test_ingest.py::test_random_imports_replaces_and_failures_leave_what_succeeded",
    "test_cli.py::test_info_reuses_the_validation_state_of_the_unchanged_bundled_graph",
    "test_cli.py::test_validate_bundled_graph_exits_zero",
    "test_cli.py::test_validate_broken_file_reports_each_violation",
    "test_api_notebook.py::test_validate_files_leaves_the_store_as_it_was",
    "test_export.py::test_a_killed_export_never_leaves_a_partial_file",
    "test_export.py::test_exports_are_deterministic_across_processes",
    "test_reconcile.py::test_accepted_review_imports_sourced_data_that_validates_and_rematches",
    "test_reconcile.py::test_cli_reconcile_then_import_into_a_store",
    "test_backends.py::test_validate_passes",
    "test_trace.py::test_long_chain_traces_without_recursion",
    "test_shapes.py::test_valid_fixture_conforms",
    "test_shapes.py::test_invalid_fixture_fails_only_its_shape",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        name = item.nodeid.split("/")[-1]
        if name.split("::")[0] in SLOW or name.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)
