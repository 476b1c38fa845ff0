"""Benchmark: `missionkg build` end to end against a straight pyoxigraph bulk load of the same triples, in one run.

    python bench/ingest.py [--sizes 10000 100000] [--seed 1] [--keep DIR] [--profile N]

For each size, invented releases (`ingest.demo`, publisher shapes mixed) are written to a .jsonl.gz file, then:
  build     `ingest.build.build` on that file into an empty data dir, every post-ingest stage skipped (they
            have their own benchmarks): read, validate, stage in SQLite, compile, map, load, summary.
  baseline  the store the build made, dumped to N-Quads (not timed), bulk-loaded into an empty store with
            `Store.bulk_load` and flushed: the floor for writing those triples at all.
Each step runs in its own subprocess, which reports its wall time, CPU time (user + system, all threads) and
peak RSS (`ru_maxrss`, also of the mapping workers a large build starts). The machine is shared, so ratios are taken within one run and CPU seconds are shown
beside wall seconds. With --profile N, the build of the first size also runs under cProfile and the N
costliest functions (by own time) are printed, from an extra run (not the one timed) that maps in-process.
Goals (2 cores): >= 2,000 releases/s end to end; build <= 3x the baseline; peak RSS not growing with N.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _usage() -> tuple[float, float, float]:
    """CPU seconds of this process and its ended children, and the peak RSS (MiB) of each (Linux: ru_maxrss in KiB)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return cpu, own.ru_maxrss / 1024, children.ru_maxrss / 1024


def child_build(source: str, data_dir: str, profile: int) -> dict[str, Any]:
    """Run one build in this process and report its figures."""
    from ingest.build import build
    from ingest.stages import STAGES
    from kg.settings import Settings

    settings = Settings(data_dir=Path(data_dir))
    skip = frozenset(name for name, _ in STAGES)
    cpu0, _, _ = _usage()
    started = time.perf_counter()
    if profile:
        import cProfile

        import ingest.pipeline

        ingest.pipeline.PARALLEL_MIN = sys.maxsize  # map in this process, where the profiler sees it
        import io
        import pstats

        profiler = cProfile.Profile()
        summary = profiler.runcall(build, settings, [source], skip_stages=skip)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(profile)
        sys.stderr.write(out.getvalue())
    else:
        summary = build(settings, [source], skip_stages=skip)
    seconds = time.perf_counter() - started
    cpu1, rss, worker_rss = _usage()  # mapping workers (large builds) have ended and been waited for by now
    return {"seconds": seconds, "cpu": cpu1 - cpu0, "rss_mb": rss, "worker_rss_mb": worker_rss, "summary": summary.as_dict()}


def child_load(nquads: str, store_dir: str) -> dict[str, Any]:
    """Bulk-load an N-Quads file into an empty on-disk store, as fast as pyoxigraph goes."""
    import pyoxigraph as ox

    cpu0, _, _ = _usage()
    started = time.perf_counter()
    store = ox.Store(store_dir)
    store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    cpu1, rss, _ = _usage()
    return {"seconds": seconds, "cpu": cpu1 - cpu0, "rss_mb": rss, "quads": len(store)}


def _run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {args[0]} failed (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _dump(store_dir: Path, target: Path) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    with target.open("wb") as handle:
        store.dump(handle, format=ox.RdfFormat.N_QUADS)


def run_size(n: int, seed: int, work: Path, profile: int) -> dict[str, Any]:
    from ingest.demo import write_demo

    source = work / f"demo-{n}.jsonl.gz"
    if not source.exists():
        write_demo(source, n, seed)
    data_dir = work / f"build-{n}"
    if profile:  # a separate run: the profiler slows the build down, so it is not the one timed
        shutil.rmtree(data_dir, ignore_errors=True)
        _run_child("build", str(source), str(data_dir), str(profile))
    shutil.rmtree(data_dir, ignore_errors=True)
    build = _run_child("build", str(source), str(data_dir), "0")
    nquads = work / f"build-{n}.nq"
    _dump(data_dir / "store", nquads)
    store_dir = work / f"baseline-{n}"
    shutil.rmtree(store_dir, ignore_errors=True)
    load = _run_child("load", str(nquads), str(store_dir))
    if load["quads"] != build["summary"]["triples"]:
        raise SystemExit(f"baseline loaded {load['quads']} quads, the build wrote {build['summary']['triples']}")
    nquads.unlink()
    shutil.rmtree(store_dir, ignore_errors=True)
    return {"n": n, "build": build, "load": load}


def report(rows: list[dict[str, Any]]) -> None:
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    head = (
        f"{'releases':>9} {'processes':>9} {'triples':>9} | {'build s':>8} {'cpu s':>7} {'rel/s':>7} {'triples/s':>9} "
        f"{'RSS MiB':>7} {'worker':>6} | {'load s':>7} {'cpu s':>7} {'RSS MiB':>7} | {'x wall':>6} {'x cpu':>6}"
    )
    print(head)
    print("-" * len(head))
    for row in rows:
        b, load, s = row["build"], row["load"], row["build"]["summary"]
        print(
            f"{row['n']:>9,} {s['processes']:>9,} {s['triples']:>9,} | {b['seconds']:>8.1f} {b['cpu']:>7.1f} "
            f"{row['n'] / b['seconds']:>7,.0f} {s['triples'] / b['seconds']:>9,.0f} {b['rss_mb']:>7.0f} "
            f"{b['worker_rss_mb']:>6.0f} | "
            f"{load['seconds']:>7.1f} {load['cpu']:>7.1f} {load['rss_mb']:>7.0f} | "
            f"{b['seconds'] / load['seconds']:>6.2f} {b['cpu'] / load['cpu']:>6.2f}"
        )
    print("cpu s: user + system of every thread and worker process; RSS: peak of the build process, and of its largest")
    print("mapping worker (0: mapped in-process); x wall, x cpu: build over the baseline load of the same quads (goal <= 3)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        step, *args = sys.argv[2:]
        figures = child_build(args[0], args[1], int(args[2])) if step == "build" else child_load(*args)
        print(json.dumps(figures))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work directory to keep (inputs are reused); a temporary one otherwise")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile the first size's build; print N rows")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="missionkg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = [run_size(n, args.seed, work, args.profile if i == 0 else 0) for i, n in enumerate(args.sizes)]
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    report(rows)


if __name__ == "__main__":
    main()
