"""The query-safety figures of a few canned queries, measured closely: the safe path
(`Lineage.run_canned`), the same path without building rdflib terms (guard, worker, pipe:
what the safety targets are judged on) and raw pyoxigraph on the same disk store, alternating,
7 runs each after a warm-up, at 10k institutions (benchmarks/generate.py, seed 1).

    python benchmarks/query_safety.py conversions mergers ntic-list

run.py's section 4 measures every canned query at every size, but a query of one or two
seconds is run only a few times there; on a shared machine its single runs spread by more
than the layers cost, so this script takes more runs of the ones that matter.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  benchmarks/generate.py
from run import raw_rows, without_terms  # noqa: E402  benchmarks/run.py, section 4's calls

RUNS = 7


def main(names: list[str]) -> int:
    import pyoxigraph as ox

    from lineage import Lineage
    from lineage.sparql.guard import substitute

    with tempfile.TemporaryDirectory(prefix="lineage-safety-") as tmp:
        work = Path(tmp)
        generate.generate(10_000, 1, work / "graph.nt")
        writer = Lineage.open(store=f"oxigraph:{work / 'db'}", writable=True)
        writer.import_files([work / "graph.nt"], validate=False)
        writer.store.close()
        lin = Lineage.open(store=f"oxigraph:{work / 'db'}")
        raw = ox.Store.read_only(str(work / "db"))
        lin.query("ASK { }")  # the name index and the query workers, as in a warm session
        canned = lin.canned_queries()
        for name in names:
            query = canned[name]
            params = {p.name: generate.PROBE_ROOT for p in query.params
                      if p.type == "institution" and p.default}
            text = substitute(query.text, lin._bind_params(query, params))

            def layers(text=text):
                return without_terms(lin, text)

            def raw_query(text=text):
                return raw_rows(raw, text)

            def safe(name=name, params=params):
                return lin.run_canned(name, params)

            kinds = (("safe", safe), ("layers", layers), ("raw", raw_query))
            times: dict[str, list[float]] = {k: [] for k, _ in kinds}
            for _, run in kinds:  # warm-up
                run()
            for _ in range(RUNS):
                for key, run in kinds:
                    started = time.perf_counter()
                    run()
                    times[key].append(time.perf_counter() - started)
            m = {k: statistics.median(v) for k, v in times.items()}
            print(f"{name}: raw {m['raw'] * 1000:.0f} ms, without terms {m['layers'] * 1000:.0f} ms "
                  f"({m['layers'] / m['raw']:.2f}x, {1000 * (m['layers'] - m['raw']):+.0f} ms), "
                  f"safe path {m['safe'] * 1000:.0f} ms ({m['safe'] / m['raw']:.2f}x); runs without "
                  f"terms {[round(x * 1000) for x in times['layers']]}, raw "
                  f"{[round(x * 1000) for x in times['raw']]}", flush=True)
    return 0


if __name__ == "__main__":  # the query workers are started by spawning this module again
    sys.exit(main(sys.argv[1:]))
