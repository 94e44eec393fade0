"""Figures for `lineage figure`: one lineage family of 200 institutions (and other sizes)
drawn as SVG, PNG and PDF, in the library (graph loaded, matplotlib imported) and end to
end through the CLI (a new process: Python, the graph and matplotlib loaded each time).

    python benchmarks/figure.py                    # families of 50 and 200
    python benchmarks/figure.py --sizes 200        # just the target size

Writes (or replaces) the figures section of benchmarks/RESULTS.md; prints every figure as it
goes. Figures, not asserts: the machine is shared, so each is a median with its run count and
the load average is recorded. The target is under 2 s for a 200-institution family.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  benchmarks/generate.py
from run import load_average, machine, measure, ms, replace_section, say  # noqa: E402

SECTION = "## Figures: `lineage figure` (benchmarks/figure.py)"
TARGET = 2.0  # seconds, for a 200-institution family
#: A first call slower than this is the only one measured (run.measure): figures are timed
#: warm, after one call, unless that call takes this long.
WARM_ONLY_ABOVE = 30.0
ROOT_SLUG = "figure-family-root"
NOTE = ("Where the time goes: choosing and laying out is a small part; matplotlib's text "
        "layout of some 700 text items (libraqm shapes every one of about 17,600 characters, "
        "about 20 us each) is most of every format; a PNG adds rasterising them, a line at a "
        "time, and encoding the page (lineage/outputs/figures/raster.py; at the default dpi, "
        "which keeps a figure larger than A4 to about A4's pixels at 300 dpi); a PDF lays each "
        "line out once for its measure and its drawing, writes every glyph into the page and "
        "embeds font subsets (lineage/outputs/figures/pdf.py; Type 42 kept: publishers' "
        "checkers refuse Type 3 fonts), made by copying the kept glyphs of a TrueType face "
        "(truetype.py: a few ms, where fontTools took 0.3 s to read a CJK face of 50,000 "
        "glyphs) and by fontTools for a CFF face such as Noto Sans CJK (0.4 s more). A "
        "200-institution family is a poster (the page column), not an A4 figure.")


def family(n: int, seed: int, path: Path) -> str:
    """Write one connected lineage family of n institutions (chains, splits and mergers from
    one founding centre, every event dated and sourced) as N-Triples; returns the root IRI."""
    rng = random.Random(seed)

    def later(*years: int) -> int:
        """A year after the given ones, keeping pace with how much is made: 1985 to 2025."""
        return max(max(years), 1985 + 40 * g.made // n) + rng.randint(0, 1)

    with open(path, "w", encoding="utf-8", newline="\n") as out:
        g = generate.Generator(n, seed, out)
        g.w.write_sources()
        root = g.institution(generate.NETRC, established=1985, slug=ROOT_SLUG)
        tips = [(root, generate.NETRC, 1985)]
        while g.made < n:
            r = rng.random()
            if r < 0.15 and len(tips) >= 2 and g.made < n:  # two branches merge
                (a, _, ya), (b, _, yb) = (tips.pop(rng.randrange(len(tips))) for _ in range(2))
                year = later(ya, yb)
                kind = rng.choice((generate.NERC, generate.NTIC))
                result = g.centre(kind, year)
                g.event("Merger", [a, b], [result], year)
                tips.append((result, kind, year))
            elif r < 0.35 and g.made < n - 1:  # a branch splits in two
                tip, kind, year = tips.pop(rng.randrange(len(tips)))
                year = later(year)
                parts = [(g.centre(k, year), k, year) for k in
                         (rng.choice(generate.CONVERTS_TO[kind]) for _ in range(2))]
                g.event("Split", [tip], [p for p, _, _ in parts], year)
                tips.extend(parts)
            else:  # a conversion or a renaming
                i = rng.randrange(len(tips))
                tip, kind, year = tips[i]
                year = later(year)
                event, kind = g.next_kind(kind)
                following = g.centre(kind, year)
                g.event(event, [tip], [following], year)
                tips[i] = (following, kind, year)
    return generate.INST + ROOT_SLUG


def library(n: int, work: Path, seed: int, reps: int) -> dict:
    """Lineage.figure of the whole family in each format, the graph loaded once."""
    from lineage import Lineage
    from lineage.outputs.figures import plan

    file = work / f"family-{n}.nt"
    root = family(n, seed, file)
    lin = Lineage.open(data=[file], bundled=False)
    started = time.perf_counter()
    fresh = "matplotlib.figure" not in sys.modules
    import matplotlib.figure  # noqa: F401  the import is counted apart, the first time
    imported = time.perf_counter() - started if fresh else None
    row = {"size": n, "import": imported}
    select, runs, chosen = measure(lambda: plan(lin.store, lin.resolve(root)), reps=reps)
    row.update(select=select, institutions=len(chosen.nodes), hops=len(chosen.hops))
    for fmt, labels in (("svg", "en"), ("png", "en"), ("pdf", "en"), ("pdf", "both")):
        cpu: list[float] = []

        def draw():
            started = time.process_time()
            made = lin.figure(root, fmt=fmt, labels=labels)
            cpu.append(time.process_time() - started)
            return made

        seconds, runs, result = measure(draw, reps=reps, slow=WARM_ONLY_ABOVE)
        key = fmt if labels == "en" else f"{fmt}-{labels}"
        warm = cpu[1:] or cpu  # the first call of a format also loads its backend and fonts
        row[key], row[f"{key}-cpu"] = seconds, sorted(warm)[len(warm) // 2]
        row[f"{key}-runs"], row[f"{key}-first"] = runs, cpu[0]
        if key == "svg":
            row["page"] = (result.width_mm, result.height_mm)
        say(f"  {n} institutions, {fmt} ({labels} labels): {ms(seconds)} wall, "
            f"{ms(row[key + '-cpu'])} CPU (median of {runs}); page {result.width_mm:.0f} x "
            f"{result.height_mm:.0f} mm, {len(result.data):,} bytes")
    say(f"  of which choosing what to draw: {ms(select)}; importing matplotlib: "
        f"{ms(imported)}; {row['institutions']} institutions, {row['hops']} hops")
    row["root"], row["file"] = root, file
    return row


def end_to_end(row: dict, work: Path, reps: int) -> None:
    """`lineage --data FILE figure ROOT -o F.svg` as a new process, median of `reps`."""
    exe = Path(sys.executable).with_name("lineage")
    args = [str(exe), "--data", str(row["file"]), "figure", row["root"], "-o",
            str(work / "family.svg")]
    times = []
    for _ in range(reps + 1):
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    row["cli"] = sorted(times[1:])[len(times[1:]) // 2]
    say(f"  lineage figure end to end, {row['size']} institutions: {ms(row['cli'])} "
        f"(median of {reps} after a warm-up)")


def section(rows: list[dict], info: dict, loads: tuple[str, str]) -> str:
    lines = [
        SECTION, "",
        (f"On {info['cpu']}, {info['cores']} cores (load average {loads[0]} at the start, "
         f"{loads[1]} at the end). One lineage family (chains, "
         "splits and mergers from one founding centre) of each size; `Lineage.figure(ROOT)` "
         "draws all of it. Library times have the graph loaded and matplotlib imported; the "
         "CLI time is a new process (Python, the graph, matplotlib) writing an SVG."), "",
        "Each cell is wall time / CPU time of the process (medians of the calls after the "
        "first of each format, which also loads the format's backend and fonts: its CPU time "
        "is given below); on a loaded machine the CPU time is the better guide.", "",
        "| institutions (hops) | choose | SVG | PNG (default dpi) | PDF | PDF, en+zh labels | "
        "CLI end to end (SVG), wall | page (mm) |",
        "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        cells = " | ".join(f"{ms(r[k])} / {ms(r[k + '-cpu'])}"
                           for k in ("svg", "png", "pdf", "pdf-both"))
        lines.append(
            f"| {r['institutions']} ({r['hops']}) | {ms(r['select'])} | {cells} | "
            f"{ms(r.get('cli'))} | {r['page'][0]:.0f} x {r['page'][1]:.0f} |")
    target = next((r for r in rows if r["size"] == 200), None)
    if target:
        slowest = max(target[k] for k in ("svg", "png", "pdf"))
        slowest_cpu = max(target[k + "-cpu"] for k in ("svg", "png", "pdf"))
        lines += ["", (f"Target: a 200-institution family under {TARGET:.0f} s. Slowest format "
                       f"in the library: {ms(slowest)} wall "
                       f"({'met' if slowest < TARGET else 'missed'}), {ms(slowest_cpu)} CPU "
                       f"({'met' if slowest_cpu < TARGET else 'missed'}); SVG alone "
                       f"{ms(target['svg-cpu'])} CPU "
                       f"({'met' if target['svg-cpu'] < TARGET else 'missed'}); "
                       f"{ms(target.get('cli'))} end to end, where importing matplotlib "
                       f"alone took {ms(rows[0]['import'])}. The first call of each format "
                       "in a process (CPU): " + ", ".join(
                           f"{k.upper()} {ms(target[k + '-first'])}"
                           for k in ("svg", "png", "pdf", "pdf-both")) + "."), "",
                  NOTE]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    info, start_load = machine(), load_average()
    rows = []
    with tempfile.TemporaryDirectory(prefix="lineage-figure-") as tmp:
        work = Path(tmp)
        for n in args.sizes:
            say(f"family of {n}")
            row = library(n, work, args.seed, args.reps)
            end_to_end(row, work, args.reps)
            rows.append(row)
    replace_section(Path(args.output), SECTION, section(rows, info, (start_load, load_average())))
    say(f"wrote the figures section of {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
