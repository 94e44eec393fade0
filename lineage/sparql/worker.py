"""Second safety layer: evaluate a checked query in a forked worker with hard limits.

Neither rdflib nor pyoxigraph can interrupt a running query (findings 2.1, 2.3), so each query
runs in a child process: the parent kills it at the deadline; the child caps its own address
space (a runaway `(p|!p)*` fails there, not in the parent), cannot open new files or sockets
(its descriptor limit is lowered to what is already open), and streams at most max_rows + 1
rows back. For an in-memory store each query forks a child, which shares the loaded store
copy-on-write: milliseconds and no re-parse. An on-disk store keeps a pool of long-lived
read-only workers (WorkerPool), which have no descriptor cap (RocksDB opens table files as it
reads) but leave the network namespace where the kernel allows.
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

from ..store import ENGINE_LOCK, TermMemo
from .guard import QueryError


_BATCH = 500


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds of wall-clock time
    max_rows: int = 10_000  # rows (or triples) returned; more are cut and marked truncated
    memory_mb: int = 2048  # extra address space the worker may use


class QueryTimeout(QueryError):
    pass


class QueryLimitExceeded(QueryError):
    pass


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


def run_in_worker(evaluate, kind: str, limits: Limits, decode=_as_is) -> RawResult:
    """Run `evaluate()` (which returns the engine's result object) in a bounded worker: a
    long-lived one for on-disk stores (see WorkerPool), a fresh fork for everything else.
    `decode` turns each batch of encoded rows into the caller's terms as it arrives, while
    the worker is still producing the next."""
    pool = getattr(evaluate, "pool", None)
    if pool is not None:
        return pool.run(evaluate, kind, limits, decode)
    if "fork" not in multiprocessing.get_all_start_methods():
        return _run_inline(evaluate, kind, limits, decode)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    started = time.monotonic()
    with ENGINE_LOCK:
        no_new_files = not getattr(evaluate, "needs_files", False)
        process = ctx.Process(target=_child, args=(evaluate, kind, limits, sender, no_new_files),
                              daemon=True)
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
    """Long-lived read-only query workers for one on-disk store.

    Each worker opens the store read-only once and then answers queries one at a time, so a
    query pays a pipe round trip instead of a process start and a RocksDB open (70-290 ms).
    A worker that overruns the time limit or its memory cap is killed and the next query
    starts a fresh one. Workers read a snapshot, so the store drops them whenever it writes.
    """

    keep_idle = 4

    def __init__(self, path: str):
        self.path = path
        self._idle: list[_DiskWorker] = []
        self._lock = threading.Lock()
        self._generation = 0

    def invalidate(self) -> None:
        """Stop the idle workers: the store changed, or is closing."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def run(self, query, kind: str, limits: Limits, decode=_as_is) -> RawResult:
        worker, generation = self._take(limits.memory_mb)
        started = time.monotonic()
        try:
            worker.connection.send((query.query, query.bindings, kind, limits))
            result = _collect(worker.connection, worker.process, kind, limits, started, decode)
        except (EngineSyntaxError, _ReportedError):
            self._give_back(worker, generation)
            raise
        except BaseException:
            worker.stop()
            raise
        self._give_back(worker, generation)
        return result

    def _take(self, memory_mb: int) -> tuple[_DiskWorker, int]:
        with self._lock:
            generation = self._generation
            for index, worker in enumerate(self._idle):
                if worker.memory_mb == memory_mb and worker.process.is_alive():
                    return self._idle.pop(index), generation
        return _DiskWorker.start(self.path, memory_mb), generation

    def _give_back(self, worker: _DiskWorker, generation: int) -> None:
        with self._lock:
            if generation == self._generation and len(self._idle) < self.keep_idle:
                self._idle.append(worker)
                return
        worker.stop()


class _DiskWorker:
    def __init__(self, process, connection, memory_mb: int):
        self.process, self.connection, self.memory_mb = process, connection, memory_mb

    @classmethod
    def start(cls, path: str, memory_mb: int) -> _DiskWorker:
        ctx = _disk_context()
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(path, memory_mb, child_end), daemon=True)
        process.start()
        child_end.close()
        return cls(process, parent_end, memory_mb)

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _disk_context():
    """Disk workers start from a fork server that has imported the engine but never opened
    RocksDB (forking a process that has it open is unsafe); plain spawn where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pyoxigraph", "lineage.sparql.worker"])
    return ctx


def _serve(path: str, memory_mb: int, connection) -> None:
    """A disk worker's life: leave the network, open the store read-only, cap memory, then
    answer (query, bindings, kind, limits) requests until the pipe closes."""
    import faulthandler

    from ..namespaces import PREFIXES

    faulthandler.disable()
    _leave_network()
    try:
        store = _open_read_only(path)
    except (OSError, RuntimeError) as exc:  # answer the waiting request, then stop
        with contextlib.suppress(EOFError, OSError):
            connection.recv()
            connection.send(("error", f"cannot open the store read-only: {_safe_message(exc)}"))
        os._exit(0)
    _cap_address_space(memory_mb)
    while True:
        try:
            query, bindings, kind, limits = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            substitutions = {ox.Variable(k): v for k, v in bindings.items()} or None
            answer = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True,
                                 substitutions=substitutions)
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


def _leave_network() -> None:
    """Move this (single-threaded, fresh) worker into an empty network namespace where the
    kernel allows it: then even a SERVICE the guard missed finds no network. Best effort."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        clone_newnet, clone_newuser = 0x40000000, 0x10000000
        if libc.unshare(clone_newnet) != 0:
            libc.unshare(clone_newuser | clone_newnet)
    except (OSError, AttributeError):
        pass


def _collect(receiver, process, kind: str, limits: Limits, started: float,
             decode=_as_is) -> RawResult:
    result = RawResult(kind, [], [])
    deadline = started + limits.timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not receiver.poll(remaining):
            process.kill()
            raise QueryTimeout(f"query stopped after the time limit of {limits.timeout:g} s "
                               "(raise it with --timeout, or add LIMIT / narrow the pattern)")
        try:
            message = receiver.recv()
        except EOFError:
            process.join()
            raise _died(process.exitcode, limits) from None
        tag = message[0]
        if tag == "head":
            result.variables = message[1]
        elif tag == "rows":
            result.rows.extend(decode(message[1]))
        elif tag == "boolean":
            result.boolean = message[1]
        elif tag == "done":
            result.truncated = message[1]
            result.seconds = time.monotonic() - started
            return result
        elif tag == "error":
            raise _ReportedError(f"query failed: {message[1]}")
        elif tag == "syntax":
            raise EngineSyntaxError(message[1])


def _died(exitcode: int | None, limits: Limits) -> QueryError:
    if exitcode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, 134, 137):
        return QueryLimitExceeded(f"query stopped at the memory limit of {limits.memory_mb} MB "
                                  "(narrow the pattern, add LIMIT, or avoid unbounded paths "
                                  "such as (p|!p)*)")
    return QueryError(f"query worker ended unexpectedly (exit code {exitcode})")


def _child(evaluate, kind: str, limits: Limits, sender, no_new_files: bool = True) -> None:
    import faulthandler

    faulthandler.disable()  # a worker stopped by its memory cap must not dump the parent's stack
    try:
        _confine(limits, no_new_files)
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


def _confine(limits: Limits, no_new_files: bool) -> None:
    """Cap the worker's address space, and (in-memory stores) stop it opening any new file or
    socket; an on-disk store needs to open its own files, so there the guard is the barrier."""
    _cap_address_space(limits.memory_mb)
    if not no_new_files:
        return
    highest = max((int(fd) for fd in os.listdir("/proc/self/fd")), default=2) \
        if os.path.isdir("/proc/self/fd") else 64
    _, nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 1, nofile_hard))


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


def _stream(answer, kind: str, limits: Limits, sender) -> None:
    if kind == "ASK":
        sender.send(("boolean", bool(answer)))
        sender.send(("done", False))
        return
    if kind == "SELECT":
        variables = [v.value for v in answer.variables]
        sender.send(("head", variables))
        terms = TermMemo(encode)
        encode_row = lambda s: tuple(map(terms, s))  # noqa: E731  (variable order)
    else:
        sender.send(("head", ["subject", "predicate", "object"]))
        terms = TermMemo(encode)
        encode_row = lambda t: (terms(t.subject), terms(t.predicate), terms(t.object))  # noqa: E731
    batch, sent = [], 0
    for item in answer:
        if sent == limits.max_rows:
            if batch:
                sender.send(("rows", batch))
            sender.send(("done", True))
            return
        batch.append(encode_row(item))
        sent += 1
        if len(batch) == _BATCH:
            sender.send(("rows", batch))
            batch = []
    if batch:
        sender.send(("rows", batch))
    sender.send(("done", False))


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
    for tag, *rest in collector.messages:
        if tag == "head":
            result.variables = rest[0]
        elif tag == "rows":
            result.rows.extend(decode(rest[0]))
        elif tag == "boolean":
            result.boolean = rest[0]
        elif tag == "done":
            result.truncated = rest[0]
    result.seconds = time.monotonic() - started
    return result
