"""Load figures for the web service: requests/s and p50/p95 latency per route, from concurrent keep-alive clients.

    python bench/api_load.py                       # 10k generated processes, 8 clients, 30 s per route
    python bench/api_load.py --processes 2000 --seconds 5 --data-dir /tmp/graph   # quicker; reuses the graph

A graph of invented notices is built once (kept under --data-dir) with every build stage: identity
matching, mission alignment and the search index. The model never embeds the invented notices: each text
the aligner and the indexer ask for first gets a random unit vector in the data dir's embedding cache
(see build_graph). The graph is served by `missionkg serve --workers N` (uvicorn; one worker per core by
default) on a loopback port, and the load starts once every worker has started. The clients run in this
process's threads on the same machine, so the server shares the CPU with them: figures are a floor.
The first line is GET /healthz under the same load, the server's floor (routing, middleware, HTTP); each
route's `of_baseline` is its req/s over that one's, a ratio that shifts less than req/s on a shared machine.

Search load: the 40 analyst and supplier queries of tests/data/search_queries.jsonl, each asked as written,
prefixed ("tender for", "contract for", "supplier of") and placed ("in Wales", "London", ...): 4,000 distinct
texts, sent in a shuffled order so that no text repeats until all have been sent. Two in five requests are
unfiltered; the rest filter by mission, status=open, a CPV division, or mission and status together. Every
request's query is embedded by the real MiniLM model in the server (kg.query_encoder: concurrent queries
share one model call, recent ones are remembered in memory); a text would be remembered only if it came
again in the same run, and the line printed for search counts such repeats.
(Ranking against random document vectors means nothing, but it costs what ranking against real ones does.)
"""

from __future__ import annotations

import argparse
import http.client
import itertools
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
sys.path[:0] = [str(REPO), str(REPO / "bench")]  # run from a checkout: the project, and the other benches' helpers
QUERIES = REPO / "tests" / "data" / "search_queries.jsonl"
# Measured first, in the same run: the server's floor (routing, middleware, HTTP), which each route's req/s is divided by.
BASELINE = "GET /healthz (baseline)"
# A CPV division per mission for filtered searches: works, energy, security equipment, education, health.
CPV_DIVISIONS = {"growth": "45", "clean-energy": "09", "safer-streets": "35", "opportunity": "80", "health": "85"}


def build_graph(data_dir: Path, processes: int) -> None:
    """Invented releases → graph → every build stage (organisations, align, index), unless the data dir has an index.

    Every text the aligner and the indexer will embed first gets a random unit vector in the data dir's
    embedding cache (bench/align.py's trick), so no stage runs the model on 10k invented notices.
    """
    from align import texts_asked
    from cached_vectors import cache_random_vectors

    from ingest.build import build
    from ingest.demo import write_demo
    from ingest.stages import STAGES, run_stages
    from kg.align import Aligner
    from kg.process_text import process_texts
    from kg.search.extract import DocRecord
    from kg.search.index import index_passages
    from kg.settings import Settings
    from kg.store import OxigraphStore

    settings = Settings(data_dir=data_dir)
    if (settings.index_dir / "meta.sqlite").exists():
        return
    if settings.store_dir.exists():
        raise SystemExit(f"{data_dir} holds a graph without a search index (built by an older bench): give a new --data-dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    write_demo(data_dir / "demo.jsonl", int(processes * 1.3), seed=7)  # ~1.3 releases per process in the generator
    summary = build(settings, [str(data_dir / "demo.jsonl")], skip_stages=frozenset(name for name, _ in STAGES))
    store = OxigraphStore(settings.store_dir)
    aligner = Aligner(settings)
    texts = list(process_texts(store))
    tokenizer = aligner.embedder.tokenizer
    indexed = (p for t in texts for p in index_passages(DocRecord(t.ocid, t.title, t.full_text), tokenizer))
    cached = cache_random_vectors(aligner.embedder, [*texts_asked(aligner, texts), *indexed])
    aligner.embedder.close()
    stages = run_stages(settings, store, [t.ocid for t in texts], lambda stage, done, total: None)
    triples = store.count_quads()
    store.close()
    print(f"built {summary.processes:,} processes, {triples:,} triples, {cached:,} texts given random vectors, "
          f"{stages['align']['embedded']} embedded by the model, {stages['index']['processes']:,} indexed "
          f"in {time.monotonic() - started:.0f} s", file=sys.stderr)


def ocids(data_dir: Path, n: int) -> list[str]:
    """A sample of OCIDs to ask for."""
    from kg.settings import Settings
    from kg.store import open_store

    store = open_store(Settings(data_dir=data_dir), read_only=True)
    return store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }", max_rows=n).column("o")


def search_paths(seed: int = 0) -> list[str]:
    """Every distinct search request of the load, shuffled: query texts with a realistic mix of filters."""
    from kg.jsonl import read_jsonl
    from kg.namespaces import MISSION_IDS
    from kg.search.extract import NUTS1

    rng = random.Random(seed)
    places = [f"{form}{name}" for name in NUTS1.values() for form in ("in ", "")]
    paths = []
    for _, written in read_jsonl(QUERIES):
        for prefix in ("", "tender for ", "contract for ", "supplier of "):
            for place in ("", *places):
                params: dict[str, str] = {"q": f"{prefix}{written['query']} {place}".strip()}
                kind, mission = rng.random(), rng.choice(MISSION_IDS)
                if kind >= 0.4:
                    params.update(
                        {"mission": mission} if kind < 0.6 else {"status": "open"} if kind < 0.8
                        else {"cpv": CPV_DIVISIONS[mission]} if kind < 0.9 else {"mission": mission, "status": "open"}
                    )
                paths.append("/api/v1/search?" + urlencode(params))
    rng.shuffle(paths)
    return paths


def start_server(data_dir: Path, workers: int, scratch: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`missionkg serve` on a free loopback port, logging to `scratch`, once every worker has started."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MISSIONKG_SPARQL_WORKERS": "2"}
    log = scratch / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    # Each worker accepts connections only once started: wait for all, or the clients' connections pile onto the first.
    for _ in range(600):
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            return process, port
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start:\n" + log.read_text(errors="replace")[-4000:])


class Route:
    """Paths of one route: drawn at random from `paths`, or (`in_order`) each in turn, so none repeats until all were sent."""

    def __init__(self, paths: list[str], in_order: bool = False) -> None:
        self.paths = paths
        self.in_order = in_order
        self.sent = itertools.count()

    def pick(self, rng: random.Random) -> str:
        """The next path to ask for."""
        return self.paths[next(self.sent) % len(self.paths)] if self.in_order else rng.choice(self.paths)

    def repeats(self) -> int:
        """Requests so far that repeated a path already sent in order (0 for random routes)."""
        sent = next(self.sent)
        return max(0, sent - len(self.paths)) if self.in_order else 0


def hammer(port: int, route: Route, clients: int, seconds: float) -> dict[str, float]:
    """`clients` threads, each with one keep-alive connection, GET the route's paths for `seconds`."""
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
            connection.request("GET", route.pick(rng), headers={"Accept-Encoding": "gzip"})
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
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes (missionkg serve --workers); one per core by default")
    parser.add_argument("--data-dir", type=Path, help="where to build (or find) the graph; a temporary dir if absent")
    args = parser.parse_args(argv)
    os.environ.pop("MISSIONKG_EMBEDDINGS_DB", None)  # random vectors go into the data dir's own cache, never a shared one
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="missionkg-bench-"))
    build_graph(data_dir, args.processes)
    from kg.queries import named_query

    sample = ocids(data_dir, 2000)
    named = named_query("spend-per-mission-per-year").text
    routes = {
        BASELINE: Route(["/healthz"]),
        "GET /api/v1/contracts/{ocid}": Route([f"/api/v1/contracts/{quote(o)}" for o in sample]),
        "GET /api/v1/search": Route(search_paths(), in_order=True),
        "GET /api/v1/missions/{id}/contracts": Route([f"/api/v1/missions/{m}/contracts?limit=20" for m in ("growth", "health", "opportunity")]),
        "GET /sparql (spend-per-mission-per-year)": Route(["/sparql?" + urlencode({"query": named})]),
    }
    scratch = tempfile.TemporaryDirectory(prefix="missionkg-serve-")
    server, port = start_server(data_dir, args.workers, Path(scratch.name))
    try:
        for route in routes.values():  # warm the store's caches, the model and the SPARQL workers in every server process
            hammer(port, route, args.clients, 2.0)
        print(f"{len(sample):,} OCIDs sampled; {len(routes['GET /api/v1/search'].paths):,} distinct search requests; "
              f"{args.clients} clients x {args.seconds:g} s per route; {args.workers} server worker(s); data dir {data_dir}")
        baseline = 0.0
        for name, route in routes.items():
            figures = hammer(port, route, args.clients, args.seconds)
            baseline = baseline or figures["req_per_s"]
            figures["of_baseline"] = round(figures["req_per_s"] / baseline, 3)
            if route.in_order:
                figures["repeated_queries"] = route.repeats()
            print(f"{name:45} {json.dumps(figures)}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
