"""`lineage trace X` end to end on an `oxigraph:DIR` store, against the floor no tool can beat.

    python benchmarks/trace_e2e.py [SIZE ...]      (default 300k; e.g. 10k 100k 300k)

For each size: a synthetic graph (generate.py), imported once with the CLI; then, each run
a new process, the floor `python -c "import pyoxigraph; pyoxigraph.Store.read_only(DIR)"`
and `lineage --store oxigraph:DIR trace X --both`, run alternately so both see the same
machine. Prints medians and the ratio; `-X importtime` shows what the trace run imports.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  benchmarks/generate.py

BIN = Path(sys.executable).parent
LINEAGE = str(BIN / "lineage")


def parse_size(text: str) -> int:
    """10k -> 10000, 1m -> 1000000."""
    text = text.lower().replace(",", "").replace("_", "")
    scale = {"k": 1000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def seconds_of(args: list[str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def heaviest_imports(args: list[str], cwd: str, top: int = 8) -> list[tuple[int, str]]:
    """The top-level packages the trace run imports, by cumulative import time (us)."""
    run = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=cwd,
                         capture_output=True, text=True, check=True)
    found: dict[str, int] = {}
    for line in run.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit() and "." not in parts[2].strip():
            found[parts[2].strip()] = max(found.get(parts[2].strip(), 0), int(parts[1]))
    return sorted(((us, name) for name, us in found.items()), reverse=True)[:top]


def one_size(n: int, work: Path, reps: int) -> dict:
    graph = work / f"graph-{n}.nt"
    generate.generate(n, 1, graph)
    store = work / f"store-{n}"
    subprocess.run([LINEAGE, "--store", f"oxigraph:{store}", "import", "--no-validate",
                    str(graph)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    floor = [sys.executable, "-c", f"import pyoxigraph; pyoxigraph.Store.read_only({str(store)!r})"]
    trace = [LINEAGE, "--store", f"oxigraph:{store}", "trace", generate.PROBE_ROOT, "--both"]
    seconds_of(trace, str(work))  # warm the page cache and the name lookups once
    floors, traces = [], []
    for _ in range(reps):
        floors.append(seconds_of(floor, str(work)))
        traces.append(seconds_of(trace, str(work)))
    module_run = ["-m", "lineage.cli", "--store", f"oxigraph:{store}", "trace",
                  generate.PROBE_ROOT, "--both"]
    return {"size": n, "floor": statistics.median(floors), "trace": statistics.median(traces),
            "imports": heaviest_imports(module_run, str(work))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=parse_size, default=[300_000])
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lineage-trace-e2e-"))
    try:
        for n in args.sizes:
            r = one_size(n, work, args.reps)
            print(f"{n:,} institutions: trace end to end {r['trace'] * 1000:.0f} ms, floor "
                  f"{r['floor'] * 1000:.0f} ms (import pyoxigraph + open the store), "
                  f"ratio {r['trace'] / r['floor']:.2f}x, above the floor "
                  f"{(r['trace'] - r['floor']) * 1000:.0f} ms (median of {args.reps})")
            print("  heaviest imports (cumulative ms): "
                  + ", ".join(f"{name} {us / 1000:.0f}" for us, name in r["imports"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
