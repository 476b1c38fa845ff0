"""Downloads into files: every page, nothing twice, and a resume after a crash that loses nothing."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from replay_server import ReplayServer, cli, keys, kill_after, read_output, replay_fixture  # noqa: F401  (the replay fixture)

from ingest.fetch import FetchOptionError, PoliteClient, RetryPolicy, fetch_to_file, make_query

FAST = RetryPolicy(attempts=3, backoff_s=0.01, timeout_s=5.0, interval_s=0.0)


def _fetch(
    server: ReplayServer, out: Path, source: str = "contracts-finder", start: str = "2000-01-01", **query: object
):
    with PoliteClient(FAST) as client:
        return fetch_to_file(make_query(source, start, base_url=server.url, **query), out, client=client)


@pytest.mark.parametrize(("source", "page_size"), [("contracts-finder", 25), ("find-a-tender", 2)])
def test_every_release_of_every_page_lands_in_the_file(
    replay: ReplayServer, tmp_path: Path, source: str, page_size: int
) -> None:
    expected = replay.endpoints[source].releases
    result = _fetch(replay, tmp_path / "out.jsonl.gz", source, page_size=page_size)
    assert read_output(tmp_path / "out.jsonl.gz") == expected
    assert (result.pages, result.received, result.written) == (
        math.ceil(len(expected) / page_size),
        len(expected),
        len(expected),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl.gz"]  # no .part or journal left behind


def test_window_and_stages_are_applied_by_the_service(replay: ReplayServer, tmp_path: Path) -> None:
    result = _fetch(
        replay, tmp_path / "award.jsonl", start="2025-03-11T00:00:00", end="2025-03-11T12:00:00", stages=["award"]
    )
    window = datetime(2025, 3, 11, tzinfo=UTC), datetime(2025, 3, 11, 12, tzinfo=UTC)
    expected = replay.hits(replay.endpoints["contracts-finder"], *window, {"award"})
    assert 0 < result.written == len(expected) < 160
    assert keys(read_output(tmp_path / "award.jsonl")) == keys(expected)
    assert replay.log[0][1] == {
        "publishedFrom": "2025-03-11T00:00:00",
        "publishedTo": "2025-03-11T12:00:00",
        "stages": "award",
        "limit": "100",
    }


def test_pages_that_overlap_are_written_once(replay: ReplayServer, tmp_path: Path) -> None:
    replay.overlap = 3
    result = _fetch(replay, tmp_path / "out.jsonl", page_size=30)
    assert keys(read_output(tmp_path / "out.jsonl")) == keys(replay.endpoints["contracts-finder"].releases)
    assert result.received - result.written == 3 * (result.pages - 1)


def test_an_interrupted_download_resumes_from_its_last_page(replay: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "cf.jsonl.gz"

    def stop_after_three_pages(source: str, written: int, total: int | None) -> None:
        if written >= 30:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), PoliteClient(FAST) as client:
        fetch_to_file(
            make_query("contracts-finder", "2000-01-01", base_url=replay.url, page_size=10),
            out,
            client=client,
            progress=stop_after_three_pages,
        )
    assert not out.exists()
    part = tmp_path / "cf.jsonl.gz.part"
    assert len(part.read_bytes().splitlines()) == 30
    with part.open("ab") as fh:  # as if killed while writing the fourth page
        fh.write(b'{"ocid": "ocds-b5fd17-half a rel')
    served = len(replay.log)
    result = _fetch(replay, out, page_size=10)
    assert result.resumed and result.written == 371
    assert keys(read_output(out)) == keys(replay.endpoints["contracts-finder"].releases)
    assert replay.log[served][1]["cursor"], "the rerun must start from the saved cursor, not page one"


def test_a_different_search_does_not_resume_another(replay: ReplayServer, tmp_path: Path) -> None:
    out = tmp_path / "cf.jsonl"
    with pytest.raises(KeyboardInterrupt), PoliteClient(FAST) as client:
        fetch_to_file(
            make_query("contracts-finder", "2000-01-01", base_url=replay.url),
            out,
            client=client,
            progress=lambda *args: (_ for _ in ()).throw(KeyboardInterrupt),
        )
    with pytest.raises(
        FetchOptionError,
        match=r"cf.jsonl.part is an unfinished download of another search .*rerun with the same options",
    ):
        _fetch(replay, out, start="2020-01-01")


def test_cli_killed_mid_download_then_rerun_loses_and_repeats_nothing(replay: ReplayServer, tmp_path: Path) -> None:
    replay.delay_s = 0.03
    out = tmp_path / "cf.jsonl.gz"
    args = ["fetch", "contracts-finder", "--from", "2000-01-01", "--page-size", "10", "-o", str(out), "--json"]
    kill_after(cli(args, replay), replay, "contracts-finder", 8)
    assert not out.exists() and (tmp_path / "cf.jsonl.gz.part").exists()
    served = len(replay.log)
    stdout, stderr = (rerun := cli(args, replay)).communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    assert '"resumed": true' in stdout
    assert keys(read_output(out)) == keys(replay.endpoints["contracts-finder"].releases)
    assert len(replay.log) - served < 38, "the rerun fetched pages the killed run had saved"


def test_cli_refuses_bad_input_before_any_request(replay: ReplayServer, tmp_path: Path) -> None:
    for extra, message in [
        (["--from", "2026-02-30"], "Error: --from '2026-02-30' is not an ISO date"),
        (["--from", "2026-10-01", "--base-url", "file:///etc/passwd"], "must be an http:// or https:// address"),
        (["--from", "2026-10-01", "--stages", "tender,implementation"], "Find a Tender has no stage implementation"),
    ]:
        proc = cli(["fetch", "find-a-tender", *extra, "-o", str(tmp_path / "x.jsonl")], replay)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 2 and message in " ".join(stderr.split()), stderr
    assert replay.log == []


def test_cli_names_the_failure_after_the_retry_budget(replay: ReplayServer, tmp_path: Path) -> None:
    replay.down.add("find-a-tender")
    proc = cli(["fetch", "find-a-tender", "--from", "2026-10-01", "-o", str(tmp_path / "x.jsonl")], replay)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Error: Find a Tender failed 3 times at" in stderr and "(last: HTTP 503)" in " ".join(stderr.split())
    assert len(replay.log) == 3 and stderr.count("retry") == 2
