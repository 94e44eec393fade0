"""Reconcile a 5,000-row list against the 100k-institution synthetic graph; print the figures.

    python benchmarks/reconcile.py                       # 100k institutions, 5,000 rows
    python benchmarks/reconcile.py --institutions 10000 --rows 1000

The list is drawn (seeded) from the graph's own names and changed the way real lists differ:
exact Chinese names, traditional-script forms (OpenCC s2t), English names in capitals, names
with a supporting unit, and names the graph does not hold. The graph is loaded first (timed
apart); the reconcile figure covers reading the list, indexing the graph, matching, and
writing the review CSV and HTML, i.e. what `lineage reconcile` does after loading.
"""

from __future__ import annotations

import argparse
import os
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_SECONDS = 10.0


def make_list(lg, rows: int, seed: int, path: Path) -> dict[str, int]:
    """A list of `rows` rows drawn from the graph's names; returns how many of each kind."""
    import opencc

    to_traditional = opencc.OpenCC("s2t")
    names = lg.store.select_plain("""SELECT ?i ?zh ?en WHERE { ?i rdfs:label ?zh , ?en
        FILTER(STRSTARTS(STR(?i), STR(inst:)) && LANG(?zh) = "zh" && LANG(?en) = "en") }""").rows
    units = {str(m): str(u) for m, u in lg.store.select_plain("""SELECT ?m ?ul WHERE {
        ?r org:member ?m ; org:organization ?u ; org:role lin:SupportingUnit . ?u rdfs:label ?ul
        FILTER(LANG(?ul) = "zh") }""")}
    rng = random.Random(seed)
    picked = rng.sample(names, rows)
    kinds = {"exact": 0, "traditional": 0, "english-capitals": 0, "with-unit": 0, "absent": 0}
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["序号", "名称", "英文名称", "依托单位"])
        for n, (iri, zh, en) in enumerate(picked, start=1):
            r = rng.random()
            zh, en, unit = str(zh), "", ""
            if r < 0.35:
                kind = "exact"
            elif r < 0.55:
                kind, zh = "traditional", to_traditional.convert(zh)
            elif r < 0.70:
                kind, zh, en = "english-capitals", "", str(picked[n - 1][2]).upper()
            elif r < 0.85 and str(iri) in units:
                kind, unit = "with-unit", units[str(iri)]
            else:
                kind, zh = "absent", zh.replace("（第", "（新第")
            kinds[kind] += 1
            writer.writerow([n, zh, en, unit])
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    import generate
    from lineage.api import Lineage
    from lineage.curation.lists import ListSource
    from lineage.curation.reconcile import GraphIndex

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        graph = folder / "graph.nt"
        generate.generate(args.institutions, args.seed, graph)
        start = time.perf_counter()
        lg = Lineage.open(data=[graph], bundled=False)
        load = time.perf_counter() - start
        kinds = make_list(lg, args.rows, args.seed, folder / "list.csv")
        start = time.perf_counter()
        index = GraphIndex.build(lg.store)
        indexing = time.perf_counter() - start
        del index
        start, cpu = time.perf_counter(), time.process_time()
        review = lg.reconcile(folder / "list.csv", ListSource("https://example.org/list", "benchmark list"))
        (folder / "review.csv").write_bytes(review.to_csv())
        (folder / "review.html").write_bytes(review.to_html())
        total, cpu = time.perf_counter() - start, time.process_time() - cpu
    counts = review.counts()
    print(f"graph: {args.institutions:,} institutions, {len(lg.store):,} triples; loaded in {load:.1f} s")
    print(f"list: {args.rows:,} rows ({', '.join(f'{n} {k}' for k, n in kinds.items())})")
    print(f"review: {', '.join(f'{n} {k}' for k, n in counts.items())}")
    print(f"index of the graph's names alone: {indexing:.2f} s")
    print(f"reconcile (read list, index, match, write CSV and HTML): {total:.2f} s "
          f"({total / TARGET_SECONDS:.2f}x the {TARGET_SECONDS:.0f} s target); "
          f"{1000 * total / args.rows:.2f} ms per row")
    print(f"  of which CPU time of this process: {cpu:.2f} s (the wall figure includes waiting for "
          f"a CPU; load average when done: {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
