"""trace and the canned queries over `--store sparql:` (the Oxigraph server) beside the same
calls on `--store oxigraph:DIR`, on the same synthetic graph. Prints figures and ratios;
asserts nothing. Usage:

    python benchmarks/remote.py               # 10k and 100k institutions
    python benchmarks/remote.py --sizes 10k   # one size
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent

import generate  # noqa: E402
from serve import free_port, wait_until_up  # noqa: E402


def timed(call, reps: int = 5) -> float:
    call()  # warm up (name index, caches, server buffers)
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def calls(lineage) -> dict:
    """What is timed: trace of the probe family, and every canned query (parameters: the
    probe institution)."""
    probe = generate.PROBE_ROOT
    found = {"trace --both": lambda: lineage.trace(probe, direction="both")}
    for name, query in sorted(lineage.canned_queries().items()):
        params = {p.name: probe for p in query.params if p.type == "institution"}
        found[name] = lambda name=name, params=params: lineage.run_canned(name, params,
                                                                          timeout=300)
    return found


def run_size(size: str, work: Path) -> list[tuple[str, float, float]]:
    from lineage import Lineage

    count = int(size.rstrip("k")) * 1000 if size.endswith("k") else int(size)
    data = work / f"synthetic-{size}.nt"
    generate.generate(count, 1, data)
    store = work / f"store-{size}"
    subprocess.run([str(BIN / "lineage"), "--store", f"oxigraph:{store}", "import",
                    "--no-validate", str(data)], check=True, capture_output=True)
    dump = work / f"dump-{size}.nq"
    subprocess.run([str(BIN / "lineage"), "--store", f"oxigraph:{store}", "export", "--format",
                    "nq", "-o", str(dump)], check=True, capture_output=True)
    served = work / f"served-{size}"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(served), "--file",
                    str(dump)], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location",
                               str(served), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_until_up(port, server)
        local = Lineage.open(store=f"oxigraph:{store}")
        remote = Lineage.open(store=f"sparql:http://127.0.0.1:{port}/query")
        local_calls, remote_calls = calls(local), calls(remote)
        for name in local_calls:
            rows.append((name, timed(local_calls[name]), timed(remote_calls[name])))
        local.store.close()
    finally:
        server.terminate()
        server.wait()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k"])
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()}")
    work = Path(tempfile.mkdtemp(prefix="lineage-remote-bench-"))
    try:
        for size in args.sizes:
            print(f"\n== {size} institutions: median of 5, after one warm-up call ==")
            print(f"{'call':28} {'oxigraph:DIR':>14} {'sparql: (Oxigraph server)':>27} {'ratio':>8}")
            for name, local, remote in run_size(size, work):
                print(f"{name:28} {local * 1000:>11.1f} ms {remote * 1000:>24.1f} ms "
                      f"{remote / local:>7.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
