"""The polite client and the checks on user input: retries, Retry-After, timeouts, the retry budget."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from replay_server import ReplayServer, replay_fixture  # noqa: F401  (the replay fixture)

from ingest.fetch import SERVICES, FetchError, FetchOptionError, PoliteClient, RetryPolicy, make_query
from ingest.fetch.client import USER_AGENT, retry_after
from ingest.fetch.paging import read_page
from kg.errors import MissionKGError

CF, FTS = SERVICES["contracts-finder"], SERVICES["find-a-tender"]
FAST = RetryPolicy(attempts=4, backoff_s=0.5, timeout_s=5.0, interval_s=0.0)


def _get(
    server: ReplayServer, sleeps: list[float], policy: RetryPolicy = FAST, source: str = "contracts-finder"
) -> dict:
    query = make_query(source, "2000-01-01", base_url=server.url)
    with PoliteClient(policy, sleep=sleeps.append) as client:
        return client.get_json(query.service, query.url, query.params())


def test_429_waits_as_long_as_retry_after_says(replay: ReplayServer) -> None:
    replay.faults.append("429")
    replay.retry_after = "7"
    sleeps: list[float] = []
    body = _get(replay, sleeps)
    assert sleeps == [7.0]
    assert len(body["releases"]) == 100 and len(replay.log) == 2
    assert replay.user_agents == {USER_AGENT}


def test_contracts_finder_403_waits_its_documented_five_minutes(replay: ReplayServer) -> None:
    replay.faults.append("403")
    sleeps: list[float] = []
    _get(replay, sleeps)
    assert sleeps == [300.0]


def test_find_a_tender_403_is_refused_at_once(replay: ReplayServer) -> None:
    replay.faults.append("403")
    with pytest.raises(
        FetchError, match=r"Find a Tender refused .* with HTTP 403: 'Service says no'; check the options"
    ):
        _get(replay, [], source="find-a-tender")
    assert len(replay.log) == 1


@pytest.mark.parametrize("fault", ["500", "503", "truncated"])
def test_server_errors_and_cut_off_json_are_retried_with_backoff(replay: ReplayServer, fault: str) -> None:
    replay.faults.extend([fault, fault])
    sleeps: list[float] = []
    body = _get(replay, sleeps)
    assert sleeps == [0.5, 1.0]
    assert body["releases"][0]["ocid"].startswith("ocds-b5fd17-")


def test_slow_answer_past_the_timeout_is_retried(replay: ReplayServer) -> None:
    replay.faults.append("slow")
    replay.slow_s = 1.0
    sleeps: list[float] = []
    started = time.monotonic()
    _get(replay, sleeps, RetryPolicy(attempts=3, backoff_s=0.01, timeout_s=0.25, interval_s=0.0))
    assert sleeps == [0.01] and len(replay.log) == 2
    assert time.monotonic() - started < 1.0


def test_retry_budget_spent_raises_a_clear_error(replay: ReplayServer) -> None:
    replay.faults.extend(["500"] * 4)
    with pytest.raises(FetchError) as caught:
        _get(replay, [])
    assert isinstance(caught.value, MissionKGError)
    assert str(caught.value) == (
        f"Contracts Finder failed 4 times at {replay.url}/Published/Notices/OCDS/Search (last: HTTP 500); the service "
        "may be down or limiting requests: rerun later and the download resumes where it stopped"
    )


def test_a_wait_longer_than_the_budget_is_not_slept(replay: ReplayServer) -> None:
    replay.faults.append("429")
    replay.retry_after = "3600"
    with pytest.raises(FetchError, match=r"asks missionkg to wait 3600 s \(HTTP 429, rate limited\); try again later"):
        _get(replay, [])


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Fri, 27 Nov 2026 12:01:30 GMT", now) == 90.0
    assert retry_after("Fri, 27 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_policy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISSIONKG_FETCH_ATTEMPTS", "2")
    monkeypatch.setenv("MISSIONKG_FETCH_TIMEOUT", "1.5")
    assert RetryPolicy.from_env() == RetryPolicy(attempts=2, timeout_s=1.5)
    monkeypatch.setenv("MISSIONKG_FETCH_BACKOFF", "fast")
    with pytest.raises(FetchOptionError, match="MISSIONKG_FETCH_BACKOFF='fast' is not a number"):
        RetryPolicy.from_env()


def test_dates_are_parsed_and_sent_in_the_documented_form() -> None:
    query = make_query("find-a-tender", "2026-10-01T09:30:00+01:00", "2026-10-31", ["Tender, award"], 50)
    assert query.params("MTAwMw==") == {
        "updatedFrom": "2026-10-01T08:30:00",
        "updatedTo": "2026-10-31T00:00:00",
        "limit": "50",
        "stages": "tender,award",
        "cursor": "MTAwMw==",
    }
    assert make_query("contracts-finder", "2026-10-01").params() == {
        "publishedFrom": "2026-10-01T00:00:00",
        "limit": "100",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("contracts-finder", "2026-02-30"),
            "--from '2026-02-30' is not an ISO date such as 2026-10-01 or 2026-10-01T09:30:00",
        ),
        (("contracts-finder", "2026-10-01&limit=5"), "--from '2026-10-01&limit=5' is not an ISO date"),
        (
            ("contracts-finder", "2026-10-02", "2026-10-01"),
            "--to 2026-10-01T00:00:00 is before --from 2026-10-02T00:00:00",
        ),
        (
            ("find-a-tender", "2026-10-01", None, ["implementation"]),
            "Find a Tender has no stage implementation; use one or more of planning, tender, award",
        ),
        (
            ("contracts-finder", "2026-10-01", None, (), 101),
            "--page-size 101 is out of range; the services accept 1 to 100",
        ),
        (
            ("contracts-finder", "2026-10-01", None, (), 100, "file:///etc/passwd"),
            "must be an http:// or https:// address with a host",
        ),
        (
            ("contracts-finder", "2026-10-01", None, (), 100, "http://x/?evil=1"),
            "must not carry credentials, a query or a fragment",
        ),
        (("contracts-finder", "2026-10-01", None, (), 100, "http://x/a b"), "contains spaces or control characters"),
        (
            ("tenders-electronic-daily", "2026-10-01"),
            "unknown source 'tenders-electronic-daily'; use one of contracts-finder, find-a-tender",
        ),
    ],
)
def test_bad_input_never_reaches_a_url(args: tuple, message: str) -> None:
    with pytest.raises(FetchOptionError, match=message.replace("?", r"\?").replace("(", r"\(")) as caught:
        make_query(*args)
    assert caught.value.exit_code == 2


def test_base_url_comes_from_flag_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        make_query("find-a-tender", "2026-10-01").url
        == "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages"
    )
    monkeypatch.setenv("MISSIONKG_FIND_A_TENDER_URL", "http://mirror.test/fts/")
    assert make_query("find-a-tender", "2026-10-01").url == "http://mirror.test/fts/api/1.0/ocdsReleasePackages"
    assert make_query("find-a-tender", "2026-10-01", base_url="https://other.test").base_url == "https://other.test"
    monkeypatch.setenv("MISSIONKG_FIND_A_TENDER_URL", "gopher://mirror.test")
    with pytest.raises(FetchOptionError, match="^MISSIONKG_FIND_A_TENDER_URL 'gopher://mirror.test' must be"):
        make_query("find-a-tender", "2026-10-01")


@pytest.mark.parametrize(
    ("body", "cursor"),
    [
        ({"releases": [{}], "links": {"next": "https://elsewhere.test/x?cursor=MTAw"}}, "MTAw"),
        ({"releases": [{}], "links": {}}, None),
        ({"releases": [{}]}, None),
    ],
)
def test_only_the_cursor_is_taken_from_links_next(body: dict, cursor: str | None) -> None:
    assert read_page(FTS, body).next_cursor == cursor


@pytest.mark.parametrize(
    "body",
    [
        {"releases": [{}], "links": {"next": "https://x.test/?cursor=../../etc"}},
        {"releases": [{}], "links": {"next": "https://x.test/?page=2"}},
        {"records": []},
        ["not", "a", "package"],
    ],
)
def test_unusable_pages_are_refused(body: object) -> None:
    with pytest.raises(
        FetchError,
        match="Contracts Finder (sent a links.next without a usable cursor|answered with something that is not)",
    ):
        read_page(CF, body)
