"""The whole-graph view against its targets: generated in Python, then ready and drawn in Chromium.

    python benchmarks/views.py                       # 5k and 20k institutions
    python benchmarks/views.py --sizes 20000 --reps 5

Section 5 of run.py, alone (run.py runs it after hours of imports and queries): synthetic
graphs (seed 1), `Lineage.open(data=[file]).render()` timed in the process (wall and CPU,
median after a warm-up), the pages loaded in headless Chromium with `Bench.browser` (ready
and drawn, median of three loads after a warm-up). Writes (or replaces) its own section of
benchmarks/RESULTS.md. Figures, not asserts: the targets are issue 18's.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from run import (HERE, Bench, core_speed, load_average, machine, ms, page_counts,
                 replace_section, say, size_label, stolen_text)

SECTION = "## Views: the whole graph, generated and drawn (benchmarks/views.py)"
#: Issue 18's targets, in seconds: (generation, ready and drawn), None where none is set.
TARGETS = {5000: (None, 1.5), 20000: (2.0, 6.0)}


def generation(lin, reps: int) -> tuple[float, float, str]:
    """Median wall and CPU seconds of render() after a warm-up, and the last page."""
    html = lin.render()
    walls, cpus = [], []
    for _ in range(reps):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        html = lin.render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), html


def verdict(measured: float | None, target: float | None) -> str:
    if target is None or measured is None:
        return "-"
    return f"{measured / target:.2f}x of {target:g} s: {'met' if measured < target else 'missed'}"


def section(rows: list[dict], info: dict, loads: tuple[str, str], speeds: tuple[float, float],
            note: str | None) -> str:
    lines = [SECTION, "",
             (f"On {info['cpu']}, {info['cores']} cores, Python {info['python']} (load average "
              f"{loads[0]} at the start, {loads[1]} at the end; core speed {ms(speeds[0])} at "
              f"the start, {ms(speeds[1])} at the end). `Lineage.open(data=[file])"
              ".render()` of the whole synthetic graph (seed 1), in memory, median of the "
              "runs after a warm-up; Chromium as in section 5 (1400x900, fresh context per "
              "load, median of three loads after a warm-up)."), "",
             "| institutions | nodes | edges | HTML | generation (wall) | generation (CPU) "
             "| target | ready and drawn | target | CPU stolen by the host |",
             "|---:|---:|---:|---:|---:|---:|---|---:|---|---:|"]
    for r in rows:
        gen_target, draw_target = TARGETS.get(r["size"], (None, None))
        lines.append(
            f"| {r['size']:,} | {r['nodes']:,} | {r['edges']:,} | {r['bytes'] / 1e6:.1f} MB "
            f"| {ms(r['generate'])} | {ms(r['cpu'])} | {verdict(r['generate'], gen_target)} "
            f"| {ms(r.get('ready'))} | {verdict(r.get('ready'), draw_target)} "
            f"| {stolen_text(r.get('stolen'))} |")
    lines += ["", "CPU stolen by the host: the share of the machine's CPU time, during the "
              "page loads, that a virtual machine's hypervisor gave to other guests (Linux's "
              "/proc/stat); wall times swell with it. Core speed: the CPU time of run.py's "
              "fixed Python workload (`core_speed`), read before and after the run; the "
              "lower, the faster the cores ran. On a shared virtual machine it can change "
              "within a minute, so two readings bracket a run rather than describe it; "
              "`benchmarks/instructions.py` counts a render's work whatever the speed."]
    if note:
        lines += ["", f"Browser: {note}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    from lineage import Lineage

    info, start_load, start_speed = machine(), load_average(), core_speed()
    say(f"  core speed at the start: {ms(start_speed)} (run.py's core_speed; lower is faster)")
    with tempfile.TemporaryDirectory(prefix="lineage-views-") as tmp:
        bench = Bench(SimpleNamespace(quick=False, workdir=tmp, seed=1, chromium=args.chromium))
        pages = []
        for n in args.sizes:
            lin = Lineage.open(data=[bench.graph(n)])
            wall, cpu, html = generation(lin, args.reps)
            page = Path(tmp) / f"view-{size_label(n)}.html"
            page.write_text(html, encoding="utf-8")
            counts = page_counts(html)
            row = {"size": n, "generate": wall, "cpu": cpu, "bytes": len(html.encode()),
                   "nodes": counts[0], "edges": counts[1]}
            say(f"  {size_label(n)}: {row['nodes']:,} nodes, {row['edges']:,} edges; generated "
                f"in {ms(wall)} wall, {ms(cpu)} CPU (median of {args.reps}); "
                f"{row['bytes'] / 1e6:.1f} MB")
            pages.append((row, page))
            del lin, html
            gc.collect()
        bench.browser(pages)
    rows = [row for row, _ in pages]
    end_speed = core_speed()
    say(f"  core speed at the end: {ms(end_speed)}")
    for r in rows:
        gen_target, draw_target = TARGETS.get(r["size"], (None, None))
        say(f"  {size_label(r['size'])}: generation {verdict(r['generate'], gen_target)}; "
            f"drawn {ms(r.get('ready'))}, {verdict(r.get('ready'), draw_target)}")
    output = Path(args.output)
    replace_section(output, SECTION, section(rows, info, (start_load, load_average()),
                                             (start_speed, end_speed), bench.render_note))
    say(f"wrote the views section of {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
