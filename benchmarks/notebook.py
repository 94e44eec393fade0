"""Figures for the notebook API on a synthetic graph: what turning a 10,000-row query result
into plain Python values, labels, a DataFrame or an HTML table costs next to running the
query; and, on the bundled graph, what validating extra files in a scratch copy costs next to
validating the store.

    python benchmarks/notebook.py              # 10k institutions
    python benchmarks/notebook.py --size 1k    # quicker

Prints each figure (the median of a few runs) and its ratio to the query itself.
Figures, not asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  benchmarks/generate.py
from run import parse_size  # noqa: E402

ROWS = """SELECT ?x ?label ?type ?date WHERE {
  ?x a ?type ; rdfs:label ?label . FILTER(LANG(?label) = "en")
  OPTIONAL { ?x lin:established ?date }
} LIMIT 10000"""

EXTRA = """@prefix lin: <https://w3id.org/lineage/ontology#> .
@prefix inst: <https://w3id.org/lineage/id/inst/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
inst:benchmark-extra a lin:University ; rdfs:label "Benchmark Extra"@en .
"""


def median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="institutions (1k, 10k, 100k...)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from lineage import Lineage

    n = parse_size(args.size)
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "graph.nt"
        generate.generate(n, 1, data)
        extra = Path(work) / "extra.ttl"
        extra.write_text(EXTRA, encoding="utf-8")
        with Lineage.open(data=[data]) as lg:
            result = lg.query(ROWS, max_rows=10_000)
            print(f"{n:,} institutions; query result: {len(result):,} rows, "
                  f"{len(lg.store):,} triples in the store")
            query = median_seconds(lambda: lg.query(ROWS, max_rows=10_000), args.runs)
            print(f"  query (rows as rdflib terms)   {query * 1000:8.1f} ms")
            for name, action in (("to_dicts(labels=False)", lambda: result.to_dicts(labels=False)),
                                 ("to_dicts() with labels", result.to_dicts),
                                 ("to_pandas() with labels", result.to_pandas),
                                 ("_repr_html_() (200 rows)", result._repr_html_)):
                seconds = median_seconds(action, args.runs)
                print(f"  {name:<30} {seconds * 1000:8.1f} ms  ({seconds / query:.2f}x the query)")
        with Lineage.open() as bundled:  # pySHACL over a large synthetic graph takes minutes
            alone = median_seconds(bundled.validate, 1)
            with_file = median_seconds(lambda: bundled.validate([extra]), 1)
            print(f"bundled graph ({len(bundled.store):,} triples):")
            print(f"  validate()                     {alone * 1000:8.1f} ms")
            print(f"  validate([file]) scratch copy  {with_file * 1000:8.1f} ms  "
                  f"({with_file / alone:.2f}x validate())")
    return 0


if __name__ == "__main__":
    sys.exit(main())
