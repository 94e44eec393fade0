"""What the query page's labels and links cost: `/run` (rows with institutions labelled and
linked) beside `/sparql` (plain SPARQL JSON) for the same query, and the label look-up alone
beside building the index of every name. In-process requests (no socket), the median of
several runs. Prints figures and ratios; asserts nothing. Usage:

    python benchmarks/query_page.py                      # 10,000 institutions
    python benchmarks/query_page.py --institutions 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
HEADERS = {"Host": "127.0.0.1", "Content-Type": "application/x-www-form-urlencoded"}


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def post(app, path: str, fields: dict) -> None:
    response = app.handle("POST", path, HEADERS, urllib.parse.urlencode(fields).encode())
    assert response.status == 200, response.body[:200]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from generate import generate
    from lineage import Lineage
    from lineage.graph.search import NameIndex
    from lineage.server import App, ServerConfig

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "synthetic.nt"
        generate(args.institutions, 1, data)
        lineage = Lineage.open(data=[data])
    app = App(lineage, ServerConfig(timeout=120, max_rows=100_000))
    print(f"{args.institutions:,} institutions (memory store), median of {args.repeat} runs")
    print(f"{'rows':>7} {'/sparql json':>13} {'/run page':>10} {'ratio':>6} {'labels alone':>13}")
    for rows in (100, 1_000, 10_000):
        query = ("SELECT ?centre ?event ?result WHERE { ?event org:originalOrganization ?centre ; "
                 f"org:resultingOrganization ?result }} ORDER BY ?event LIMIT {rows}")
        plain = median_ms(lambda: post(app, "/sparql", {"query": query, "format": "json"}),
                          args.repeat)
        page = median_ms(lambda: post(app, "/run", {"query": query}), args.repeat)
        result = lineage.query(query, max_rows=100_000)
        iris = {str(t) for row in result.rows for t in row if t is not None}
        labels = median_ms(lambda: lineage.institution_refs(iris), args.repeat)
        print(f"{len(result):>7,} {plain:>11.1f}ms {page:>8.1f}ms {page / plain:>5.2f}x "
              f"{labels:>11.1f}ms ({len(iris):,} IRIs)")
    index = median_ms(lambda: NameIndex.build(lineage.store), 1)
    print(f"for comparison, an index of every institution's names: {index:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
