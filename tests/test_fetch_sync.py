"""`missionkg sync`: the graph it builds equals one built from the same releases as files, a second sync
fetches nothing, a failed source is resumed, and a sync killed mid-run loses and repeats nothing."""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from replay_server import (  # noqa: F401  (the replay fixture)
    CF_FILES,
    FTS_FILES,
    ReplayServer,
    cli,
    keys,
    kill_after,
    read_output,
    read_releases,
    replay_fixture,
)

from ingest.fetch import FetchError, PoliteClient, RetryPolicy, SyncSummary, sync
from kg.settings import Settings
from kg.stats import graph_stats
from kg.store import open_store

FAST = RetryPolicy(attempts=3, backoff_s=0.01, timeout_s=5.0, interval_s=0.0)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
Graph = tuple[dict[str, Any], set[str]]


def _graph(settings: Settings) -> Graph:
    """The graph's `missionkg stats` figures and its process OCIDs, less the provenance of alignment runs.

    Two syncs run alignment twice and the graph rightly records both runs; everything else must be equal.
    """
    store = open_store(settings, read_only=True)
    ocids = store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }", max_rows=100_000).column("o")
    stats = graph_stats(store)
    stats["quads"] -= store.select("SELECT (COUNT(*) AS ?n) WHERE { ?r a mkg:AlignmentRun ; ?p ?o }").rows[0]["n"]
    store.close()
    return stats, set(ocids)


def _sync(settings: Settings, **kwargs: Any) -> SyncSummary:
    with PoliteClient(FAST) as client:
        return sync(settings, client=client, **kwargs)


@pytest.fixture(scope="module")
def reference(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The graph `missionkg build` makes from the replayed releases written out as a file."""
    from ingest.build import build

    folder = tmp_path_factory.mktemp("reference")
    releases = read_releases(shared_data / "ocds", CF_FILES) + read_releases(shared_data / "ocds", FTS_FILES)
    (folder / "releases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in releases))
    settings = Settings(data_dir=folder / "data")
    build(settings, [str(folder / "releases.jsonl")])
    return _graph(settings)


def _fetched(settings: Settings) -> list[tuple[str, str, str]]:
    """(ocid, id, date) of every release in the files sync wrote, all sources."""
    return [k for path in sorted((settings.data_dir / "fetch").rglob("*.jsonl.gz")) for k in keys(read_output(path))]


def test_sync_builds_the_graph_a_file_build_makes_and_a_second_sync_fetches_nothing(
    replay: ReplayServer,
    settings: Settings,
    reference: Graph,
) -> None:
    replay.page_cap = 50
    first = _sync(settings, start=EPOCH)
    assert first.errors == {} and first.new_releases == 377 and first.build["releases_loaded"] == 377
    assert _graph(settings) == reference
    served = len(replay.log)
    second = _sync(settings)
    assert (second.new_releases, second.build, second.built) == (0, None, [])
    assert len(replay.log) - served == 2, "one request per source"
    watermark = datetime.fromisoformat(first.fetched[0]["to"])
    assert second.fetched[0]["from"] == (watermark - timedelta(hours=2)).isoformat()
    assert sorted(_fetched(settings)) == sorted(
        keys(replay.endpoints["contracts-finder"].releases + replay.endpoints["find-a-tender"].releases)
    )


def test_a_notice_published_after_a_sync_arrives_with_the_next(replay: ReplayServer, settings: Settings) -> None:
    first = _sync(settings, start=EPOCH)
    notice = {**replay.endpoints["find-a-tender"].releases[0], "ocid": "ocds-h6vhtk-0fffff", "id": "099999-2026"}
    notice["date"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    replay.endpoints["find-a-tender"].releases.append(notice)
    second = _sync(settings)
    assert second.new_releases == 1 and second.build["releases_loaded"] == 1
    assert second.build["processes"] == first.build["processes"] + 1


def test_a_failing_source_is_reported_and_resumed_by_the_next_sync(
    replay: ReplayServer, settings: Settings, reference: Graph
) -> None:
    replay.down.add("find-a-tender")
    first = _sync(settings, start=EPOCH)
    assert list(first.errors) == ["find-a-tender"] and "Find a Tender failed 3 times" in first.errors["find-a-tender"]
    assert first.build["releases_loaded"] == 371
    replay.down.clear()
    second = _sync(settings)
    assert [(f["source"], f["written"], f["from"]) for f in second.fetched] == [
        ("contracts-finder", 0, second.fetched[0]["from"]),
        ("find-a-tender", 6, "2000-01-01T00:00:00"),
    ]
    (stats, ocids), (expected_stats, expected_ocids) = _graph(settings), reference
    assert ocids == expected_ocids
    assert {k: v for k, v in stats.items() if k != "quads"} == {k: v for k, v in expected_stats.items() if k != "quads"}


def test_only_one_sync_runs_at_a_time(replay: ReplayServer, settings: Settings) -> None:
    lock = settings.data_dir / "fetch" / "sync.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(FetchError, match="another missionkg sync is running on .*; let it finish"):
            _sync(settings)
    assert replay.log == []


def test_two_syncs_make_the_graph_one_build_makes(replay: ReplayServer, settings: Settings, reference: Graph) -> None:
    replay.down.add("find-a-tender")
    _sync(settings, start=EPOCH)
    replay.down.clear()
    _sync(settings)
    assert _graph(settings) == reference


def test_sync_killed_mid_fetch_then_rerun_loses_and_repeats_nothing(
    replay: ReplayServer, settings: Settings, reference: Graph
) -> None:
    replay.page_cap, replay.delay_s = 10, 0.03
    args = ["sync", "--data-dir", str(settings.data_dir), "--json", "--from", "2000-01-01"]
    kill_after(cli(args, replay), replay, "contracts-finder", 10)
    assert list((settings.data_dir / "fetch" / "contracts-finder").glob("*.jsonl.gz.part"))
    stdout, stderr = (rerun := cli(args, replay)).communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    summary = json.loads(stdout)
    assert [(f["source"], f["resumed"], f["written"]) for f in summary["fetched"]] == [
        ("contracts-finder", True, 371),
        ("find-a-tender", False, 6),
    ]
    fetched = _fetched(settings)
    assert len(fetched) == len(set(fetched)) == 377
    assert _graph(settings) == reference
    stdout, stderr = (again := cli(args[:-2], replay)).communicate(timeout=60)
    assert again.returncode == 0 and json.loads(stdout)["new_releases"] == 0, stderr
