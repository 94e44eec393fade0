"""On-disk stores answer untrusted queries through long-lived read-only workers
(lineage.sparql.worker.WorkerPool): limits still hold, writes are seen, workers are reused."""

from __future__ import annotations

import pytest
from conftest import hammer

from lineage import Lineage
from lineage.sparql import QueryError, QuerySyntaxError, QueryTimeout, engine
from lineage.sparql.worker import Limits, run_in_worker

BASE = "https://w3id.org/lineage/id/"
LIN = "https://w3id.org/lineage/ontology#"
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
ANY_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?x (lin:succeededBy|!lin:succeededBy)* ?y }"
COUNT_GENERATED = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a lin:University FILTER(STRSTARTS(STR(?s), '{BASE}inst/g')) }}"


def _generated_nt(path, count: int, start: int = 0) -> str:
    lines = []
    for i in range(start, start + count):
        s = f"<{BASE}inst/g{i}>"
        lines.append(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{LIN}University> .")
        lines.append(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Generated {i}"@en .')
        lines.append(f"{s} <http://www.w3.org/ns/org#linkedTo> <{BASE}inst/g{(i * 7919) % 5000}> .")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    """A writable on-disk store holding 5,000 generated universities."""
    folder = tmp_path_factory.mktemp("workers")
    lin = Lineage.open(store=f"oxigraph:{folder / 'db'}", writable=True)
    lin.import_files([_generated_nt(folder / "g.nt", 5000)], validate=False)
    yield lin
    lin.store.close()


def _count(lin: Lineage) -> int:
    return int(lin.query(COUNT_GENERATED).rows[0][0])


def _pool(lin: Lineage):
    return engine.workers(lin.store)


def test_workers_are_reused_between_queries(disk):
    assert _count(disk) == 5000
    first = [w.process.pid for w in _pool(disk)._idle]
    assert _count(disk) == 5000
    assert [w.process.pid for w in _pool(disk)._idle] == first and first


def test_a_write_is_seen_by_the_next_query(disk, tmp_path):
    assert _count(disk) == 5000
    disk.import_files([_generated_nt(tmp_path / "more.nt", 10, start=5000)], validate=False)
    assert _count(disk) == 5010


def test_timeout_on_disk_then_the_next_query_works(disk):
    with pytest.raises(QueryTimeout):
        disk.query(CARTESIAN_COUNT, timeout=2)
    assert _count(disk) >= 5000


def test_memory_cap_on_disk_then_the_next_query_works(disk):
    with pytest.raises(QueryError) as err:
        disk.query(ANY_PATH, timeout=60, memory_mb=256)
    assert "limit" in str(err.value)
    assert _count(disk) >= 5000


def test_syntax_error_keeps_the_worker(disk):
    assert _count(disk) >= 5000
    before = [w.process.pid for w in _pool(disk)._idle]
    with pytest.raises(QuerySyntaxError) as err:
        disk.query("SELECT * WHERE { ?s ?p }")
    assert err.value.line == 1
    assert [w.process.pid for w in _pool(disk)._idle] == before


def test_eight_threads_on_disk_get_the_serial_answers(disk):
    queries = {name: q.text for name, q in disk.canned_queries().items() if not q.params}
    queries["count"] = COUNT_GENERATED
    problems, answered = hammer(queries, lambda text: _answer(disk, text), threads=8, seconds=15)
    assert problems == [] and answered > 8


def _answer(lin, text):
    result = lin.query(text)
    return result.boolean if result.kind == "ASK" else sorted(map(str, result.rows))


def test_closing_the_store_stops_its_workers(tmp_path):
    lin = Lineage.open(store=f"oxigraph:{tmp_path / 'db'}")
    lin.query("ASK { ?s ?p ?o }")
    workers = list(_pool(lin)._idle)
    assert workers and all(w.process.is_alive() for w in workers)
    lin.store.close()
    assert not any(w.process.is_alive() for w in workers)


def test_disk_worker_has_no_network_even_past_the_guard(disk, listener):
    """Defence in depth: a SERVICE handed straight to a worker (as if the guard had missed
    it) finds no network, where the kernel lets the worker leave it."""
    url, hits = listener
    evaluate = engine.evaluator(disk.store, f"SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }}")
    try:
        run_in_worker(evaluate, "SELECT", Limits(timeout=20))
    except QueryError:
        pass
    if hits:
        pytest.skip("this kernel does not let the worker leave the network namespace")
    assert hits == []


def test_a_worker_that_cannot_start_is_a_server_error_not_a_bad_query():
    """Regression (a CI run under memory pressure): a worker that died while starting was
    reported as QueryError, which the server answers 400 "bad request"; it is the server's
    condition, so it is a 503 with Retry-After, like a full pool."""
    import multiprocessing
    import os

    from lineage.sparql import QueryWorkerFailed
    from lineage.sparql.worker import _died, _Worker

    def starter(memory_mb):
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.get_context("fork").Process(target=os._exit, args=(1,))
        process.start()
        child.close()
        return process, parent

    with pytest.raises(QueryWorkerFailed, match="could not start") as caught:
        _Worker.start(starter, 100)
    assert caught.value.http_status == 503 and caught.value.retry_after
    ended = _died(1, Limits())
    assert isinstance(ended, QueryWorkerFailed) and ended.http_status == 503
