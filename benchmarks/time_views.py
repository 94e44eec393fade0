"""Figures for the time features: `lineage diff` over a whole synthetic graph, and a timeline
view of about 5,000 nodes generated, then drawn and interactive in headless Chromium.

    python benchmarks/time_views.py                 # diff at 100k, timeline at 5k
    python benchmarks/time_views.py --diff-size 10k # smaller, quicker

Writes (or replaces) section 7 of benchmarks/RESULTS.md; prints every figure as it goes.
Figures, not asserts: the machine is shared, so each is a median with its run count.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  benchmarks/generate.py
from run import (CHROMIUM_ARGS, Bench, load_average, machine, measure, ms, parse_size,  # noqa: E402
                 page_counts, replace_section, say, size_label)

SECTION = "## 7. Time: `diff` over a whole graph, and a timeline view"


def diff_figures(n: int, work: Path, seed: int) -> dict:
    """Load a synthetic graph of n institutions in memory and time Lineage.diff over all of it."""
    from lineage import Lineage

    file = work / f"synthetic-{size_label(n)}.nt"
    info = generate.generate(n, seed, file)
    started = time.perf_counter()
    lin = Lineage.open(data=[file])
    opened = time.perf_counter() - started
    seconds, runs, result = measure(lambda: lin.diff("2000", "2010"), reps=3)
    row = {"size": n, "triples": info["triples"], "open": opened, "diff": seconds, "runs": runs,
           "appeared": len(result.appeared), "ended": len(result.ended),
           "events": len(result.events), "pending": len(result.pending)}
    focus_seconds, focus_runs, _ = measure(
        lambda: lin.diff("2000", "2010", focus=info["probe_root"], depth=2), reps=5)
    row.update(focus=focus_seconds, focus_runs=focus_runs)
    say(f"  diff 2000 2010 over {size_label(n)} institutions ({info['triples']:,} triples): "
        f"{ms(seconds)} (median of {runs}); {row['appeared']:,} appeared, {row['ended']:,} ended, "
        f"{row['events']:,} events, {row['pending']:,} pending; with --focus --depth 2: "
        f"{ms(focus_seconds)}; graph opened in {ms(opened)}")
    return row


def timeline_figures(n: int, work: Path, seed: int, chromium: str) -> dict:
    """Generate a timeline view of n institutions and load it in Chromium."""
    from lineage import Lineage

    file = work / f"synthetic-{size_label(n)}.nt"
    generate.generate(n, seed, file)
    lin = Lineage.open(data=[file])
    seconds, runs, html = measure(lambda: lin.render(layout="timeline"), reps=3)
    page = work / "timeline.html"
    page.write_text(html, encoding="utf-8")
    drawn, lines = page_counts(html)
    row = {"size": n, "generate": seconds, "runs": runs, "bytes": len(html.encode()),
           "nodes": drawn, "edges": lines}
    from playwright.sync_api import sync_playwright

    bench = Bench.__new__(Bench)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            loads = [bench.load_page(browser, page) for _ in range(4)][1:]
        finally:
            browser.close()
    row["ready"] = sorted(r["ready"] for r in loads)[1]
    row["errors"] = sorted({e for r in loads for e in r["errors"]})
    row["blocked"] = sum(r["blocked"] for r in loads)
    say(f"  timeline of {size_label(n)} institutions: {row['nodes']:,} nodes, {row['edges']:,} "
        f"edges; generated in {ms(seconds)} (median of {runs}), {row['bytes'] / 1e6:.1f} MB; "
        f"ready and drawn in Chromium {ms(row['ready'])} (median of 3 after a warm-up); "
        f"{row['blocked']} requests blocked; errors: {row['errors'] or 'none'}")
    return row


def section(diff_row: dict, view: dict, info: dict, loads: tuple[str, str]) -> str:
    """Section 7 of RESULTS.md."""
    ready_ok = view["ready"] < 1.5
    return "\n".join([
        SECTION, "",
        (f"`benchmarks/time_views.py` on {info['cpu']}, {info['cores']} cores (load average "
         f"{loads[0]} at the start, {loads[1]} at the end). `Lineage.diff(\"2000\", \"2010\")` "
         "over the whole in-memory graph (every institution dated by the existence rule, every "
         "event and membership compared), and a `render(layout=\"timeline\")` of the whole graph "
         "loaded in Chromium as in section 5."), "",
        "| what | measured | target | met |", "|---|---:|---|---|",
        (f"| `diff` over {size_label(diff_row['size'])} institutions "
         f"({diff_row['triples']:,} triples) | {ms(diff_row['diff'])} (median of "
         f"{diff_row['runs']}) | none set; a whole-graph answer like the canned queries | - |"),
        (f"| `diff --focus X --depth 2` at {size_label(diff_row['size'])} | "
         f"{ms(diff_row['focus'])} (median of {diff_row['focus_runs']}) | - | - |"),
        (f"| timeline view of {size_label(view['size'])} institutions ({view['nodes']:,} nodes, "
         f"{view['edges']:,} edges): generation | {ms(view['generate'])} | under 2 s (as other "
         f"views) | {'yes' if view['generate'] < 2 else 'no'} |"),
        (f"| the same, ready and drawn in Chromium | {ms(view['ready'])} | under 1.5 s (as other "
         f"views) | {'yes' if ready_ok else 'no'} |"), "",
        (f"The diff found {diff_row['appeared']:,} institutions appearing, {diff_row['ended']:,} "
         f"ending, {diff_row['events']:,} events and {diff_row['pending']:,} pending ones; the "
         f"graph took {ms(diff_row['open'])} to open in memory (not part of the diff)."), ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--diff-size", type=parse_size, default=100_000)
    parser.add_argument("--timeline-size", type=parse_size, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    info, start_load = machine(), load_average()
    with tempfile.TemporaryDirectory(prefix="lineage-time-") as tmp:
        work = Path(tmp)
        say("diff")
        diff_row = diff_figures(args.diff_size, work, args.seed)
        say("timeline")
        view = timeline_figures(args.timeline_size, work, args.seed, args.chromium)
    replace_section(Path(args.output), SECTION,
                    section(diff_row, view, info, (start_load, load_average())))
    say(f"wrote section 7 of {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
