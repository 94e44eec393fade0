"""Benchmarks of lineage against raw pyoxigraph and raw rdflib, in one run.

    python benchmarks/run.py --quick            # 1k and 10k institutions, a few minutes at most
    python benchmarks/run.py                    # 1k, 10k, 100k, 300k (long; run it in the background)
    python benchmarks/run.py --sizes 1k 100k    # chosen sizes

Prints every figure and ratio as it goes and writes benchmarks/RESULTS.md (Markdown tables and
the machine it ran on). Figures, not tests: nothing here asserts on a timing. Generated graphs
and stores live in a temporary directory, removed at the end (--keep keeps it).

See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # benchmarks/generate.py

PYTHON = sys.executable
LINEAGE = str(Path(sys.executable).parent / "lineage")
ROW_CAP = 10_000  # the safe path's default --max-rows; raw engines read as many rows
SLOW = 2.0  # seconds: a first run slower than this is not repeated
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
DRAWN_PIXELS = """() => {
  const canvas = document.querySelector('#graph canvas');
  if (!canvas) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
  return drawn;
}"""


# -- measuring --------------------------------------------------------------------------------

def measure(fn, reps: int = 5, warmup: int = 1, slow: float = SLOW):
    """Median seconds of `reps` calls after `warmup` calls; a first call slower than `slow`
    is taken as the only measurement. Returns (median, n, last value returned)."""
    value = None
    times = []
    for i in range(warmup):
        t = time.perf_counter()
        value = fn()
        first = time.perf_counter() - t
        if first > slow:
            return first, 1, value
    for _ in range(reps):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(times), value


class Finished:
    """What a finished command left: exit code, output, peak memory (KiB)."""

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes, maxrss_kib: int):
        self.returncode, self.stdout, self.stderr, self.maxrss = returncode, stdout, stderr, maxrss_kib


def without_terms(lin, text: str):
    """The safe path of a query without building rdflib terms for its rows: guard, worker,
    pipe (what the safety-layer targets are judged on)."""
    from lineage.sparql import Limits, check, engine
    from lineage.sparql.worker import run_in_worker

    checked = check(text)
    return run_in_worker(engine.evaluator(lin.store, checked.text), checked.kind, Limits())


def raw_rows(raw, text: str) -> int:
    """The same query on a raw pyoxigraph store, every term of up to ROW_CAP + 1 rows read."""
    from lineage.namespaces import PREFIXES

    solutions = raw.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return sum(1 for s in islice(solutions, ROW_CAP + 1) if [s[v] for v in names])


def run_cmd(args: list[str], cwd: str, timeout: float = 3600, check: bool = True):
    """Run a command end to end; returns (seconds, Finished) with the child's peak RSS."""
    env = {k: v for k, v in os.environ.items() if k != "LINEAGE_STORE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        child = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err)
        deadline = t + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                raise subprocess.TimeoutExpired(args, timeout)
            time.sleep(0.002)
        seconds = time.perf_counter() - t
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        proc = Finished(child.returncode, out.read(), err.read(), usage.ru_maxrss)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: "
                           f"{proc.stderr.decode(errors='replace')[-2000:]}")
    return seconds, proc


def measure_cmd(args: list[str], cwd: str, reps: int, warmup: int = 1, ok_codes=(0,)):
    """Median wall time of a command (process start to exit)."""
    times = []
    i = 0
    while i < warmup + reps:
        seconds, proc = run_cmd(args, cwd, check=False)
        if proc.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: "
                               f"{proc.stderr.decode(errors='replace')[-2000:]}")
        if i >= warmup:
            times.append(seconds)
        if seconds > 20 and i + 1 < warmup + reps:  # very slow: one more run is enough
            reps, warmup = min(reps, 1), min(warmup, i + 1)
        i += 1
    return statistics.median(times), len(times)


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def mem(kib: int) -> str:
    return f"{kib / 2**20:.1f} GiB" if kib >= 2**20 else f"{kib / 1024:.0f} MiB"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def parse_size(text: str) -> int:
    text = text.lower().replace(",", "").replace("_", "")
    if text.endswith("k"):
        return int(float(text[:-1]) * 1000)
    if text.endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    return int(text)


_T0 = time.perf_counter()


def page_counts(html: str) -> tuple[int | None, int | None]:
    """(nodes, edges) of a view page, as its data's meta.counts gives them."""
    found = re.search(r'"counts":\{"nodes":(\d+),"edges":(\d+)\}', html)
    return (int(found.group(1)), int(found.group(2))) if found else (None, None)


def replace_section(path: Path, heading: str, text: str) -> None:
    """Replace the section of RESULTS.md that starts at `heading` (up to the next `## `), or
    append it: a benchmark with its own section rewrites only that."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(heading)
    if start >= 0:
        end = old.find("\n## ", start + len(heading))
        old = old[:start] + (old[end + 1:] if end >= 0 else "")
    path.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def say(text: str = "") -> None:
    if text.startswith(("\n", "==")) or (text[:2].isdigit() or text[:1].isdigit()) and ". " in text[:4]:
        text = f"{text}   [{(time.perf_counter() - _T0) / 60:.1f} min]"
    print(text, flush=True)


# -- the machine ------------------------------------------------------------------------------

def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform()}
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu"] = model or platform.processor() or "unknown"
    info["cores"] = os.cpu_count()
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["ram"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        info["ram"] = "unknown"
    from importlib.metadata import PackageNotFoundError, version

    for package in ("pyoxigraph", "rdflib", "pyshacl", "networkx", "pyvis", "click", "playwright"):
        try:
            info[package] = version(package)
        except PackageNotFoundError:
            info[package] = "not installed"
    try:
        out = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, timeout=30,
                             text=True, check=False).stdout.strip()
        info["chromium"] = out or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        info["chromium"] = "not found"
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, timeout=30, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lineage"], cwd=REPO,
                               capture_output=True, text=True, timeout=30, check=False).stdout.strip()
        import hashlib

        digest = hashlib.sha256()
        for path in sorted((REPO / "lineage").rglob("*")):
            if path.is_file() and path.suffix in (".py", ".rq", ".js", ".html", ".css"):
                digest.update(path.relative_to(REPO).as_posix().encode())
                digest.update(path.read_bytes())
        info["lineage"] = (f"{head}{' + uncommitted changes in lineage/' if dirty else ''} "
                           f"(lineage/ content digest {digest.hexdigest()[:12]})")
    except OSError:
        info["lineage"] = "unknown"
    return info


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def cpu_ticks() -> tuple[int, int] | None:
    """The machine's CPU ticks so far, in all and stolen (given by the hypervisor to other
    guests: a virtual machine's wall times swell with them), from Linux's /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(f) for f in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks), ticks[7]) if len(ticks) == 8 else None


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the CPU time between two readings of cpu_ticks() that was stolen."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return (after[1] - before[1]) / (after[0] - before[0])


def stolen_text(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def core_speed(reps: int = 5) -> float:
    """CPU seconds of one fixed pure-Python workload (dict updates, string building, a sort),
    the median of `reps`. A virtual machine's cores do not run at one speed: on the machine
    these figures come from, the same render has taken 1.7 s and 3.5 s twelve minutes apart,
    with almost no CPU reported stolen. Read beside a run's timings, it says how fast the cores
    were when the run began and ended."""
    times = []
    for _ in range(reps):
        started = time.process_time()
        counts: dict[str, int] = {}
        for i in range(200_000):
            key = f"k{i % 997}"
            counts[key] = counts.get(key, 0) + i
        sorted(counts.items(), key=lambda item: (item[1], item[0]))
        times.append(time.process_time() - started)
    return statistics.median(times)


# -- the pieces ----------------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.work = Path(args.workdir or tempfile.mkdtemp(prefix="lineage-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.files: dict[int, Path] = {}
        self.gen: dict[int, dict] = {}
        self.stores: dict[int, Path] = {}
        self.imports: list[dict] = []
        self.validated_imports: list[dict] = []
        self.traces: list[dict] = []
        self.e2e: list[dict] = []
        self.floors: dict[str, float] = {}
        self.queries: dict[int, list[dict]] = {}
        self.query_notes: dict[int, dict] = {}
        self.renders: list[dict] = []
        self.render_note: str | None = None
        self.cli: list[dict] = []
        self.store_open: dict[int, float] = {}
        self.reps = 3 if self.quick else 5

    # -- data ---------------------------------------------------------------------------------
    def graph(self, n: int) -> Path:
        if n not in self.files:
            path = self.work / f"synthetic-{size_label(n)}.nt"
            info = generate.generate(n, self.args.seed, path)
            self.files[n], self.gen[n] = path, info
            say(f"  generated {size_label(n)}: {info['triples']:,} triples "
                f"({info['triples'] / n:.1f} per institution), {info['bytes'] / 1e6:.1f} MB, "
                f"{info['events']:,} events, {info['memberships']:,} memberships "
                f"in {ms(info['seconds'])}")
        return self.files[n]

    def fresh_dir(self, name: str) -> Path:
        path = self.work / name
        if path.exists():
            shutil.rmtree(path)
        return path

    # -- 1. import --------------------------------------------------------------------------
    def import_(self, n: int) -> None:
        file = self.graph(n)
        reps = 1 if n >= 100_000 or self.quick else 3
        label = size_label(n)

        def timed_call(kind: str):
            """The raw load or the library call, timed inside a fresh process (so each run
            starts clean and this process stays small), with the process's end-to-end time."""
            d = self.fresh_dir(f"{kind}-{label}")
            seconds, proc = run_cmd([PYTHON, __file__, "--import-worker", kind, str(d), str(file)],
                                    str(self.work))
            inner = json.loads(proc.stdout)
            inner.update(process=seconds, maxrss=proc.maxrss)
            shutil.rmtree(d, ignore_errors=True)
            return inner

        def cli():
            d = self.fresh_dir(f"store-{label}")
            seconds, proc = run_cmd([LINEAGE, "--store", f"oxigraph:{d}", "import", "--no-validate",
                                     str(file)], str(self.work))
            return {"seconds": seconds, "maxrss": proc.maxrss}

        def med(runs, key):
            return statistics.median(r[key] for r in runs)

        raws = [timed_call("raw") for _ in range(reps)]
        libs = [timed_call("library") for _ in range(reps)]
        clis = [cli() for _ in range(reps)]  # the last store is kept for parts 2-4
        self.stores[n] = self.work / f"store-{label}"
        row = {"size": n, "triples": self.gen[n]["triples"], "raw": med(raws, "seconds"),
               "raw_process": med(raws, "process"), "library": med(libs, "seconds"),
               "library_open": med(libs, "open"), "cli": med(clis, "seconds"), "runs": reps,
               "raw_rss": max(r["maxrss"] for r in raws), "library_rss": max(r["maxrss"] for r in libs),
               "cli_rss": max(r["maxrss"] for r in clis)}
        self.imports.append(row)
        raw_t, raw_p, lib_t, cli_t = row["raw"], row["raw_process"], row["library"], row["cli"]
        say(f"  import {label}: raw pyoxigraph load {ms(raw_t)} (its process end to end {ms(raw_p)}, "
            f"peak {mem(row['raw_rss'])}); library {ms(lib_t)} ({ratio(lib_t, raw_t)} raw; "
            f"open+bundle {ms(row['library_open'])}; peak {mem(row['library_rss'])}); "
            f"CLI end to end {ms(cli_t)} ({ratio(cli_t, raw_p)} raw process; "
            f"peak {mem(row['cli_rss'])})")

    def import_validated(self, n: int) -> None:
        """The default import (SHACL validation up to 20,000 triples), reported apart."""
        file = self.graph(n)
        d = self.fresh_dir(f"validated-{size_label(n)}")
        try:
            seconds, _ = run_cmd([LINEAGE, "--store", f"oxigraph:{d}", "import", str(file)],
                                 str(self.work), timeout=self.args.validate_timeout)
        except subprocess.TimeoutExpired:
            seconds = None
        self.validated_imports.append({"size": n, "seconds": seconds,
                                       "timeout": self.args.validate_timeout})
        say(f"  import {size_label(n)} with SHACL validation (the default at this size): "
            f"{ms(seconds) if seconds else f'over {self.args.validate_timeout:.0f} s (stopped)'}")
        shutil.rmtree(d, ignore_errors=True)

    # -- 2. trace (library, warm) -------------------------------------------------------------
    def trace(self, n: int) -> None:
        from lineage import Lineage

        lin = Lineage.open(store=f"oxigraph:{self.stores[n]}")
        t = time.perf_counter()
        first = lin.trace(generate.PROBE_ROOT, direction="both")
        first_t = time.perf_counter() - t
        reached = len(first.institutions)
        seconds, runs, _ = measure(lambda: lin.trace(generate.PROBE_ROOT, direction="both"),
                                   reps=20 if not self.quick else 10, warmup=2, slow=30)
        self.traces.append({"size": n, "first": first_t, "warm": seconds, "runs": runs,
                            "institutions": reached, "hops": len(first.hops)})
        base = next((r["warm"] for r in self.traces if r["size"] == 10_000), None)
        say(f"  trace {size_label(n)}: warm {ms(seconds)} (median of {runs}; "
            f"{reached} institutions, {len(first.hops)} hops); first call {ms(first_t)} "
            f"(builds the name index); vs 10k: {ratio(seconds, base)}")
        lin.store.close()
        gc.collect()

    # -- 3. trace end to end --------------------------------------------------------------------
    def floors_e2e(self) -> None:
        reps = self.reps
        self.floors["import lineage"] = measure_cmd([PYTHON, "-c", "import lineage"],
                                                    str(self.work), reps)[0]
        self.floors["import lineage.api"] = measure_cmd(
            [PYTHON, "-c", "from lineage.api import Lineage"], str(self.work), reps)[0]
        say(f"  python -c 'import lineage': {ms(self.floors['import lineage'])}; "
            f"python -c 'from lineage.api import Lineage': {ms(self.floors['import lineage.api'])}")

    def trace_e2e(self, n: int) -> None:
        import pyoxigraph as ox

        def open_store():
            store = ox.Store.read_only(str(self.stores[n]))
            del store

        opened, _, _ = measure(open_store, reps=3, warmup=0)
        self.store_open[n] = opened
        say(f"  pyoxigraph.Store.read_only(DIR) open, {size_label(n)}: {ms(opened)}")
        args = [LINEAGE, "--store", f"oxigraph:{self.stores[n]}", "trace", generate.PROBE_ROOT,
                "--both"]
        seconds, runs = measure_cmd(args, str(self.work), self.reps)
        # the floor no tool can beat: a process that imports the engine and opens the store
        opens = f"import pyoxigraph; pyoxigraph.Store.read_only({str(self.stores[n])!r})"
        engine_floor, _ = measure_cmd([PYTHON, "-c", opens], str(self.work), self.reps)
        floor = self.floors["import lineage"]
        self.e2e.append({"size": n, "seconds": seconds, "runs": runs,
                         "engine_floor": engine_floor})
        say(f"  lineage --store oxigraph:DIR trace X --both, {size_label(n)}: {ms(seconds)} "
            f"(median of {runs}) = {ratio(seconds, engine_floor)} a process that imports "
            f"pyoxigraph and opens the store ({ms(engine_floor)}), {ratio(seconds, floor)} "
            f"'import lineage', "
            f"{ratio(seconds, self.floors['import lineage.api'])} 'from lineage.api import Lineage'")

    # -- 4. canned queries ------------------------------------------------------------------------
    def queries_at(self, n: int) -> None:
        import pyoxigraph as ox

        from lineage import Lineage
        from lineage.sparql import QueryTimeout, check
        from lineage.sparql.guard import substitute

        lin = Lineage.open(store=f"oxigraph:{self.stores[n]}")
        raw = ox.Store.read_only(str(self.stores[n]))
        canned = lin.canned_queries()
        reps = self.reps
        lin.index  # noqa: B018  (name index built once, as in a warm session)
        floor, _, _ = measure(lambda: lin.query("ASK { }"), reps=reps,
                              warmup=0 if self.quick else 1)
        notes = {"floor": floor}
        say(f"    safe-path floor (Lineage.query('ASK {{ }}')): {ms(floor)}")
        rdflib_result = self.rdflib_queries(n, canned) if n <= self.args.rdflib_max else None
        if rdflib_result is not None:
            notes["rdflib_parse"] = rdflib_result["parse"]
            notes["rdflib_triples"] = rdflib_result["triples"]
        rows = []
        for name, query in canned.items():
            params = {p.name: generate.PROBE_ROOT for p in query.params
                      if p.type == "institution" and p.default}
            bindings = lin._bind_params(query, params)
            bound_text = substitute(query.text, bindings)  # what the safe path evaluates
            guard, _, _ = measure(lambda text=query.text: check(text), reps=reps)
            row = {"name": name, "guard": guard, "params": bool(bindings)}
            try:
                safe, _, result = measure(lambda name=name, params=params: lin.run_canned(name, params),
                                          reps=reps, warmup=0 if self.quick else 1)
                row.update(safe=safe, rows=len(result.rows), truncated=result.truncated)
                # the same path without building rdflib terms for the rows: guard, worker, pipe
                row["layers"], _, _ = measure(lambda text=bound_text: without_terms(lin, text),
                                              reps=reps)
            except QueryTimeout:
                row.update(safe=None, rows=None, note="safe path hit its 30 s limit")
                rows.append(row)
                say(f"    {name}: safe path timed out (30 s); raw engines skipped")
                continue

            row["raw_ox"], _, row["raw_rows"] = measure(
                lambda text=bound_text: raw_rows(raw, text), reps=reps)
            if rdflib_result is not None:
                r = rdflib_result["queries"].get(name, {})
                row["rdflib"] = r.get("seconds")
                row["rdflib_rows"] = r.get("rows")
                row["rdflib_status"] = r.get("status", "missing")
            rows.append(row)
            extra = ""
            if rdflib_result is not None:
                if row["rdflib"] is not None:
                    extra = f"; raw rdflib {ms(row['rdflib'])} ({ratio(safe, row['rdflib'])})"
                    if row["rdflib_rows"] != min(row["rows"], ROW_CAP + 1) and not row["truncated"]:
                        extra += f" [rows differ: rdflib {row['rdflib_rows']}]"
                else:
                    extra = f"; raw rdflib {row['rdflib_status']}"
                if row["rdflib"] is None and row["rdflib_status"].startswith("timeout"):
                    pass
                elif row["rdflib"] is not None and safe > row["rdflib"]:
                    extra += "  << SLOWER THAN RAW RDFLIB"
            say(f"    {name}: safe {ms(safe)} ({row['rows']} rows{', truncated' if row['truncated'] else ''}), "
                f"raw pyoxigraph {ms(row['raw_ox'])} ({ratio(safe, row['raw_ox'])}, "
                f"+{ms(safe - row['raw_ox'])}), guard {ms(guard)}{extra}")
        self.queries[n] = rows
        self.query_notes[n] = notes
        raw = None
        lin.store.close()
        gc.collect()

    def rdflib_queries(self, n: int, canned) -> dict | None:
        """Raw rdflib in a worker process: parse the same data, run every query (timed)."""
        from rdflib import URIRef

        from lineage import paths
        from lineage.ingest.loading import bundled_graph
        from lineage.namespaces import GRAPH, ONTOLOGY_GRAPH
        from lineage.sparql.guard import substitute

        files = [[str(p), str(ONTOLOGY_GRAPH), "turtle"] for p in paths.ontology_files()]
        files += [[str(p), bundled_graph(p), "trig" if p.suffix == ".trig" else "turtle"]
                  for p in paths.graph_files()]
        files.append([str(self.files[n]), str(GRAPH["import/synthetic"]), "nt"])
        queries = []
        for name, query in canned.items():
            bindings = {p.name: URIRef(generate.PROBE_ROOT) for p in query.params
                        if p.type == "institution" and p.default}
            # the same text as the other engines; rdflib has no LATERAL, which only changes
            # the evaluation order (see lineage-of.rq), so it is dropped for rdflib
            text = re.sub(r"\bLATERAL\b", "", substitute(query.text, bindings))
            queries.append({"name": name, "text": text, "bindings": {}})
        spec = self.work / f"rdflib-spec-{size_label(n)}.json"
        spec.write_text(json.dumps({"files": files, "queries": queries, "cap": ROW_CAP,
                                    "reps": self.reps, "timeout": self.args.rdflib_timeout}))
        say(f"    raw rdflib: parsing {size_label(n)} in a worker process ...")
        try:
            _, proc = run_cmd([PYTHON, __file__, "--rdflib-worker", str(spec)], str(self.work),
                              timeout=self.args.rdflib_timeout * (len(queries) + 2) + 600)
        except subprocess.TimeoutExpired:
            say("    raw rdflib: worker stopped (overall time limit)")
            return None
        result = json.loads(proc.stdout)
        say(f"    raw rdflib: parsed {result['triples']:,} triples in {ms(result['parse'])}")
        return result

    # -- 5. render ------------------------------------------------------------------------------
    def renders_all(self) -> None:
        from lineage import Lineage

        sizes = self.args.render_sizes
        pages = []
        for nodes in sizes:
            file = self.graph(nodes)
            lin = Lineage.open(data=[file])
            seconds, runs, html = measure(lin.render, reps=3 if not self.quick else 1, slow=SLOW)
            page = self.work / f"view-{size_label(nodes)}.html"
            page.write_text(html, encoding="utf-8")
            drawn, lines = page_counts(html)
            row = {"size": nodes, "generate": seconds, "runs": runs, "bytes": len(html.encode()),
                   "nodes": drawn, "edges": lines}
            self.renders.append(row)
            pages.append((row, page))
            say(f"  render {size_label(nodes)} institutions: {row['nodes']:,} nodes, "
                f"{row['edges']:,} edges; generated in {ms(seconds)} (median of {runs}), "
                f"{row['bytes'] / 1e6:.1f} MB")
            lin = html = None
            gc.collect()
        self.browser(pages)

    def browser(self, pages) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            self.render_note = f"skipped: playwright not importable ({exc})"
            say(f"  browser: {self.render_note}")
            return
        chromium = self.args.chromium
        if not Path(chromium).exists():
            self.render_note = f"skipped: {chromium} not found"
            say(f"  browser: {self.render_note}")
            return
        loads, warm = (2, 0) if self.quick else (3, 1)
        with sync_playwright() as pw:
            try:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            except Exception as exc:  # noqa: BLE001 - any failure to start means "skipped"
                self.render_note = f"skipped: Chromium did not start ({str(exc).splitlines()[0]})"
                say(f"  browser: {self.render_note}")
                return
            try:
                for row, page in pages:
                    ticks = cpu_ticks()
                    results = [self.load_page(browser, page) for _ in range(loads + warm)][warm:]
                    row["stolen"] = stolen_share(ticks, cpu_ticks())
                    row["ready"] = statistics.median(r["ready"] for r in results)
                    row["page_ready"] = statistics.median(r["page_ready"] for r in results)
                    row["dcl"] = statistics.median(r["dcl"] for r in results)
                    row["drawn"] = min(r["drawn"] for r in results)
                    row["blocked"] = sum(r["blocked"] for r in results)
                    row["errors"] = sorted({e for r in results for e in r["errors"]})[:3]
                    row["loads"] = len(results)
                    say(f"  browser {size_label(row['size'])}: ready and drawn {ms(row['ready'])} "
                        f"after navigation (median of {len(results)} loads"
                        f"{' after one warm-up' if warm else ''}; page's own clock: DOM ready "
                        f"{ms(row['dcl'])}, view ready {ms(row['page_ready'])}); "
                        f"{row['drawn']:,} pixels drawn; "
                        + (f"{stolen_text(row['stolen'])} of the CPU time stolen by the host; "
                           if row["stolen"] is not None else "") +
                        f"{row['blocked']} network requests blocked"
                        + (f"; page errors: {row['errors']}" if row["errors"] else ""))
            finally:
                browser.close()

    def load_page(self, browser, page: Path) -> dict:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        blocked, errors = [], []

        def route(r):
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        tab = context.new_page()
        tab.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        try:
            t = time.perf_counter()
            tab.goto(page.as_uri(), wait_until="commit", timeout=300_000)
            tab.wait_for_selector("body[data-ready='1']", state="attached", timeout=300_000)
            drawn = tab.evaluate(DRAWN_PIXELS)
            deadline = time.perf_counter() + 60
            while not drawn and time.perf_counter() < deadline:
                time.sleep(0.01)
                drawn = tab.evaluate(DRAWN_PIXELS)
            ready = time.perf_counter() - t
            page_ready = tab.evaluate("() => window.lineageView.readyAt") / 1000
            dcl = tab.evaluate("() => performance.getEntriesByType('navigation')[0]"
                               ".domContentLoadedEventEnd") / 1000
        finally:
            context.close()
        return {"ready": ready, "page_ready": page_ready, "dcl": dcl, "drawn": drawn,
                "blocked": len(blocked), "errors": errors}

    # -- 6. the CLI on the bundled graph ----------------------------------------------------------
    def cli_bundled(self) -> None:
        reps = self.reps
        for label, args, r, warm in [
                ("lineage --help", [LINEAGE, "--help"], reps, 1),
                ("lineage info", [LINEAGE, "info"], 2 if self.quick else 3, 0 if self.quick else 1),
                ("lineage info --no-validate", [LINEAGE, "info", "--no-validate"], reps, 1)]:
            seconds, runs = measure_cmd(args, str(self.work), r, warmup=warm)
            self.cli.append({"command": label, "seconds": seconds, "runs": runs})
            say(f"  {label}: {ms(seconds)} (median of {runs}) = "
                f"{ratio(seconds, self.floors['import lineage'])} 'import lineage'")


# -- import worker: one timed raw load or library import in a fresh process ----------------------

def import_worker(kind: str, directory: str, file: str) -> None:
    import pyoxigraph as ox

    if kind == "raw":
        t = time.perf_counter()
        store = ox.Store(directory)
        store.load(path=file, format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        print(json.dumps({"seconds": time.perf_counter() - t}))
        return
    import lineage.api  # noqa: F401  (imports are not part of the call)
    from lineage import Lineage

    t = time.perf_counter()
    lin = Lineage.open(store=f"oxigraph:{directory}", writable=True)
    opened = time.perf_counter() - t
    lin.import_files([file], validate=False)
    print(json.dumps({"seconds": time.perf_counter() - t, "open": opened}))


# -- raw rdflib worker (a separate process, so its memory and time are its own) ----------------------

class _Timeout(Exception):
    pass


def rdflib_worker(spec_path: str) -> None:
    from rdflib import Dataset, URIRef

    from lineage.namespaces import PREFIXES

    spec = json.loads(Path(spec_path).read_text())
    t = time.perf_counter()
    ds = Dataset(default_union=True)
    for path, graph, fmt in spec["files"]:
        ds.graph(URIRef(graph)).parse(path, format=fmt)
    parse = time.perf_counter() - t
    triples = sum(len(g) for g in ds.graphs())

    def alarm(*_):
        raise _Timeout()

    signal.signal(signal.SIGALRM, alarm)
    out = {}
    for q in spec["queries"]:
        bindings = {k: URIRef(v) for k, v in q["bindings"].items()}

        def run(text=q["text"], bindings=bindings):
            result = ds.query(text, initNs=PREFIXES, initBindings=bindings)
            return sum(1 for _ in islice(result, spec["cap"] + 1))

        signal.alarm(int(spec["timeout"]))
        try:
            seconds, runs, rows = measure(run, reps=spec["reps"], slow=1.0)
            out[q["name"]] = {"seconds": seconds, "runs": runs, "rows": rows, "status": "ok"}
        except _Timeout:
            out[q["name"]] = {"seconds": None, "status": f"timeout (> {spec['timeout']} s)"}
        except Exception as exc:  # noqa: BLE001 - report, keep going
            out[q["name"]] = {"seconds": None, "status": f"error: {str(exc)[:100]}"}
        finally:
            signal.alarm(0)
    print(json.dumps({"parse": parse, "triples": triples, "queries": out}))


# -- report ---------------------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def targets(b: Bench) -> list[tuple[str, str, str, str]]:
    """(target, measured, goal, verdict)."""
    found = []
    traces = {r["size"]: r["warm"] for r in b.traces}
    big = max(traces) if traces else None
    if big is not None and 10_000 in traces and big != 10_000:
        r = traces[big] / traces[10_000]
        found.append((f"trace at {size_label(big)} vs 10k", (f"{ms(traces[big])} / "
                      f"{ms(traces[10_000])} = {r:.2f}x"), "within 2x", verdict(r <= 2)))
    if b.e2e:
        last = max(b.e2e, key=lambda r: r["size"])
        r = last["seconds"] / b.floors["import lineage"]
        api = last["seconds"] / b.floors["import lineage.api"]
        found.append((f"end-to-end trace at {size_label(last['size'])} vs `python -c \"import lineage\"`",
                      (f"{ms(last['seconds'])} / {ms(b.floors['import lineage'])} = {r:.1f}x "
                      f"({api:.2f}x `from lineage.api import Lineage`, "
                      f"{ms(b.floors['import lineage.api'])})"),
                      "within 1.5x", verdict(r <= 1.5)))
    helps = [c for c in b.cli if c["command"] == "lineage --help"]
    if helps:
        found.append(("`lineage --help`", ms(helps[0]["seconds"]), "under 0.3 s",
                      verdict(helps[0]["seconds"] < 0.3)))
    for row in b.imports:
        call = row["library"] - row["library_open"]
        for seconds, label, base in (
                (row["library"], "library, opening a new store included", "raw"),
                (call, "library, the import call on an open store", "raw"),
                (row["cli"], "CLI end to end", "raw_process")):
            r = seconds / row[base]
            found.append((f"import {size_label(row['size'])} ({label}) vs raw pyoxigraph load",
                          f"{ms(seconds)} / {ms(row[base])} = {r:.2f}x", "within 1.5x",
                          verdict(r <= 1.5)))
    for n, rows in b.queries.items():
        timed = [r for r in rows if r.get("safe") is not None and r.get("raw_ox") is not None]
        if timed:
            worst = max(timed, key=lambda r: r["layers"] - r["raw_ox"])
            extra = worst["layers"] - worst["raw_ox"]
            full = worst["safe"] - worst["raw_ox"]
            found.append((f"safety layers, {size_label(n)} (worst query: {worst['name']})",
                          f"+{ms(extra)} (+{ms(full)} with rdflib terms built for the rows)",
                          "under 20 ms per query", verdict(extra < 0.020)))
            heavy = [r for r in timed if r["raw_ox"] > 0.2]
            if heavy:
                worst_r = max(heavy, key=lambda r: r["layers"] / r["raw_ox"])
                r = worst_r["layers"] / worst_r["raw_ox"]
                full = worst_r["safe"] / worst_r["raw_ox"]
                found.append((f"queries over 200 ms, {size_label(n)} (worst: {worst_r['name']})",
                              f"{r:.2f}x raw ({full:.2f}x with rdflib terms)", "within 1.2x",
                              verdict(r <= 1.2)))
        compared = [r for r in rows if r.get("safe") is not None and "rdflib_status" in r]
        if compared:
            slower = [r["name"] for r in compared
                      if r.get("rdflib") is not None and r["safe"] > r["rdflib"]]
            found.append((f"canned queries slower than raw rdflib, {size_label(n)}",
                          ", ".join(slower) if slower else "none", "none",
                          verdict(not slower)))
    for row in b.renders:
        if row["size"] == 5000 and row.get("ready") is not None:
            found.append(("5,000-node view ready and drawn", ms(row["ready"]), "under 1.5 s",
                          verdict(row["ready"] < 1.5)))
        if row["size"] == 20000:
            if row.get("ready") is not None:
                found.append(("20,000-node view ready and drawn", ms(row["ready"]), "under 6 s",
                              verdict(row["ready"] < 6)))
            found.append(("view generation, 20,000 nodes", ms(row["generate"]), "under 2 s",
                          verdict(row["generate"] < 2)))
    return found


def write_results(b: Bench, info: dict, started: float, loads: tuple[str, str], path: Path) -> None:
    lines = ["# lineage benchmarks", "",
             (f"Produced by `python benchmarks/run.py{' --quick' if b.quick else ''}"
             f"{' --sizes ' + ' '.join(size_label(s) for s in b.args.sizes) if b.args.sizes_given else ''}`"
             f" on {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} in "
             f"{(time.perf_counter() - started) / 60:.1f} min. Figures, not tests: medians of "
             "repeated runs after a warm-up (a first run over 2 s is not repeated). "
             "See benchmarks/README.md for what each figure means."), "",
             "## Machine", "", "| | |", "|---|---|"]
    for key in ("cpu", "cores", "ram", "platform", "python", "pyoxigraph", "rdflib", "pyshacl",
                "networkx", "pyvis", "playwright", "chromium", "lineage"):
        lines.append(f"| {key} | {info.get(key)} |")
    lines.append(f"| load average (1, 5, 15 min) at start / end | {loads[0]} / {loads[1]} |")
    if "speed" in info:
        lines.append(f"| core speed (`core_speed`, lower is faster) at start / end | "
                     f"{info['speed']} |")
    lines += ["", "## Targets", "", "| target | measured | goal | verdict |",
              "|---|---|---|---|"]
    lines += [f"| {a} | {m} | {g} | {v} |" for a, m, g, v in targets(b)]

    lines += ["", "## Synthetic graphs", "",
              "| institutions | triples | per institution | events | memberships | MB | generated in |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for n, g in sorted(b.gen.items()):
        lines.append(f"| {n:,} | {g['triples']:,} | {g['triples'] / n:.1f} | {g['events']:,} | "
                     f"{g['memberships']:,} | {g['bytes'] / 1e6:.1f} | {ms(g['seconds'])} |")

    lines += ["", "## 1. Import into oxigraph:DIR vs raw pyoxigraph load", "",
              ("Raw: `pyoxigraph.Store(dir).load(path=file, format=N_TRIPLES)` + `flush()`, timed "
              "around the call, and its whole process (start to exit). Library: "
              "`Lineage.open(store='oxigraph:DIR', writable=True).import_files([file], validate=False)` "
              "timed around the call (opening fills the ontology and bundled graph). Both run in a "
              "fresh process each time. CLI: `lineage --store oxigraph:DIR import --no-validate "
              "FILE`, start to exit. Fresh directories each time. Peak: the process's maximum RSS."), "",
              ("| institutions | triples | raw load | raw process | library (open + import) | "
              "of which open | library / raw | CLI end to end | CLI / raw process | peak RSS raw / library / CLI | runs |"),
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in b.imports:
        lines.append(f"| {r['size']:,} | {r['triples']:,} | {ms(r['raw'])} | {ms(r['raw_process'])} | "
                     f"{ms(r['library'])} | {ms(r['library_open'])} | {ratio(r['library'], r['raw'])} | "
                     f"{ms(r['cli'])} | {ratio(r['cli'], r['raw_process'])} | "
                     f"{mem(r['raw_rss'])} / {mem(r['library_rss'])} / {mem(r['cli_rss'])} | "
                     f"{r['runs']} |")
    if b.validated_imports:
        lines += ["", ("Validation reported separately: `lineage --store oxigraph:DIR import FILE` "
                      "with its default (SHACL validation of imports up to 20,000 triples):"), ""]
        for r in b.validated_imports:
            shown = ms(r["seconds"]) if r["seconds"] else f"over {r['timeout']:.0f} s (stopped)"
            lines.append(f"- {r['size']:,} institutions: {shown}")

    lines += ["", "## 2. trace (library, warm)", "",
              (f"`Lineage.open(store='oxigraph:DIR').trace(<{generate.PROBE_ROOT}>, direction='both')`"
              f" on the store filled by the CLI import: the middle of the fixed probe family "
              f"(a chain with a merger and a split; the same {generate.PROBE_LINEAGE_SIZE} "
              "institutions at every size). First call includes building the name index."), "",
              "| institutions | warm trace | vs 10k | first call | institutions in trace | hops | runs |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    base = next((r["warm"] for r in b.traces if r["size"] == 10_000), None)
    for r in b.traces:
        lines.append(f"| {r['size']:,} | {ms(r['warm'])} | {ratio(r['warm'], base)} | {ms(r['first'])} | "
                     f"{r['institutions']} | {r['hops']} | {r['runs']} |")

    lines += ["", "## 3. trace end to end vs importing the package", "",
              "| command | store | seconds | vs `import lineage` |", "|---|---|---:|---:|"]
    for label, seconds in b.floors.items():
        lines.append(f"| `python -c \"{'import lineage' if label == 'import lineage' else 'from lineage.api import Lineage'}\"` | | "
                     f"{ms(seconds)} | {ratio(seconds, b.floors['import lineage'])} |")
    for r in b.e2e:
        lines.append(f"| `python -c \"import pyoxigraph; pyoxigraph.Store.read_only(DIR)\"` (the floor) | "
                     f"{r['size']:,} institutions | {ms(r['engine_floor'])} | "
                     f"{ratio(r['engine_floor'], b.floors['import lineage'])} |")
        lines.append(f"| `lineage --store oxigraph:DIR trace X --both` | {r['size']:,} institutions | "
                     f"{ms(r['seconds'])} | {ratio(r['seconds'], b.floors['import lineage'])} "
                     f"({ratio(r['seconds'], r['engine_floor'])} the floor) |")
    if b.store_open:
        lines += ["", "Opening the same store with `pyoxigraph.Store.read_only(DIR)` (in this process): "
                  + "; ".join(f"{size_label(n)}: {ms(t)}" for n, t in b.store_open.items()) + "."]

    lines += ["", "## 4. Canned queries: safe path vs raw pyoxigraph vs raw rdflib", "",
              ("Safe path: `Lineage.run_canned(name, params)` (guard + worker process + decoding, "
              f"default limits: {ROW_CAP:,} rows). Raw pyoxigraph: `Store.read_only(DIR).query(text, "
              "prefixes=..., use_default_graph_as_union=True)` on the same store, of the same text "
              "(the parameter written in, as `lineage.sparql.guard.substitute` does), reading up to "
              f"{ROW_CAP + 1:,} rows. Raw rdflib: a `Dataset(default_union=True)` "
              "parsed from the ontology, the bundled graph and the same file, the same text "
              "without the word LATERAL, same row cap, in its own process. Parameters: the probe "
              "institution. Guard: `lineage.sparql.check` alone. Without terms: the same safe "
              "path (guard, worker, pipe) returning the encoded rows, before rdflib terms are "
              "built for them; the safety-layer targets are judged on it. **bold** = slower "
              "than raw rdflib."), ""]
    for n, rows in b.queries.items():
        notes = b.query_notes[n]
        parse = (f"raw rdflib parsed {notes['rdflib_triples']:,} triples in {ms(notes['rdflib_parse'])}"
                 if "rdflib_parse" in notes else
                 f"raw rdflib not run at this size (--rdflib-max {b.args.rdflib_max:,})")
        lines += [f"### {n:,} institutions", "",
                  f"Safe-path floor (`Lineage.query('ASK {{ }}')`): {ms(notes['floor'])}; {parse}.", "",
                  ("| query | rows | safe path | without terms | raw pyoxigraph | safe / raw ox | "
                  "without terms − raw ox | guard | raw rdflib | safe / rdflib | rdflib rows |"),
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            if r.get("safe") is None:
                lines.append(f"| {r['name']} | | {r.get('note')} | | | | | {ms(r['guard'])} | | | |")
                continue
            rd = r.get("rdflib")
            rd_text = ms(rd) if rd is not None else r.get("rdflib_status", "not run")
            slower = rd is not None and r["safe"] > rd
            name = f"**{r['name']}**" if slower else r["name"]
            rows_text = f"{r['rows']:,}{'+' if r['truncated'] else ''}"
            rd_rows = r.get("rdflib_rows")
            rd_rows_text = "" if rd_rows is None else (
                f"{rd_rows:,}" if rd_rows == r["rows"] or r["truncated"] else f"{rd_rows:,} (differs)")
            lines.append(f"| {name} | {rows_text} | {ms(r['safe'])} | {ms(r['layers'])} | "
                         f"{ms(r['raw_ox'])} | {ratio(r['safe'], r['raw_ox'])} | "
                         f"{ms(r['layers'] - r['raw_ox'])} | {ms(r['guard'])} | {rd_text} | "
                         f"{ratio(r['safe'], rd)} | {rd_rows_text} |")
        lines.append("")

    lines += ["## 5. render: generation, file size, time to interactive in headless Chromium", "",
              ("`Lineage.open(data=[file]).render()` (the whole graph, in memory) of synthetic graphs "
              "of 1k, 5k and 20k institutions. Browser: Debian Chromium via playwright "
              f"(`{' '.join(CHROMIUM_ARGS)}`), page loaded from file:// with every other request "
              "blocked; time from navigation until `body[data-ready]` (the view's `markReady`, "
              "after vis-network's first `afterDrawing`) and the graph canvas has non-transparent "
              "pixels; fresh browser context per load, median after one warm-up load."), ""]
    if b.render_note:
        lines += [f"Browser: {b.render_note}", ""]
    lines += [("| institutions | nodes | edges | generation | HTML size | ready and drawn | "
              "page clock: DOM ready | page clock: view ready | pixels drawn | requests blocked "
              "| CPU stolen by the host |"),
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in b.renders:
        lines.append(f"| {r['size']:,} | {r['nodes']:,} | {r['edges']:,} | {ms(r['generate'])} | "
                     f"{r['bytes'] / 1e6:.1f} MB | {ms(r.get('ready'))} | {ms(r.get('dcl'))} | "
                     f"{ms(r.get('page_ready'))} | "
                     f"{r.get('drawn', 'n/a'):,} | {r.get('blocked', 'n/a')} | "
                     f"{stolen_text(r.get('stolen'))} |"
                     if r.get("ready") is not None else
                     f"| {r['size']:,} | {r['nodes']:,} | {r['edges']:,} | {ms(r['generate'])} | "
                     f"{r['bytes'] / 1e6:.1f} MB | skipped | | | | | |")

    lines += ["", "## 6. The CLI on the bundled graph (in memory), end to end", "",
              "| command | seconds | vs `import lineage` | runs |", "|---|---:|---:|---:|"]
    for c in b.cli:
        lines.append(f"| `{c['command']}` | {ms(c['seconds'])} | "
                     f"{ratio(c['seconds'], b.floors['import lineage'])} | {c['runs']} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--rdflib-worker"]:
        rdflib_worker(argv[1])
        return 0
    if argv[:1] == ["--import-worker"]:
        import_worker(*argv[1:4])
        return 0
    parser = argparse.ArgumentParser(description="lineage benchmarks; see README.md")
    parser.add_argument("--quick", action="store_true", help="1k and 10k only (a few minutes)")
    parser.add_argument("--sizes", nargs="+", type=parse_size,
                        help="institution counts, e.g. 1k 10k 100k 300k")
    parser.add_argument("--render-sizes", nargs="+", type=parse_size, default=[1000, 5000, 20000],
                        help="institution counts of the rendered views (default 1k 5k 20k)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rdflib-max", type=parse_size, default=None,
                        help="largest size at which raw rdflib runs (default 100k: at 300k "
                             "its parse alone takes minutes and gigabytes; in --quick, 10k)")
    parser.add_argument("--rdflib-timeout", type=float, default=None,
                        help="seconds per raw rdflib query before it is reported as a timeout "
                             "(default 30; in --quick, 3)")
    parser.add_argument("--validate-timeout", type=float, default=900,
                        help="seconds for the import with SHACL validation (full run, 1k only)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--workdir", help="where graphs and stores go (default: a new temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    args.sizes_given = args.sizes is not None
    if args.sizes is None:
        args.sizes = [1000, 10_000] if args.quick else [1000, 10_000, 100_000, 300_000]
    args.sizes = sorted(set(args.sizes))
    if args.rdflib_max is None:
        args.rdflib_max = 10_000 if args.quick else min(max(args.sizes), 100_000)
    if args.rdflib_timeout is None:
        args.rdflib_timeout = 3 if args.quick else 30

    started = time.perf_counter()
    load_start = load_average()
    info = machine()
    start_speed = core_speed()
    info["speed"] = f"{ms(start_speed)} / -"
    bench = Bench(args)
    say(f"lineage benchmarks: sizes {', '.join(size_label(s) for s in args.sizes)}; "
        f"work directory {bench.work}")
    say(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']}, "
        f"pyoxigraph {info['pyoxigraph']}, rdflib {info['rdflib']}; load average {load_start}")
    try:
        say("\n3/6. floors: importing the package")
        bench.floors_e2e()
        for n in args.sizes:
            say(f"\n== {size_label(n)} institutions ==")
            say("1. import")
            bench.import_(n)
            say("2. trace (library, warm)")
            bench.trace(n)
            say("3. trace end to end")
            bench.trace_e2e(n)
            say("4. canned queries")
            bench.queries_at(n)
            write_results(bench, info, started, (load_start, load_average()), Path(args.output))
        if not args.quick and 1000 in args.sizes:
            say("\n1b. import with validation (reported separately)")
            bench.import_validated(1000)
        say("\n5. render")
        bench.renders_all()
        say("\n6. the CLI on the bundled graph")
        bench.cli_bundled()
    finally:
        say("\ntargets:")
        for target, measured, goal, result in targets(bench):
            say(f"  {target}: {measured} (goal: {goal}) -> {result}")
        output = Path(args.output)
        info["speed"] = f"{ms(start_speed)} / {ms(core_speed())}"
        digest_end = machine()["lineage"]
        if digest_end != info["lineage"]:
            info["lineage"] += f"; **changed during the run**, at the end: {digest_end}"
            say(f"warning: lineage/ changed during the run ({digest_end})")
        write_results(bench, info, started, (load_start, load_average()), output)
        say(f"\nwrote {output} ({(time.perf_counter() - started) / 60:.1f} min)")
        if not args.keep and not args.workdir:
            shutil.rmtree(bench.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
