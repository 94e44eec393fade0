"""`lineage serve` side by side with the engine's own server (`oxigraph serve-read-only`).

Both serve the same data on loopback; the same client sends the same point query (one label
lookup) as SPARQL Protocol POSTs, one after another and from 8 concurrent clients, over a
kept-alive connection and over a new connection per request. Prints figures and ratios;
asserts nothing. Usage:

    python benchmarks/serve.py                 # the bundled graph and 100k institutions
    python benchmarks/serve.py --sizes bundled # the bundled graph only (under a minute)
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BIN = Path(sys.executable).parent
QUERIES = {
    "bundled": 'SELECT ?x WHERE { ?x rdfs:label "National Wheat Engineering Technology '
               'Research Center"@en }',
    "synthetic": None,  # filled from the generator's probe institution
}
PROLOGUE = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def post(conn: http.client.HTTPConnection, path: str, query: str) -> None:
    body = urllib.parse.urlencode({"query": query})
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      "Accept": "application/sparql-results+json",
                                      "Host": "localhost"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {data[:200]!r}")


def sequential(port: int, path: str, query: str, requests: int, keep_alive: bool) -> list[float]:
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(requests):
        if not keep_alive:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.perf_counter()
        post(conn, path, query)
        times.append(time.perf_counter() - started)
        if not keep_alive:
            conn.close()
    conn.close()
    return times


def concurrent(port: int, path: str, query: str, clients: int, seconds: float) -> float:
    """Requests per second from `clients` threads, each on its own kept-alive connection."""
    done, stop = [0] * clients, time.monotonic() + seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            post(conn, path, query)
            done[index] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def measure(name: str, port: int, path: str, query: str, requests: int) -> dict:
    sequential(port, path, query, 20, True)  # warm up: workers started, caches filled
    row = {"server": name}
    for keep_alive in (True, False):
        times = sequential(port, path, query, requests, keep_alive)
        key = "keep" if keep_alive else "new"
        row[key] = statistics.median(times)
        row[key + "_p95"] = sorted(times)[int(0.95 * len(times)) - 1]
    row["rps8"] = concurrent(port, path, query, 8, 5.0)
    return row


def data_for(size: str, work: Path) -> tuple[Path, str]:
    """An N-Quads-like dump of the data and the point query for it."""
    if size == "bundled":
        dump = work / "bundled.trig"
        subprocess.run([str(BIN / "lineage"), "export", "--format", "trig", "-o", str(dump)],
                       check=True, capture_output=True)
        return dump, QUERIES["bundled"]
    import generate

    count = int(size.rstrip("k")) * 1000 if size.endswith("k") else int(size)
    dump = work / f"synthetic-{size}.nt"
    generate.generate(count, 1, dump)
    probe = generate.PROBE_ROOT
    return dump, f'SELECT ?l WHERE {{ <{probe}> rdfs:label ?l }}'


def run_size(size: str, work: Path, requests: int) -> list[dict]:
    dump, query = data_for(size, work)
    rows = []
    ox_dir, lin_dir = work / f"ox-{size}", work / f"lin-{size}"
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file",
                    str(dump)] + (["--graph", "urn:x-bench:data"] if dump.suffix == ".nt" else []),
                   check=True, capture_output=True)
    port = free_port()
    ox = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(ox_dir),
                           "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, ox)
        rows.append(measure("oxigraph serve-read-only", port, "/query", PROLOGUE + query, requests))
    finally:
        ox.terminate()
        ox.wait()
    store = ["--store", f"oxigraph:{lin_dir}"] if size != "bundled" else []
    if store:
        subprocess.run([str(BIN / "lineage"), *store, "import", "--no-validate", str(dump)],
                       check=True, capture_output=True)
    for label, args in (("lineage serve", store),):
        port = free_port()
        server = subprocess.Popen([str(BIN / "lineage"), *args, "serve", "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(port, server)
            rows.append(measure(label + (" (oxigraph:DIR)" if store else " (memory)"), port,
                                "/sparql", query, requests))
        finally:
            server.terminate()
            server.wait()
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def report(size: str, rows: list[dict]) -> None:
    base = rows[0]
    print(f"\n== {size} ==")
    print(f"{'server':40} {'keep-alive':>12} {'p95':>10} {'new conn':>12} {'8 clients':>14}")
    for row in rows:
        print(f"{row['server']:40} {ms(row['keep']):>12} {ms(row['keep_p95']):>10} "
              f"{ms(row['new']):>12} {row['rps8']:>10.0f} r/s")
    for row in rows[1:]:
        print(f"  {row['server']} / {base['server']}: keep-alive {row['keep'] / base['keep']:.2f}x, "
              f"new connection {row['new'] / base['new']:.2f}x, 8 clients "
              f"{base['rps8'] / row['rps8']:.2f}x fewer requests/s (target: within 2x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["bundled", "100k"])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()}")
    work = Path(tempfile.mkdtemp(prefix="lineage-serve-bench-"))
    try:
        for size in args.sizes:
            report(size, run_size(size, work, args.requests))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
