"""The barrier below the parser: a query worker that cannot open a network socket.

The guard reads SPARQL before the engine does, and any difference between the two readings
is a way past it. So the process that evaluates a user's query is also confined in ways
that do not depend on reading SPARQL at all (see docs/query-safety.md):

- a **network namespace** of its own (no interface but a loopback that is down), where the
  kernel lets the process create one;
- a **seccomp** filter that makes `socket()` and `io_uring_setup()` fail, so not even a
  Unix socket can be opened, installed with a small BPF program (no library needed);
- for in-memory stores, a descriptor limit at the lowest free descriptor number, so no new
  file or socket can be opened at all.

Each worker reports which barriers it holds; `probe()` tells `info` and `serve` in advance.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import resource

NAMESPACE = "network namespace"
SECCOMP = "seccomp"
GUARD_ONLY = "guard only"

#: Test switch: when True, workers apply no barrier at all (no namespace, no seccomp, no
#: descriptor cap), so tests can show that the guard alone refuses every form, and that
#: without the barriers a query the guard missed would reach the network.
FORCE_OFF = False

_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC = 1, 1

# (audit arch, seccomp syscall, socket, io_uring_setup) per machine; x86_64's x32 ABI
# numbers (bit 30 set) are refused wholesale.
_ARCHES = {
    "x86_64": (0xC000003E, 317, 41, 425),
    "aarch64": (0xC00000B7, 277, 198, 425),
}
_X32_BIT = 0x40000000

_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_OFFSET_NR, _OFFSET_ARCH = 0, 4


def confine(allow_sockets: bool = False) -> tuple[str, ...]:
    """Put the calling (single-threaded, freshly started) worker behind every network barrier
    the kernel allows; return their names. Never raises: a barrier that cannot be applied is
    simply not reported."""
    if FORCE_OFF or allow_sockets:
        return ()
    held = []
    if _leave_network():
        held.append(NAMESPACE)
    if _deny_sockets():
        held.append(SECCOMP)
    return tuple(held)


def describe(barriers: tuple[str, ...]) -> str:
    """'network namespace + seccomp', or 'guard only' when no barrier holds."""
    return " + ".join(barriers) if barriers else GUARD_ONLY


@functools.lru_cache(maxsize=1)
def probe() -> tuple[str, ...]:
    """The barriers a query worker of this process would hold: a throw-away child applies
    them and then checks that it really cannot open a socket."""
    if FORCE_OFF or not hasattr(os, "fork"):
        return ()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        held = confine()
        if held and _can_open_socket():
            held = ()
        os.write(writer, ",".join(held).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return tuple(name for name in answer.split(",") if name)


def _can_open_socket() -> bool:
    import socket

    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        return False
    return True


def cap_descriptors() -> None:
    """Let this process open no new descriptor: the limit is the lowest free descriptor number
    (the kernel always hands out the lowest free one), so the descriptors already open keep
    working, including inherited ones numbered above the hard limit."""
    if FORCE_OFF:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest = _lowest_free_descriptor()
    if hard != resource.RLIM_INFINITY:
        lowest = min(lowest, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest, hard))


def close_inherited_sockets(keep: int) -> None:
    """Close every socket this forked process inherited except `keep` (pipes, such as the
    process sentinel, and standard streams stay)."""
    import stat

    folder = "/proc/self/fd"
    if not os.path.isdir(folder):
        return
    for name in os.listdir(folder):
        fd = int(name)
        if fd <= 2 or fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:  # the listing's own descriptor, already closed
            pass


def _lowest_free_descriptor() -> int:
    fd = 0
    while True:
        try:
            os.fstat(fd)
        except OSError:
            return fd
        fd += 1


def _leave_network() -> bool:
    """Move into a new, empty network namespace (as root directly, else inside a new user
    namespace); True if it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True
        return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def socket_filter(audit_arch: int, socket_nr: int, io_uring_nr: int) -> list[tuple[int, int, int, int]]:
    """The BPF program: on another architecture or the x32 ABI, and for socket() and
    io_uring_setup(), fail with EACCES; allow everything else."""
    deny = _RET_ERRNO | errno.EACCES
    return [
        (_LD_W_ABS, 0, 0, _OFFSET_ARCH),
        (_JEQ_K, 1, 0, audit_arch),      # native architecture: go on
        (_RET_K, 0, 0, deny),
        (_LD_W_ABS, 0, 0, _OFFSET_NR),
        (_JGE_K, 3, 0, _X32_BIT),        # x32 numbers -> deny
        (_JEQ_K, 2, 0, socket_nr),       # socket() -> deny
        (_JEQ_K, 1, 0, io_uring_nr),     # io_uring_setup() -> deny (it can create sockets)
        (_RET_K, 0, 0, _RET_ALLOW),
        (_RET_K, 0, 0, deny),
    ]


def _deny_sockets() -> bool:
    """Install the socket filter on every thread of this process; True if it is in force."""
    numbers = _ARCHES.get(platform.machine().lower())
    if numbers is None or not hasattr(ctypes, "CDLL"):
        return False
    audit_arch, seccomp_nr, socket_nr, io_uring_nr = numbers
    program = socket_filter(audit_arch, socket_nr, io_uring_nr)
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), filters)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        done = libc.syscall(seccomp_nr, _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC,
                            ctypes.byref(fprog))
        if done != 0:
            done = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
        return done == 0
    except (OSError, AttributeError):
        return False


__all__ = ["GUARD_ONLY", "NAMESPACE", "SECCOMP", "cap_descriptors", "close_inherited_sockets",
           "confine", "describe", "probe", "socket_filter"]
