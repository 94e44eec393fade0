"""Instructions, not seconds: what one whole-graph render() costs, counted by valgrind.

    python benchmarks/instructions.py                          # 20k institutions, this checkout
    python benchmarks/instructions.py --sizes 5000 20000
    python benchmarks/instructions.py --root /tmp/old-checkout # another commit, same graph

A shared virtual machine's cores do not run at one speed (see `core_speed` in run.py): the
same render has taken 1.7 s and, a few minutes later, 3.5 s. valgrind's callgrind counts the
instructions a process executes, the same whatever else the machine does, so two commits can
be compared on a busy machine and a change's cost read apart from the hour it was measured in.
Each size runs two processes under callgrind: open the graph and render once (the warm-up),
and the same with one render more; the difference is one warm render(), as views.py times
it. Slow: valgrind runs Python some fifty times slower (about five minutes for 20k; the two
processes of a size run side by side). Prints figures; writes only to a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run import REPO, Bench, say, size_label

#: Opens the graph with the lineage package under ROOT and renders it 1 + EXTRA times.
DRIVER = """
import sys
root, data, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
import lineage
if not lineage.__file__.startswith(root):
    raise SystemExit(f"lineage imported from {lineage.__file__}, not from {root}")
lin = lineage.Lineage.open(data=[data])
for _ in range(1 + extra):
    lin.render()
"""
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def instructions(root: Path, graph: Path, extra: int, work: Path) -> int:
    """Instructions executed by one driver process under callgrind (its profile goes to work)."""
    out = work / f"callgrind-{graph.stem}-{extra}.out"
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c",
         DRIVER, str(root), str(graph), str(extra)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"})  # set order, hence work, fixed too
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({done.returncode}): {done.stderr[-2000:]}")
    return int(found.group(1))


def render_instructions(root: Path, graph: Path, work: Path) -> int:
    """One warm render(): (open + 2 renders) - (open + 1 render), both processes at once."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        base, more = pool.map(lambda extra: instructions(root, graph, extra, work), (0, 1))
    return more - base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000])
    parser.add_argument("--root", type=Path, default=REPO,
                        help="the checkout whose lineage/ is measured (default: this one)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    root = args.root.resolve()
    with tempfile.TemporaryDirectory(prefix="lineage-instructions-") as tmp:
        bench = Bench(argparse.Namespace(quick=False, workdir=tmp, seed=1, chromium=""))
        for n in args.sizes:
            count = render_instructions(root, bench.graph(n), Path(tmp))
            say(f"  {size_label(n)}: one warm render() of the whole graph, {count / 1e9:.3f} "
                f"billion instructions (lineage from {root})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
