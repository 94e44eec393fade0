"""The canned queries as they are now beside their form at an older revision, on synthetic
graphs: did giving one row per subject (GROUP_CONCAT in a sub-select) cost time?

    python benchmarks/canned_answers.py --against b5fc9af --sizes 10000 100000

Each graph is made by generate.py, imported into an oxigraph:DIR store, and every canned query
whose text differs from the older revision is run both ways through the safe path
(Lineage.query: guard, sandboxed worker, decoding; the current form also through run_canned,
which sorts list cells). Prints medians and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402


def old_text(revision: str, name: str) -> str | None:
    """The query file at `revision`, or None where it did not exist."""
    shown = subprocess.run(["git", "show", f"{revision}:lineage/queries/{name}.rq"],
                           cwd=HERE.parent, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def median_ms(call, reps: int) -> tuple[float, object]:
    call()  # warm-up
    times, value = [], None
    for _ in range(reps):
        start = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)

    from lineage import Lineage

    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            data = Path(work) / f"g{n}.nt"
            generate.generate(n, 1, data)
            store = f"oxigraph:{Path(work) / f'store-{n}'}"
            start = time.perf_counter()
            Lineage.open(store=store, writable=True).import_files([data], validate=False)
            print(f"{n:,} institutions: imported in {time.perf_counter() - start:.1f} s")
            lin = Lineage.open(store=store)
            for name, query in lin.canned_queries().items():
                before = old_text(args.against, name)
                if before is None or before == query.text:
                    continue
                params = {p.name: generate.PROBE_ROOT for p in query.params
                          if p.type == "institution" and p.default}
                bound = lin._bind_params(query, params)
                old_ms, old = median_ms(lambda: lin.query(before, bindings=bound), args.reps)
                new_ms, new = median_ms(lambda: lin.query(query.text, bindings=bound), args.reps)
                tidy_ms, _ = median_ms(lambda: lin.run_canned(name, params), args.reps)
                print(f"  {name:24} before {old_ms:8.1f} ms ({len(old):5} rows)   "
                      f"now {new_ms:8.1f} ms ({len(new):5} rows)   ratio {new_ms / old_ms:5.2f}   "
                      f"run_canned (with sorted cells) {tidy_ms:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
