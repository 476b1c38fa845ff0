"""Load figures for the web service: requests/s and p50/p95 latency per route, from concurrent keep-alive clients.

    python bench/api_load.py                       # 10k generated processes, 8 clients, 30 s per route
    python bench/api_load.py --processes 2000 --seconds 5 --data-dir /tmp/graph   # quicker; reuses the graph

A graph of invented notices is built once (kept under --data-dir), given stand-in alignments (the
test suite's, until the alignment stage lands) so mission routes and named queries have work to do,
and served by `missionkg serve` (uvicorn) on a loopback port. Clients run in this process's threads
on the same machine, so the server shares the CPU with them: figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # run from a checkout: the project, and the tests' stand-in alignments


def build_graph(data_dir: Path, processes: int) -> None:
    """Invented releases → graph, plus stand-in alignments, unless the data dir already has a store."""
    from ingest.build import build
    from ingest.demo import write_demo
    from kg.settings import Settings
    from kg.store import OxigraphStore

    settings = Settings(data_dir=data_dir)
    if settings.store_dir.exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    write_demo(data_dir / "demo.jsonl", int(processes * 1.3), seed=7)  # ~1.3 releases per process in the generator
    summary = build(settings, [str(data_dir / "demo.jsonl")], skip_stages=frozenset({"align"}))
    from test_api import add_alignments

    store = OxigraphStore(settings.store_dir)
    add_alignments(store)
    store.close()
    print(f"built {summary.processes:,} processes, {summary.triples:,} triples in {time.monotonic() - started:.0f} s", file=sys.stderr)


def ocids(data_dir: Path, n: int) -> list[str]:
    """A sample of OCIDs to ask for."""
    from kg.settings import Settings
    from kg.store import open_store

    store = open_store(Settings(data_dir=data_dir), read_only=True)
    return store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }", max_rows=n).column("o")


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`missionkg serve` on a free loopback port, once /readyz answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MISSIONKG_SPARQL_WORKERS": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not become ready")


def hammer(port: int, paths: list[str], clients: int, seconds: float) -> dict[str, float]:
    """`clients` threads, each with one keep-alive connection, GET random paths for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", rng.choice(paths), headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            failed += response.status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "errors": errors[0], "req_per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 1), "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the graph, serve it, and print one line of figures per route."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=10_000, help="processes in the generated graph")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of load per route")
    parser.add_argument("--data-dir", type=Path, help="where to build (or find) the graph; a temporary dir if absent")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="missionkg-bench-"))
    build_graph(data_dir, args.processes)
    from kg.queries import named_query

    sample = ocids(data_dir, 2000)
    named = named_query("spend-per-mission-per-year").text
    routes = {
        "GET /api/v1/contracts/{ocid}": [f"/api/v1/contracts/{quote(o)}" for o in sample],
        "GET /api/v1/missions/{id}/contracts": [f"/api/v1/missions/{m}/contracts?limit=20" for m in ("growth", "health", "opportunity")],
        "GET /sparql (spend-per-mission-per-year)": ["/sparql?" + urlencode({"query": named})],
    }
    server, port = start_server(data_dir)
    try:
        for paths in routes.values():  # warm the store cache and the SPARQL workers
            hammer(port, paths, 2, 1.0)
        print(f"{len(sample):,} OCIDs sampled; {args.clients} clients x {args.seconds:g} s per route; data dir {data_dir}")
        for name, paths in routes.items():
            figures = hammer(port, paths, args.clients, args.seconds)
            print(f"{name:45} {json.dumps(figures)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
