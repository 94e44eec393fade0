"""Second safety layer: evaluate a checked query in a sandboxed worker process with hard limits.

Neither rdflib nor pyoxigraph can interrupt a running query, so queries run in child
processes: the parent kills one at the deadline; each caps its own address space (a runaway
`(p|!p)*` fails there, not in the parent), holds the network barriers of `sandbox` (its own
network namespace, a seccomp filter on socket()), and streams at most max_rows + 1 rows back.

Every local store keeps a pool of long-lived workers (WorkerPool), sandboxed from birth, so a
query costs a pipe round trip, not a process start. In-memory workers are forked from the
process holding the store (they share it copy-on-write) and also cannot open any new file;
on-disk workers start from a fork server and open the store read-only. The pool caps how many
queries run at once; the rest wait their turn, or are told the server is busy. A remote
(`sparql:`) store's queries run on its server: their local worker needs the network.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass

import pyoxigraph as ox

from ..store.local import ENGINE_LOCK, TermMemo
from . import sandbox
from .guard import QueryError


_BATCH = 500
_START_TIMEOUT = 30.0  # seconds a new worker may take to report ready (a fork server starting)


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds of wall-clock time
    max_rows: int = 10_000  # rows (or triples) returned; more are cut and marked truncated
    memory_mb: int = 2048  # extra address space the worker may use


@dataclass(frozen=True)
class PoolSettings:
    """How many queries may run at once, how long a query waits for its turn (None: as long
    as it takes; 0: not at all), how many may wait, and whether queries are refused when the
    worker holds no barrier below the guard (`--strict-sandbox`)."""

    size: int | None = None  # None: sized from the machine (see default_pool_size)
    queue_wait: float | None = None
    max_waiting: int | None = None  # None: four times the size
    strict: bool = False


def default_pool_size(memory_mb: int = Limits.memory_mb) -> int:
    """One worker per core, at least two, and no more than available memory holds at each
    worker's memory cap."""
    cores = max(2, os.cpu_count() or 1)
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (ValueError, OSError, AttributeError):
        return cores
    return max(1, min(cores, available // max(1, memory_mb)))


class QueryTimeout(QueryError):
    """The query ran out of time (the same query may pass on a quieter server)."""

    parameter = "timeout"
    http_status = 503


class QueryLimitExceeded(QueryError):
    """The query's worker went past its memory cap."""

    http_status = 503


class QueryBusy(QueryError):
    """Every query worker is busy and the queue is full or the wait ran out; try again later."""

    http_status = 503
    retry_after = 5


class QueryWorkerFailed(QueryError):
    """A query worker failed to start or ended for a reason of the server's, not the query's
    (the same query may pass when the server has room again)."""

    http_status = 503
    retry_after = 5


class SandboxUnavailable(QueryError):
    """strict_sandbox: the worker could hold no barrier below the guard."""

    parameter = "strict_sandbox"

    def __init__(self) -> None:
        super().__init__("query refused: the strict sandbox is on and no barrier below the query "
                         "guard could be applied here (neither a network namespace nor seccomp)")


class _ReportedError(QueryError):
    """The engine refused or failed the query and said why; the worker is still sound."""


class EngineSyntaxError(QueryError):
    """The engine could not parse the query; run_query turns it into a QuerySyntaxError."""


@dataclass
class RawResult:
    kind: str
    variables: list[str]
    rows: list[tuple]  # encoded terms (see encode()), or what the caller decoded them to
    boolean: bool | None = None
    truncated: bool = False
    seconds: float = 0.0


def encode(term) -> tuple | None:
    """A pyoxigraph term as a small picklable tuple: ('u', iri) | ('b', id) | ('l', text, lang,
    datatype)."""
    if term is None:
        return None
    kind = type(term)
    if kind is ox.NamedNode:
        return ("u", term.value)
    if kind is ox.BlankNode:
        return ("b", term.value)
    if kind is ox.Literal:
        return ("l", term.value, term.language, None if term.language else term.datatype.value)
    if kind is ox.Triple:
        return ("t", encode(term.subject), encode(term.predicate), encode(term.object))
    return ("l", str(term), None, None)


def _as_is(rows: list) -> list:
    return rows


@dataclass(frozen=True)
class PoolQuery:
    """A query for a store's pool of sandboxed workers."""

    query: str
    pool: "WorkerPool"


def run_in_worker(evaluate, kind: str, limits: Limits, decode=_as_is) -> RawResult:
    """Run a query in a bounded worker: a pooled, sandboxed one for local stores (PoolQuery),
    a fresh fork for a remote store's request (`evaluate()` returns the engine's result).
    `decode` turns each batch of encoded rows into the caller's terms as it arrives, while
    the worker is still producing the next."""
    if isinstance(evaluate, PoolQuery):
        return evaluate.pool.run(evaluate, kind, limits, decode)
    if "fork" not in multiprocessing.get_all_start_methods():
        return _run_inline(evaluate, kind, limits, decode)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    started = time.monotonic()
    with ENGINE_LOCK:
        process = ctx.Process(target=_child, args=(evaluate, kind, limits, sender), daemon=True)
        process.start()
    sender.close()
    try:
        return _collect(receiver, process, kind, limits, started, decode)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


class WorkerPool:
    """Long-lived, sandboxed query workers for one local store.

    Each worker holds the store (a copy-on-write fork of an in-memory store, or the on-disk
    store opened read-only) and answers queries one at a time, so a query pays a pipe round
    trip instead of a process start. At most `size` queries run at once; the rest wait (see
    PoolSettings). A worker that overruns the time limit or its memory cap is killed and the
    next query starts a fresh one. Workers read a snapshot, so the store drops them whenever
    it writes (invalidate).
    """

    def __init__(self, starter, settings: PoolSettings = PoolSettings()):
        self._starter = starter
        self.settings = settings
        self.size = settings.size or default_pool_size()
        self._max_waiting = settings.max_waiting if settings.max_waiting is not None \
            else 4 * self.size
        self._slots = threading.BoundedSemaphore(self.size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._generation = 0
        self._waiting = 0
        self.barriers: tuple[str, ...] | None = None  # as the last worker started reported

    def invalidate(self) -> None:
        """Stop the idle workers: the store changed, or is closing."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
            self.barriers = None
        for worker in idle:
            worker.stop()

    def run(self, query: PoolQuery, kind: str, limits: Limits, decode=_as_is) -> RawResult:
        self._wait_for_a_slot()
        try:
            return self._run(query, kind, limits, decode)
        finally:
            self._slots.release()

    def _wait_for_a_slot(self) -> None:
        with self._lock:
            if self._waiting >= self._max_waiting:
                raise QueryBusy(f"all {self.size} query workers are busy and "
                                f"{self._waiting} queries are waiting; try again shortly")
            self._waiting += 1
        try:
            if not self._slots.acquire(timeout=self.settings.queue_wait):
                raise QueryBusy(f"all {self.size} query workers stayed busy for "
                                f"{self.settings.queue_wait:g} s; try again shortly")
        finally:
            with self._lock:
                self._waiting -= 1

    def _run(self, query: PoolQuery, kind: str, limits: Limits, decode) -> RawResult:
        started = time.monotonic()
        worker, generation = self._take(limits.memory_mb)
        try:
            worker.connection.send((query.query, kind, limits))
            result = _collect(worker.connection, worker.process, kind, limits, started, decode)
        except (EngineSyntaxError, _ReportedError):
            self._give_back(worker, generation)
            raise
        except BaseException:
            worker.stop()
            raise
        self._give_back(worker, generation)
        return result

    def _take(self, memory_mb: int) -> tuple[_Worker, int]:
        with self._lock:
            generation = self._generation
            for index, worker in enumerate(self._idle):
                if worker.memory_mb == memory_mb and worker.process.is_alive():
                    return self._idle.pop(index), generation
        worker = _Worker.start(self._starter, memory_mb)
        self.barriers = worker.barriers
        if self.settings.strict and not worker.barriers:
            worker.stop()
            raise SandboxUnavailable()
        return worker, generation

    def _give_back(self, worker: _Worker, generation: int) -> None:
        with self._lock:
            if generation == self._generation and len(self._idle) < self.size:
                self._idle.append(worker)
                return
        worker.stop()

    def processes(self) -> list:
        """The idle workers' processes (for tests and `info`)."""
        with self._lock:
            return [worker.process for worker in self._idle]


class _Worker:
    def __init__(self, process, connection, memory_mb: int, barriers: tuple[str, ...]):
        self.process, self.connection = process, connection
        self.memory_mb, self.barriers = memory_mb, barriers

    @classmethod
    def start(cls, starter, memory_mb: int) -> _Worker:
        """Start a worker and wait for it to report the barriers it holds."""
        process, connection = starter(memory_mb)
        worker = cls(process, connection, memory_mb, ())
        try:
            if not connection.poll(_START_TIMEOUT):
                raise QueryWorkerFailed("a query worker did not start in time")
            tag, detail = connection.recv()
        except (EOFError, OSError):
            worker.stop()
            raise QueryWorkerFailed("a query worker could not start") from None
        except BaseException:
            worker.stop()
            raise
        if tag == "error":
            worker.stop()
            raise QueryWorkerFailed(detail)
        worker.barriers = tuple(detail)
        return worker

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class MemoryWorkers:
    """Starts workers for an in-memory store: forked from this process, so they share the
    loaded store copy-on-write (no re-parse), and then cannot open any new file or socket."""

    def __init__(self, oxstore: ox.Store):
        self._store = oxstore

    def __call__(self, memory_mb: int):
        with ENGINE_LOCK:  # never fork while another thread is inside the engine
            return _start(multiprocessing.get_context("fork"), _serve_memory, self._store,
                          memory_mb)


class DiskWorkers:
    """Starts workers for an on-disk store, from a fork server that has imported the engine
    but never opened RocksDB (forking a process that has it open is unsafe)."""

    def __init__(self, path: str):
        self._path = path

    def __call__(self, memory_mb: int):
        return _start(_disk_context(), _serve_disk, self._path, memory_mb)


def _start(ctx, serve, store, memory_mb: int):
    """Start `serve(store, memory_mb, pipe, force_off)` in a new process; (process, our end)."""
    parent_end, child_end = ctx.Pipe()
    process = ctx.Process(target=serve, args=(store, memory_mb, child_end, sandbox.FORCE_OFF),
                          daemon=True)
    process.start()
    child_end.close()
    return process, parent_end


def _disk_context():
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pyoxigraph", "lineage.sparql.worker"])
    return ctx


def _serve_memory(oxstore, memory_mb: int, connection, force_off: bool) -> None:
    """An in-memory worker's life: drop the sockets inherited from the parent (its listening
    and client sockets, and its ends of other workers' pipes, which would keep a worker alive
    after the parent died), sandbox, no new descriptors, memory cap, then answer."""
    sandbox.close_inherited_sockets(keep=connection.fileno())
    barriers = _enter_sandbox(force_off)
    sandbox.cap_descriptors()
    _cap_address_space(memory_mb)
    connection.send(("ready", barriers))
    _answer_requests(oxstore, connection)


def _serve_disk(path: str, memory_mb: int, connection, force_off: bool) -> None:
    """A disk worker's life: sandbox, open the store read-only, memory cap, then answer.
    (RocksDB opens table files as it reads, so there is no descriptor cap here.)"""
    barriers = _enter_sandbox(force_off)
    try:
        store = _open_read_only(path)
    except (OSError, RuntimeError) as exc:
        with contextlib.suppress(OSError):
            connection.send(("error", f"cannot open the store read-only: {_safe_message(exc)}"))
        os._exit(0)
    _cap_address_space(memory_mb)
    connection.send(("ready", barriers))
    _answer_requests(store, connection)


def _enter_sandbox(force_off: bool) -> tuple[str, ...]:
    """Silence native crash output (a worker stopped at its memory cap must not spill the
    engine's allocator message or the parent's stack onto the user's terminal), then put up
    the network barriers."""
    import faulthandler

    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sandbox.FORCE_OFF = force_off
    return sandbox.confine()


def _answer_requests(store: ox.Store, connection) -> None:
    """Answer (query, kind, limits) requests until the pipe closes."""
    from ..namespaces import PREFIXES

    while True:
        try:
            query, kind, limits = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
            _stream(answer, kind, limits, connection)
        except MemoryError:
            os._exit(134)
        except SyntaxError as exc:
            connection.send(("syntax", _safe_message(exc)))
        except Exception as exc:  # report, never a traceback: it could quote data or paths
            connection.send(("error", _safe_message(exc)))


def _open_read_only(path: str) -> ox.Store:
    """Open the store read-only, retrying briefly: a writer in the parent may be compacting,
    and a read-only open that lists a table file just deleted fails."""
    for attempt in range(6):
        try:
            return ox.Store.read_only(path)
        except (OSError, RuntimeError):
            if attempt == 5:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _collect(receiver, process, kind: str, limits: Limits, started: float,
             decode=_as_is) -> RawResult:
    result = RawResult(kind, [], [])
    deadline = started + limits.timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not receiver.poll(remaining):
            process.kill()
            raise QueryTimeout(f"query stopped after the time limit of {limits.timeout:g} s "
                               "(add LIMIT or narrow the pattern, or give it more time)")
        try:
            message = receiver.recv()
        except EOFError:
            process.join()
            raise _died(process.exitcode, limits) from None
        if _take_in(result, [message] if message[0] != "many" else message[1], decode):
            result.seconds = time.monotonic() - started
            return result


def _take_in(result: RawResult, messages: list[tuple], decode) -> bool:
    """Add a worker's messages to the result; True once the answer is complete."""
    for tag, *detail in messages:
        if tag == "head":
            result.variables = detail[0]
        elif tag == "rows":
            result.rows.extend(decode(detail[0]))
        elif tag == "boolean":
            result.boolean = detail[0]
        elif tag == "done":
            result.truncated = detail[0]
            return True
        elif tag == "error":
            raise _ReportedError(f"query failed: {detail[0]}")
        elif tag == "syntax":
            raise EngineSyntaxError(detail[0])
    return False


def _died(exitcode: int | None, limits: Limits) -> QueryError:
    if exitcode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, 134, 137):
        return QueryLimitExceeded(f"query stopped at the memory limit of {limits.memory_mb} MB "
                                  "(narrow the pattern, add LIMIT, or avoid unbounded paths "
                                  "such as (p|!p)*)")
    return QueryWorkerFailed(f"query worker ended unexpectedly (exit code {exitcode})")


def _child(evaluate, kind: str, limits: Limits, sender) -> None:
    """A remote store's one-off worker: it must reach the endpoint, so it holds no network
    barrier; the guard and the remote server's own configuration stand instead."""
    import faulthandler

    faulthandler.disable()
    try:
        _cap_address_space(limits.memory_mb)
        _stream(evaluate(), kind, limits, sender)
    except MemoryError:
        os._exit(134)
    except SyntaxError as exc:
        sender.send(("syntax", _safe_message(exc)))
    except BaseException as exc:  # report, never a traceback: it could quote data or paths
        try:
            sender.send(("error", _safe_message(exc)))
        except Exception:
            pass
    finally:
        sender.close()
        os._exit(0)


def _cap_address_space(memory_mb: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space_bytes() + memory_mb * 1024 * 1024
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _address_space_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


class _Outbox:
    """Messages to the parent, sent together: a small answer (head, rows, done) crosses the
    pipe as one message, a large one in batches of _BATCH rows as they are produced."""

    def __init__(self, sender):
        self._sender, self._pending = sender, []

    def put(self, message: tuple) -> None:
        self._pending.append(message)

    def flush(self) -> None:
        if self._pending:
            self._sender.send(("many", self._pending))
            self._pending = []


def _stream(answer, kind: str, limits: Limits, sender) -> None:
    out = _Outbox(sender)
    if kind == "ASK":
        out.put(("boolean", bool(answer)))
        out.put(("done", False))
        out.flush()
        return
    terms = TermMemo(encode)
    if kind == "SELECT":
        out.put(("head", [v.value for v in answer.variables]))
        encode_row = lambda s: tuple(map(terms, s))  # noqa: E731  (variable order)
    else:
        out.put(("head", ["subject", "predicate", "object"]))
        encode_row = lambda t: (terms(t.subject), terms(t.predicate), terms(t.object))  # noqa: E731
    batch, sent, truncated = [], 0, False
    for item in answer:
        if sent == limits.max_rows:
            truncated = True
            break
        batch.append(encode_row(item))
        sent += 1
        if len(batch) == _BATCH:
            out.put(("rows", batch))
            out.flush()
            batch = []
    if batch:
        out.put(("rows", batch))
    out.put(("done", truncated))
    out.flush()


def _safe_message(exc: BaseException) -> str:
    """The first line of an engine error, without paths or chained context."""
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    return message[:300]


def _run_inline(evaluate, kind: str, limits: Limits, decode=_as_is) -> RawResult:
    """Platforms without fork: run in-process with the row cap (no hard time or memory limit)."""
    class _Collector:
        def __init__(self):
            self.messages = []

        def send(self, message):
            self.messages.append(message)

        def close(self):
            pass

    started = time.monotonic()
    collector = _Collector()
    try:
        _stream(evaluate(), kind, limits, collector)
    except SyntaxError as exc:
        raise EngineSyntaxError(_safe_message(exc)) from None
    result = RawResult(kind, [], [])
    for _, messages in collector.messages:
        _take_in(result, messages, decode)
    result.seconds = time.monotonic() - started
    return result
