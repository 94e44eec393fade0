"""Shared fixtures: the bundled graph opened once, a CLI runner, fixture paths."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

FIXTURES = Path(__file__).parent / "fixtures"


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
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def fixture_path():
    def path(*parts: str) -> str:
        return str(FIXTURES.joinpath(*parts))

    return path


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
    import time
    import urllib.request

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
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("oxigraph serve did not start")
            time.sleep(0.1)
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
