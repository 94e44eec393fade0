"""What the RDFS closure in the derived graph costs an import: figures, not asserts.

Imports one synthetic graph (benchmarks/generate.py) into a fresh `oxigraph:DIR` store with
the library (`Lineage.open(..., writable=True).import_files([file], validate=False)`, as
run.py's part 1 does), once as shipped and once with the closure rules switched off, in
fresh processes, alternating, and prints the medians, the closure's share of the import
and how many triples it adds; a third kind of run closes over every vocabulary (org:,
prov:, dcterms: superclasses too), to show what lineage saves by closing its own terms only.

    python benchmarks/closure.py                    # 100k institutions, 3 runs each
    python benchmarks/closure.py --sizes 10k 100k --runs 5
    python benchmarks/closure.py --runs 5 --no-all  # as shipped against no closure only
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  benchmarks/generate.py


def worker(kind: str, directory: str, file: str) -> None:
    """One import in this (fresh) process; prints seconds and the derived graph's size."""
    import lineage.api  # noqa: F401  (imports are not part of the call)
    from lineage import Lineage
    from lineage.graph import derive
    from lineage.namespaces import DERIVED_GRAPH

    if kind == "all":
        derive.CLOSURE_NAMESPACE = ""
    if kind == "without":
        derive._closure_rules = lambda *args, **kwargs: []
        derive._type_closure = lambda *args, **kwargs: []
        derive._with_superproperties = lambda template, supers: template
    start = time.perf_counter()
    lg = Lineage.open(store=f"oxigraph:{directory}", writable=True)
    lg.import_files([file], validate=False)
    seconds = time.perf_counter() - start
    (n,), = lg.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DERIVED_GRAPH}> "
                            "{ ?s ?p ?o } }").rows
    print(json.dumps({"seconds": seconds, "derived": int(n.toPython()), "triples": len(lg.store)}))
    lg.store.close()


def run_once(kind: str, work: Path, file: Path) -> dict:
    folder = work / f"store-{kind}"
    shutil.rmtree(folder, ignore_errors=True)
    done = subprocess.run([sys.executable, __file__, "--worker", kind, str(folder), str(file)],
                          capture_output=True, text=True, check=True)
    shutil.rmtree(folder, ignore_errors=True)
    return json.loads(done.stdout)


def size(text: str) -> int:
    text = text.lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        worker(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=size, default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-all", action="store_true",
                        help="skip the runs that close over every vocabulary")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lineage-closure-") as tmp:
        work = Path(tmp)
        for n in args.sizes:
            file = work / f"graph-{n}.nt"
            generate.generate(n, args.seed, file)
            runs: dict[str, list[dict]] = {"without": [], "with": []}
            if not args.no_all:
                runs["all"] = []
            for _ in range(args.runs):  # alternating, so load on the machine hits both alike
                for kind in runs:
                    runs[kind].append(run_once(kind, work, file))
            med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
            added = runs["with"][0]["derived"] - runs["without"][0]["derived"]
            each = {k: ", ".join(f"{r['seconds']:.2f}" for r in v) for k, v in runs.items()}
            print(f"{n:,} institutions ({runs['with'][0]['triples']:,} triples in the store with "
                  f"the closure): import without the closure {med['without']:.2f} s, with it "
                  f"{med['with']:.2f} s: {100 * (med['with'] / med['without'] - 1):+.1f}% "
                  f"({added:,} closure triples added to the derived graph; "
                  f"each run: {each['without']} s without, {each['with']} s with)",
                  flush=True)
            if args.no_all:
                continue
            print(f"  with the closure over every vocabulary (org:, prov:, dcterms: too, not what "
                  f"lineage does): {med['all']:.2f} s, {100 * (med['all'] / med['without'] - 1):+.1f}% "
                  f"({runs['all'][0]['derived'] - runs['without'][0]['derived']:,} triples added; "
                  f"each run: {each['all']} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
