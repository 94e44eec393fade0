"""The barrier below the guard (lineage.sparql.sandbox): a query worker cannot open a socket,
whatever the guard missed, on every kind of local store; and the guard alone, with the
barrier forced off, still refuses every known form."""

from __future__ import annotations

import os
import socket

import pytest

from lineage import Lineage
from lineage.server import App, ServerConfig
from lineage.sparql import QueryError, QueryRefused, SandboxUnavailable, engine, sandbox
from lineage.sparql.worker import Limits, run_in_worker


def attack_forms(url: str) -> list[tuple[str, str]]:
    """(construct the refusal names, query): each form reported as getting past the guard,
    and its variants (lower case, nested, other query forms)."""
    return [
        ("SERVICE", f"SELECT * WHERE {{ SERVICESILENT<{url}/glued> {{ ?x ?y ?z }} }}"),
        ("SERVICE", f"PREFIX : <{url}/y> PREFIX SERVICE: <urn:x:> "
                    "SELECT * WHERE { SERVICE:x { ?x ?y ?z } }"),
        ("FROM NAMED", f"SELECT * FROMNAMED<{url}/g> WHERE {{ GRAPH ?g {{ ?x ?y ?z }} }}"),
        ("SERVICE", f"select * where {{ servicesilent<{url}/lower> {{ ?x ?y ?z }} }}"),
        ("SERVICE", f"PREFIX a: <{url}/a> SELECT * WHERE {{ SERVICEa:x {{ ?x ?y ?z }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICESILENT<{url}/sub> "
                    "{ ?x ?y ?z } } } }"),
        ("SERVICE", f"ASK {{ FILTER EXISTS {{ SERVICESILENT<{url}/exists> {{ ?x ?y ?z }} }} }}"),
        ("SERVICE", f"CONSTRUCT {{ ?x ?y ?z }} WHERE {{ SERVICESILENT<{url}/construct> "
                    "{ ?x ?y ?z } }"),
        ("SERVICE", f"SELECT * WHERE {{ ?s ?p trueSERVICE<{url}/true> {{ ?x ?y ?z }} }}"),
        ("SERVICE", f"SELECT * WHERE {{ ?s ?p 1.0e0SERVICE<{url}/number> {{ ?x ?y ?z }} }}"),
        ("FROM", f"SELECT *FROM<{url}/from> WHERE {{ ?s ?p ?o }}"),
    ]


@pytest.fixture
def barrier_off():
    """Workers started while this is active hold no barrier (the test switch)."""
    sandbox.FORCE_OFF = True
    sandbox.probe.cache_clear()
    yield
    sandbox.FORCE_OFF = False
    sandbox.probe.cache_clear()


def _fresh_workers(lineage: Lineage) -> None:
    """Drop idle workers, so the next query starts one under the current switch."""
    engine.workers(lineage.store).invalidate()


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    lineage = Lineage.open(store=f"oxigraph:{tmp_path_factory.mktemp('sandbox') / 'db'}")
    yield lineage
    lineage.store.close()


def _via_library(lineage):
    return lambda query: lineage.query(query, timeout=20)


def _via_server(lineage):
    app = App(lineage, ServerConfig(timeout=20))

    def ask(query: str):
        response = app.handle("POST", "/sparql", {"Host": "localhost",
                                                  "Content-Type": "application/sparql-query"},
                              query.encode())
        if response.status != 200:
            raise QueryError(response.body.decode())
        return response

    return ask


@pytest.mark.parametrize("switch", ["barrier on", "barrier off"])
@pytest.mark.parametrize("where", ["memory", "oxigraph:DIR", "serve"])
def test_every_form_is_refused_and_makes_no_request(request, bundled, disk, listener, where,
                                                    switch):
    if switch == "barrier off":
        request.getfixturevalue("barrier_off")
    lineage = disk if where == "oxigraph:DIR" else bundled
    _fresh_workers(lineage)
    ask = _via_server(lineage) if where == "serve" else _via_library(lineage)
    url, hits = listener
    before = len(hits)
    for construct, query in attack_forms(url):
        with pytest.raises(QueryError) as refused:
            ask(query)
        assert f"{construct} is not allowed" in str(refused.value), query
    assert len(hits) == before
    _fresh_workers(lineage)


def _service_past_the_guard(lineage, url: str, path: str) -> None:
    """Hand a SERVICE query straight to a worker, as if the guard had missed it."""
    evaluate = engine.evaluator(lineage.store, f"SELECT * WHERE {{ SERVICE <{url}/{path}> {{ ?s ?p ?o }} }}")
    try:
        run_in_worker(evaluate, "SELECT", Limits(timeout=20))
    except QueryError:
        pass


@pytest.mark.parametrize("where", ["memory", "oxigraph:DIR"])
def test_the_barrier_alone_stops_a_service_the_guard_missed(bundled, disk, listener, where):
    if not sandbox.probe():
        pytest.skip("this kernel allows neither a network namespace nor seccomp here")
    lineage = disk if where == "oxigraph:DIR" else bundled
    _fresh_workers(lineage)
    url, hits = listener
    before = len(hits)
    _service_past_the_guard(lineage, url, f"barrier-{where}")
    assert len(hits) == before
    assert engine.workers(lineage.store).barriers == sandbox.probe()


def test_without_the_barrier_the_same_query_would_reach_the_network(bundled, listener,
                                                                     barrier_off):
    """The control for the test above: it can fail."""
    _fresh_workers(bundled)
    url, hits = listener
    _service_past_the_guard(bundled, url, "control")
    assert "/control" in hits
    _fresh_workers(bundled)


def _in_child(action) -> int:
    """Run `action()` in a forked child; its return value (0-255) is the exit code."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            code = action()
        except BaseException:
            code = 99
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _socket_refused() -> int:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        return 0
    return 1


def test_the_seccomp_filter_alone_refuses_every_socket():
    def deny_then_try() -> int:
        if not sandbox._deny_sockets():
            return 77
        refused = []
        for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
            try:
                socket.socket(family, socket.SOCK_STREAM).close()
            except OSError:
                refused.append(family)
        with open(os.devnull):  # files still open: the filter is about sockets only
            pass
        return 0 if len(refused) == 3 else 1

    code = _in_child(deny_then_try)
    if code == 77:
        pytest.skip("seccomp filters cannot be installed here")
    assert code == 0


def test_the_network_namespace_alone_has_no_route_out(listener):
    url, hits = listener
    port = int(url.rsplit(":", 1)[1])

    def leave_then_connect() -> int:
        if not sandbox._leave_network():
            return 77
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        except OSError:
            return 0
        return 1

    code = _in_child(leave_then_connect)
    if code == 77:
        pytest.skip("this kernel does not allow a new network namespace here")
    assert code == 0


def test_the_descriptor_cap_counts_only_open_descriptors():
    """Regression: the cap was 'highest fd listed + 1', and the highest was the listing's own
    descriptor, closed by then, so one new socket still fitted."""
    def cap_then_open() -> int:
        sandbox.cap_descriptors()
        for opener in (lambda: socket.socket(), lambda: open(os.devnull)):
            try:
                opener().close()
                return 1
            except OSError:
                pass
        return 0

    assert _in_child(cap_then_open) == 0


def test_an_inherited_descriptor_above_the_hard_limit_still_works():
    import resource

    def high_descriptor_then_cap() -> int:
        read_end, write_end = os.pipe()
        high = os.dup2(write_end, 900)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        sandbox.cap_descriptors()
        os.write(high, b"x")
        return 0 if os.read(read_end, 1) == b"x" and _socket_refused() == 0 else 1

    assert _in_child(high_descriptor_then_cap) == 0


def test_info_and_the_facade_say_which_barrier_holds(bundled, run):
    expected = sandbox.describe(sandbox.probe())
    assert bundled.query_barrier() == expected
    result = run("info", "--no-validate")
    assert f"query barrier: {expected}" in result.output


def test_info_says_guard_only_when_no_barrier_holds(run, barrier_off):
    result = run("info", "--no-validate", "--format", "json")
    assert '"query_barrier": "guard only"' in result.output


def test_strict_sandbox_refuses_queries_with_the_guard_alone(run, barrier_off):
    result = run("--strict-sandbox", "query", "ASK { ?s ?p ?o }")
    assert result.exit_code == 2
    assert "--strict-sandbox" in result.stderr and "no barrier" in result.stderr
    assert run("query", "ASK { ?s ?p ?o }").exit_code == 0


def test_strict_sandbox_runs_queries_where_a_barrier_holds(run):
    if not sandbox.probe():
        pytest.skip("no barrier is available here")
    assert run("--strict-sandbox", "query", "ASK { ?s ?p ?o }").exit_code == 0


def test_strict_sandbox_refuses_a_remote_store_whose_queries_need_the_network():
    from lineage.store.remote import RemoteStore
    from lineage.sparql import run_query

    store = RemoteStore("sparql:http://127.0.0.1:9/sparql")
    with pytest.raises(SandboxUnavailable):
        run_query(store, "ASK { ?s ?p ?o }", strict=True)


def test_the_guard_refuses_before_the_barrier_is_asked(bundled, listener):
    url, _ = listener
    with pytest.raises(QueryRefused) as refused:
        bundled.query(f"SELECT * WHERE {{ SERVICESILENT<{url}/x> {{ ?x ?y ?z }} }}")
    assert refused.value.construct == "SERVICE"


@pytest.mark.parametrize("where", ["memory", "oxigraph:DIR", "serve"])
def test_generated_forms_through_each_store_with_the_barrier_off(request, bundled, disk, listener,
                                                                 where, barrier_off):
    """The differential test's forms (see test_sparql_guard), through the library and the
    server with no barrier below the guard: each is refused naming SERVICE or FROM, or, if the
    guard passes it, it makes no request."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from test_sparql_guard import glued_from, glued_service

    lineage = disk if where == "oxigraph:DIR" else bundled
    _fresh_workers(lineage)
    ask = _via_server(lineage) if where == "serve" else _via_library(lineage)
    url, hits = listener

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(glued_service(url), glued_from(url)))
    def check_one(text):
        before = len(hits)
        try:
            ask(text)
        except QueryError as error:  # refused, or a syntax error the engine found
            message = str(error)
            if "is not allowed" in message:
                assert message.startswith(("SERVICE is", "FROM is", "FROM NAMED is")), text
        assert len(hits) == before, text

    check_one()
    _fresh_workers(lineage)


_KILLED_PARENT = """
import os, signal, sys
from lineage import Lineage
from lineage.sparql import engine
lineage = Lineage.open()
lineage.query("ASK { ?s ?p ?o }")
lineage.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", memory_mb=1024)  # a second worker
print(" ".join(str(p.pid) for p in engine.workers(lineage.store).processes()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_workers_end_when_their_parent_is_killed():
    """Regression: each forked worker held the parent's ends of its own and its siblings'
    pipes, so after a SIGKILL of the CLI or the server they never saw the pipe close and
    lingered, each with a copy of the graph."""
    import subprocess
    import sys
    import time

    done = subprocess.run([sys.executable, "-c", _KILLED_PARENT], capture_output=True,
                          text=True, timeout=120)
    pids = [int(p) for p in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
        time.sleep(0.2)
    alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
    for pid in alive:
        os.kill(pid, 9)
    assert alive == []
