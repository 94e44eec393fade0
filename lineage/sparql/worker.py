"""Second safety layer: evaluate a checked query in a forked worker with hard limits.

Neither rdflib nor pyoxigraph can interrupt a running query (findings 2.1, 2.3), so each query
runs in a child process: the parent kills it at the deadline; the child caps its own address
space (a runaway `(p|!p)*` fails there, not in the parent), cannot open new files or sockets
(its descriptor limit is lowered to what is already open), and streams at most max_rows + 1
rows back. Fork shares the loaded in-memory store copy-on-write, so starting a worker costs
milliseconds and no re-parse.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from dataclasses import dataclass

from ..store import ENGINE_LOCK
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


@dataclass
class RawResult:
    kind: str
    variables: list[str]
    rows: list[tuple]  # encoded terms, see encode()
    boolean: bool | None = None
    truncated: bool = False
    seconds: float = 0.0


def encode(term) -> tuple | None:
    """A pyoxigraph term as a small picklable tuple: ('u', iri) | ('b', id) | ('l', text, lang,
    datatype)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("u", term.value)
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.language, None if term.language else term.datatype.value)
    if isinstance(term, ox.Triple):
        return ("t", encode(term.subject), encode(term.predicate), encode(term.object))
    return ("l", str(term), None, None)


def run_in_worker(evaluate, kind: str, limits: Limits) -> RawResult:
    """Run `evaluate()` (which returns the engine's result object) in a forked worker."""
    spawn = getattr(evaluate, "needs_spawn", False)
    if not spawn and "fork" not in multiprocessing.get_all_start_methods():
        return _run_inline(evaluate, kind, limits)
    ctx = _disk_context() if spawn else multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    started = time.monotonic()
    with ENGINE_LOCK:
        no_new_files = not spawn and not getattr(evaluate, "needs_files", False)
        process = ctx.Process(target=_child, args=(evaluate, kind, limits, sender, no_new_files),
                              daemon=True)
        process.start()
    sender.close()
    try:
        return _collect(receiver, process, kind, limits, started)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()


def _disk_context():
    """Workers for on-disk stores fork from a fork server that has imported the engine but
    never opened RocksDB (forking a process that has it open is unsafe), so each query pays
    a fork and a read-only open, not a Python start-up; plain spawn where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pyoxigraph", "lineage.store", "lineage.sparql.worker"])
    return ctx


def _collect(receiver, process, kind: str, limits: Limits, started: float) -> RawResult:
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
            result.rows.extend(message[1])
        elif tag == "boolean":
            result.boolean = message[1]
        elif tag == "done":
            result.truncated = message[1]
            result.seconds = time.monotonic() - started
            return result
        elif tag == "error":
            raise QueryError(f"query failed: {message[1]}")


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
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    current = _address_space_bytes()
    cap = current + limits.memory_mb * 1024 * 1024
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    if not no_new_files:
        return
    highest = max((int(fd) for fd in os.listdir("/proc/self/fd")), default=2) \
        if os.path.isdir("/proc/self/fd") else 64
    _, nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 1, nofile_hard))


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
        encode_row = lambda s: tuple(encode(s[v]) for v in variables)  # noqa: E731
    else:
        sender.send(("head", ["subject", "predicate", "object"]))
        encode_row = lambda t: (encode(t.subject), encode(t.predicate), encode(t.object))  # noqa: E731
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


def _run_inline(evaluate, kind: str, limits: Limits) -> RawResult:
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
    _stream(evaluate(), kind, limits, collector)
    result = RawResult(kind, [], [])
    for tag, *rest in collector.messages:
        if tag == "head":
            result.variables = rest[0]
        elif tag == "rows":
            result.rows.extend(rest[0])
        elif tag == "boolean":
            result.boolean = rest[0]
        elif tag == "done":
            result.truncated = rest[0]
    result.seconds = time.monotonic() - started
    return result
