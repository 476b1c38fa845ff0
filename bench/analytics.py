"""Benchmark: analytics projections and metrics against the projection's SPARQL alone, in one run.

    python bench/analytics.py [--sizes 10000 100000] [--mission health] [--store-dir DIR]

Graphs hold generated processes (`ingest.demo.generate_labelled`, invented notices). They are built
with pyoxigraph directly: each OCID's releases are compiled and mapped by `ingest.mapping`, then
bulk-loaded, skipping the staging SQLite of `missionkg build` (which takes ~6 min at 100k here).
Alignments stand in for the alignment stage: the generator's own label gives `mkg:advances` and one
`mkg:Alignment` per process whose outcome is the notice template (a stand-in outcome area).
With --store-dir, built stores are kept and reused by later runs.
Goal: every metric for one mission at 100k processes in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.compile import compile_releases
from ingest.demo import generate_labelled
from ingest.mapping import ReleaseInfo, map_process
from kg import analytics
from kg.analytics import metrics, projections
from kg.namespaces import GRAPH_ALIGNMENTS, ID, MKG, RDF_TYPE, XSD, mission_iri, outcome_iri, process_iri
from kg.store import OxigraphStore

_SCORE = ox.Literal("0.9", datatype=XSD.decimal)


def _alignment_quads(ocid: str, mission: str, template: str) -> Iterator[ox.Quad]:
    process = process_iri(ocid)
    node = ox.NamedNode(f"{ID}alignment/{process.value.rsplit('/', 1)[1]}/{mission}")
    yield ox.Quad(process, MKG.advances, mission_iri(mission), GRAPH_ALIGNMENTS)
    yield ox.Quad(node, RDF_TYPE, MKG.Alignment, GRAPH_ALIGNMENTS)
    yield ox.Quad(node, MKG.alignedProcess, process, GRAPH_ALIGNMENTS)
    yield ox.Quad(node, MKG.mission, mission_iri(mission), GRAPH_ALIGNMENTS)
    yield ox.Quad(node, MKG.outcome, outcome_iri(mission, template), GRAPH_ALIGNMENTS)
    yield ox.Quad(node, MKG.score, _SCORE, GRAPH_ALIGNMENTS)


def build_store(n: int, path: Path) -> float:
    """Write a store of `n` generated processes with stand-in alignments at `path`; returns seconds."""
    started = time.monotonic()
    releases: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, Any] = {}
    for label, release in generate_labelled(int(n * 1.4), seed=0):
        ocid = release["ocid"]
        if ocid not in releases:
            if len(releases) >= n:
                continue
            releases[ocid], labels[ocid] = [], label
        releases[ocid].append(release)
    store = ox.Store(str(path))
    batch: list[ox.Quad] = []
    for ocid, group in releases.items():
        history = [ReleaseInfo(r["id"], r.get("date"), tuple(r.get("tag") or ()), "bench", None) for r in group]
        batch.extend(map_process(compile_releases(group), history).quads)
        if labels[ocid].mission != "none":
            batch.extend(_alignment_quads(ocid, labels[ocid].mission, labels[ocid].template))
        if len(batch) >= 500_000:
            store.bulk_extend(batch)
            batch = []
    store.bulk_extend(batch)
    store.flush()
    del store
    return time.monotonic() - started


Timing = tuple[float, float]  # wall seconds, CPU seconds of this process


def timed(run: Callable[[], Any], repeat: int = 1) -> tuple[Timing, Any]:
    """Best (wall, CPU) seconds of `repeat` runs, and the last result."""
    best, result = (float("inf"), float("inf")), None
    for _ in range(repeat):
        wall, cpu = time.monotonic(), time.process_time()
        result = run()
        best = min(best, (time.monotonic() - wall, time.process_time() - cpu))
    return best, result


def _sparql_alone(store: OxigraphStore, query: str) -> Timing:
    """Seconds to run a projection's SPARQL and read its rows, nothing else."""
    return timed(lambda: store.select(query, max_rows=projections.ROW_CAP), repeat=2)[0]


Step = tuple[str, Timing, Timing | None]


def run_size(store: OxigraphStore, mission: str) -> list[Step]:
    """(step, its time, the time of its SPARQL alone) for every projection and metric of one mission."""
    scope = analytics.Scope(mission=mission)
    steps: list[Step] = []
    seconds, market = timed(lambda: analytics.load_market(store, scope), repeat=2)
    steps.append(("projection: market (awards + names)", seconds, _sparql_alone(store, projections.market_query(scope))))
    seconds, graph = timed(market.graph)  # built once here, then reused by the metrics
    steps.append((f"projection: buyer–supplier graph ({graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges)", seconds, None))
    for name, run, query in (
        ("projection: co-award graph", lambda: analytics.co_award_graph(store, scope), projections.co_award_query(scope)),
        ("projection: mission graph", lambda: analytics.mission_graph(store, scope), projections.mission_graph_query(scope)),
    ):
        steps.append((name, timed(run)[0], _sparql_alone(store, query)))
    metric_steps: list[tuple[str, Callable[[], Any]]] = [
        *((f"metric: concentration by {g}", lambda g=g: metrics.concentration(market, g)) for g in ("year", "outcome", "cpv", "buyer")),
        *((f"metric: SME/VCSE share by {g}", lambda g=g: metrics.sme_share(market, g)) for g in ("year", "outcome")),
        ("metric: suppliers + centrality (betweenness k=100)", lambda: metrics.suppliers(market)),
        ("metric: Louvain communities", lambda: metrics.communities(market)),
    ]
    for name, run in metric_steps:
        steps.append((name, timed(run)[0], None))
    top = metrics.suppliers(market, top=1, samples=8)[0]["supplier"]
    steps.append(("metric: supplier → mission paths (top supplier)", timed(lambda: analytics.supplier_paths(store, top, mission))[0], None))
    return steps


def _report(steps: list[Step], mission: str) -> None:
    print(f"  {'step':<62} {'wall s':>7} {'cpu s':>6} {'SPARQL alone wall/cpu':>22} {'ratio':>6}")
    for name, (wall, cpu), sparql in steps:
        extra = f"{sparql[0]:>14.2f} {sparql[1]:>7.2f} {wall / sparql[0]:>6.2f}" if sparql else ""
        print(f"  {name:<62} {wall:>7.2f} {cpu:>6.2f} {extra}")
    wall, cpu = (sum(t[i] for name, t, _ in steps if not name.startswith(("projection: co-award", "projection: mission"))) for i in (0, 1))
    verdict = "meets" if wall <= 10 else "misses"
    print(f"  every metric for mission {mission!r} (market, graph, metrics, path): {wall:.2f} s wall, {cpu:.2f} s CPU — {verdict} the 10 s goal")


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) each graph, time projections and metrics for one mission, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--mission", default="health")
    parser.add_argument("--store-dir", type=Path, help="keep built stores here and reuse them")
    args = parser.parse_args(argv)
    if args.store_dir:
        args.store_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="missionkg-bench-") as scratch:
        for n in args.sizes:
            path = (args.store_dir or Path(scratch)) / f"store-{n}"
            built = build_store(n, path) if not path.exists() else None
            store = OxigraphStore(path, read_only=True)
            load = os.getloadavg()[0]
            print(f"\n{n:,} processes, {store.count_quads():,} quads" + (f" (built in {built:.0f} s)" if built else " (reused)")
                  + f"; load average {load:.1f} on {os.cpu_count()} CPUs")
            steps = run_size(store, args.mission)
            _report(steps, args.mission)
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
