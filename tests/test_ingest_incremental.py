"""Builds are incremental, idempotent and restartable: the same input twice leaves the same quads, a newer
release replaces its process's graph, and a build killed mid-run is finished by the next one."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from ingest.build import build
from ingest.demo import write_demo
from ingest.stages import STAGES
from kg.settings import Settings
from kg.store import open_store

FIXTURES = Path(__file__).parent / "data" / "ingest"
ALL_STAGES = frozenset(name for name, _ in STAGES)
ID = "https://w3id.org/missionkg/id/"
_BLANK = re.compile(r"_:[0-9A-Za-z]+")


def quads(settings: Settings) -> Counter[str]:
    """Every quad in the store as N-Quads text (blank-node labels, which each load mints anew, blanked out)."""
    store = open_store(settings, read_only=True)
    try:
        text = store.raw.dump(format=ox.RdfFormat.N_QUADS).decode()
    finally:
        store.close()
    return Counter(_BLANK.sub("_:b", line) for line in text.splitlines())


def process_quads(settings: Settings, ocid: str) -> set[str]:
    graph = f"<{ID}graph/process/{ocid}>"
    return {q for q in quads(settings) if q.endswith(f" {graph} .")}


def select(settings: Settings, query: str) -> list[dict]:
    store = open_store(settings, read_only=True)
    try:
        return store.select(query).rows
    finally:
        store.close()


def test_same_build_twice_leaves_the_same_quads_and_maps_nothing(settings):
    inputs = [str(FIXTURES / "notices.jsonl"), str(FIXTURES / "bad_lines.jsonl")]
    first = build(settings, inputs, skip_stages=ALL_STAGES)
    before = quads(settings)
    second = build(settings, inputs, skip_stages=ALL_STAGES)
    assert quads(settings) == before
    assert (first.processes_mapped, second.processes_mapped) == (5, 0)
    assert second.releases_duplicate == second.releases_loaded == first.releases_loaded == 6
    assert (second.triples, second.processes, second.releases_quarantined) == (first.triples, first.processes, 7)
    # the quarantine is rewritten for the sources read, not appended to
    assert len(settings.quarantine_path.read_text().splitlines()) == 7


def test_processes_written_by_other_mapping_code_are_mapped_again(settings, monkeypatch):
    import ingest.build

    inputs = [str(FIXTURES / "notices.jsonl")]
    first = build(settings, inputs, skip_stages=ALL_STAGES)
    before = quads(settings)
    assert (first.processes_mapped, first.processes_remapped) == (3, 0)
    monkeypatch.setattr(ingest.build, "mapping_version", lambda: "another-version")  # as after an upgrade
    upgraded = build(settings, inputs, skip_stages=ALL_STAGES)
    assert (upgraded.processes_remapped, upgraded.processes_mapped) == (3, 3) and quads(settings) == before
    assert build(settings, inputs, skip_stages=ALL_STAGES).processes_mapped == 0  # once
    with sqlite3.connect(settings.releases_db) as db:  # a store staged before versions were recorded
        db.execute("DELETE FROM meta")
    assert build(settings, inputs, skip_stages=ALL_STAGES).processes_remapped == 3


def test_a_build_stopped_between_batches_ends_with_the_cpv_concepts_of_an_uninterrupted_one(settings, monkeypatch):
    from ingest import pipeline

    fresh = Settings(data_dir=settings.data_dir / "fresh")
    build(fresh, [str(FIXTURES / "notices.jsonl")], skip_stages=ALL_STAGES)
    concepts = f"SELECT ?c ?l WHERE {{ GRAPH <{ID}graph/vocab/cpv> {{ ?c skos:notation ?n OPTIONAL {{ ?c skos:prefLabel ?l }} }} }}"
    described = {(row["c"], row["l"]) for row in select(fresh, concepts)}
    loaded, load = [], pipeline.load_batch

    def stopping(store, stale, nquads):
        if len(loaded) == 2:
            raise KeyboardInterrupt
        loaded.append(nquads)
        load(store, stale, nquads)

    monkeypatch.setattr(pipeline, "MAP_BATCH", 1)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN", 10**9)
    monkeypatch.setattr(pipeline, "load_batch", stopping)
    with pytest.raises(KeyboardInterrupt):
        build(settings, [str(FIXTURES / "notices.jsonl")], skip_stages=ALL_STAGES)
    monkeypatch.undo()
    stopped = {(row["c"], row["l"]) for row in select(settings, concepts)}
    assert len(loaded) == 2 and stopped and stopped <= described  # the loaded batches came with their codes' concepts
    again = build(settings, [str(FIXTURES / "notices.jsonl")], skip_stages=ALL_STAGES)
    assert again.processes_mapped < 3  # a batch was clean before the stop, and is not mapped again
    assert {(row["c"], row["l"]) for row in select(settings, concepts)} == described


def test_a_newer_release_replaces_its_process_graph(settings):
    build(settings, [str(FIXTURES / "notices.jsonl")], skip_stages=ALL_STAGES)
    untouched = {ocid: process_quads(settings, ocid) for ocid in ("ocds-mkgtest-001", "ocds-mkgtest-003")}
    summary = build(settings, [str(FIXTURES / "update.jsonl")], skip_stages=ALL_STAGES)
    assert (summary.releases_loaded, summary.processes_mapped, summary.processes) == (1, 1, 3)
    process = f"<{ID}process/ocds-mkgtest-002>"
    titles = [row["t"] for row in select(settings, f"SELECT ?t WHERE {{ {process} dcterms:title ?t }}")]
    assert titles == ["Grounds and Verge Maintenance"]  # the old title is gone, not kept beside the new one
    tender_titles = [row["t"] for row in select(settings, f"SELECT ?t WHERE {{ {process} mkg:hasTender/dcterms:title ?t }}")]
    assert tender_titles == ["Grounds and Verge Maintenance"]
    releases = sorted(row["r"] for row in select(settings, f"SELECT ?r WHERE {{ {process} mkg:hasRelease/mkg:releaseId ?r }}"))
    assert releases == ["002-award", "002-award-corrected"]
    # facts only the older release gave are still merged in (OCDS compiling), from the one graph
    suppliers = select(settings, f"SELECT (COUNT(?s) AS ?n) WHERE {{ {process} mkg:hasAward/mkg:supplier ?s }}")
    assert suppliers == [{"n": 2}]
    assert {ocid: process_quads(settings, ocid) for ocid in untouched} == untouched


def _states(db: Path) -> Counter[int]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return Counter(state for (state,) in conn.execute("SELECT state FROM processes"))
    except sqlite3.Error:  # not created yet, or busy
        return Counter()


def test_a_build_killed_mid_run_is_finished_by_the_next_one(tmp_path):
    source = tmp_path / "demo.jsonl.gz"
    write_demo(source, 2000, seed=11)
    reference = Settings(data_dir=tmp_path / "reference")
    build(reference, [str(source)], skip_stages=ALL_STAGES)

    data_dir = tmp_path / "killed"
    # `missionkg build` itself, with batches of 300 processes (not 2,000) so that a kill lands between batches
    launcher = "import sys, ingest.pipeline, kg.cli; ingest.pipeline.MAP_BATCH = 300; sys.argv[0] = 'missionkg'; kg.cli.main()"
    command = [sys.executable, "-c", launcher, "build", str(source), "--data-dir", str(data_dir)]
    command += [arg for name, _ in STAGES for arg in ("--skip", name)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    seen: Counter[int] = Counter()
    try:
        # kill -9 once one batch is written (CLEAN) while others are not: the store holds part of the graph
        while proc.poll() is None and time.monotonic() < deadline:
            seen = _states(data_dir / "releases.sqlite")
            if seen[2] and (seen[0] or seen[1]):
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build ended before it could be interrupted"
    at_kill = _states(data_dir / "releases.sqlite")
    assert at_kill[2] and (at_kill[0] or at_kill[1])

    rerun = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["processes_mapped"] == at_kill[0] + at_kill[1]  # only what was not yet written
    assert quads(Settings(data_dir=data_dir)) == quads(reference)


def test_mapping_in_worker_processes_writes_the_same_quads(tmp_path, monkeypatch):
    """Large builds map in a pool of worker processes; the graph is the one mapping in-process gives."""
    import tempfile

    import ingest.pipeline

    source = tmp_path / "demo.jsonl.gz"
    write_demo(source, 1200, seed=5)
    monkeypatch.setattr(ingest.pipeline, "MAP_BATCH", 250)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    graphs = {}
    for name, parallel_min in (("inline", 10**9), ("workers", 0)):
        monkeypatch.setattr(ingest.pipeline, "PARALLEL_MIN", parallel_min)
        settings = Settings(data_dir=tmp_path / name)
        summary = build(settings, [str(source)], skip_stages=ALL_STAGES)
        assert summary.processes_mapped == summary.processes > 250 * 3
        graphs[name] = quads(settings)
        assert not list((tmp_path / "tmp").iterdir())  # the batch files are gone with the build
    assert graphs["workers"] == graphs["inline"]
