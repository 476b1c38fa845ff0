"""A loopback replay of Contracts Finder's and Find a Tender's OCDS searches, built from real releases.

Each endpoint answers like the service's documentation says: an OCDS release package filtered by the
date window and stages, `limit` releases a page (capped by `page_cap`, as a service may), and a
`links.next` URL carrying a base64 `cursor`. Parameters outside the documented ones, or in another
format, get HTTP 400, so the tests prove what the client sends. Faults are queued one per request:
an HTTP status such as "429" (sent with Retry-After) or "500", "truncated" (half a JSON body) and
"slow" (an answer after `slow_s`); a source named in `down` answers 503 to every request.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
CF_FILES = ("uk_contracts_finder_2025__apa999_CFServer1", "uk_contracts_finder_2014-2015__open-contracting_sample-data")
FTS_FILES = ("uk_find_a_tender_2026__samples",)
_STAGE = {
    "planning": "planning",
    "tender": "tender",
    "award": "award",
    "contract": "implementation",
    "implementation": "implementation",
}
_FTS_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_CURSOR = re.compile(r"[A-Za-z0-9=]{0,300}")


@dataclass(frozen=True)
class Endpoint:
    """One service's search: its path, parameter names, stages, publisher and releases (by date)."""

    path: str
    from_param: str
    to_param: str
    stages: frozenset[str]
    strict_dates: bool
    publisher: dict[str, str]
    releases: list[dict[str, Any]]


def read_releases(ocds_dir: Path, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """The releases of some shared data files, in the order a search returns them."""
    releases = [r for name in names for r in read_output(ocds_dir / f"{name}.jsonl.gz")]
    return sorted(releases, key=lambda r: (_when(r["date"]), r["ocid"], r["id"]))


def _when(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _stages(release: dict[str, Any]) -> set[str]:
    tags = release.get("tag") or []
    return {stage for tag in tags for prefix, stage in _STAGE.items() if tag.startswith(prefix)}


class ReplayServer:
    """The two endpoints on 127.0.0.1, in a thread; `faults` and `log` are shared with the test."""

    def __init__(
        self, ocds_dir: Path, *, page_cap: int = 100, overlap: int = 0, delay_s: float = 0.0, slow_s: float = 1.0
    ) -> None:
        self.endpoints = {
            "contracts-finder": Endpoint(
                "/Published/Notices/OCDS/Search",
                "publishedFrom",
                "publishedTo",
                frozenset({"planning", "tender", "award", "implementation"}),
                False,
                {"name": "Cabinet Office", "scheme": "GB-GOVUK", "uid": "D2"},
                read_releases(ocds_dir, CF_FILES),
            ),
            "find-a-tender": Endpoint(
                "/api/1.0/ocdsReleasePackages",
                "updatedFrom",
                "updatedTo",
                frozenset({"planning", "tender", "award"}),
                True,
                {"name": "Cabinet Office", "scheme": "GB-GOR", "uid": "D2"},
                read_releases(ocds_dir, FTS_FILES),
            ),
        }
        self.page_cap, self.overlap, self.delay_s, self.slow_s = page_cap, overlap, delay_s, slow_s
        self.faults: deque[str] = deque()
        self.down: set[str] = set()
        self.retry_after = "1"
        self.log: list[tuple[str, dict[str, str]]] = []
        self.user_agents: set[str] = set()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of both services."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def served(self, source: str) -> int:
        """Requests received for one endpoint."""
        return sum(1 for path, _ in self.log if path == self.endpoints[source].path)

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
        """Status and package (or error text) for a request, as the service would."""
        endpoint = next((e for e in self.endpoints.values() if e.path == path), None)
        if endpoint is None:
            return 404, "not found"
        known = {endpoint.from_param, endpoint.to_param, "stages", "limit", "cursor"}
        if set(params) - known:
            return 400, f"unknown parameters {sorted(set(params) - known)}"
        try:
            start, end = (self._date(endpoint, params.get(p)) for p in (endpoint.from_param, endpoint.to_param))
            limit = int(params.get("limit", "100"))
            offset = int(base64.b64decode(params["cursor"]).decode()) if params.get("cursor") else 0
        except ValueError as exc:
            return 400, str(exc)
        stages = set(filter(None, params.get("stages", "").split(",")))
        if not 1 <= limit <= 100 or stages - endpoint.stages or not _CURSOR.fullmatch(params.get("cursor", "")):
            return 400, "bad limit, stages or cursor"
        hits = self.hits(endpoint, start, end, stages)
        size = min(limit, self.page_cap)
        package: dict[str, Any] = {
            "uri": f"{self.url}{path}?{urlencode(params)}",
            "version": "1.1",
            "publishedDate": datetime.now(UTC).isoformat(),
            "publisher": endpoint.publisher,
            "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "publicationPolicy": "https://www.gov.uk/government/publications/open-contracting",
            "releases": hits[max(0, offset - self.overlap) : offset + size],
        }
        if offset + size < len(hits):
            cursor = base64.b64encode(str(offset + size).encode()).decode()
            package["links"] = {"next": f"{self.url}{path}?{urlencode({**params, 'cursor': cursor})}"}
        elif endpoint.strict_dates:
            package["links"] = {}  # one service sends empty links on the last page, the other none at all
        return 200, package

    @staticmethod
    def hits(
        endpoint: Endpoint, start: datetime | None = None, end: datetime | None = None, stages: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """The releases a search for this window and these stages returns, in order."""
        return [
            r
            for r in endpoint.releases
            if (start is None or _when(r["date"]) >= start)
            and (end is None or _when(r["date"]) <= end)
            and (not stages or _stages(r) & stages)
        ]

    @staticmethod
    def _date(endpoint: Endpoint, text: str | None) -> datetime | None:
        if text is None:
            return None
        if endpoint.strict_dates and not _FTS_DATE.fullmatch(text):
            raise ValueError(f"date {text!r} is not YYYY-MM-DDTHH:MM:SS")
        return _when(text)


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            server.log.append((url.path, params))
            server.user_agents.add(self.headers.get("User-Agent", ""))
            down = any(server.endpoints[name].path == url.path for name in server.down)
            fault = "503" if down else server.faults.popleft() if server.faults else None
            if fault and fault.isdigit():
                return self._send(
                    int(fault), b"Service says no", {"Retry-After": server.retry_after} if fault == "429" else {}
                )
            time.sleep(server.slow_s if fault == "slow" else server.delay_s)
            status, body = server.answer(url.path, params)
            data = json.dumps(body).encode() if isinstance(body, dict) else body.encode()
            self._send(status, data[: len(data) // 2] if fault == "truncated" else data)

        def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

    return Handler


def keys(releases: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(ocid, id, date) of each release, in order."""
    return [(r["ocid"], r["id"], r["date"]) for r in releases]


def read_output(path: Path) -> list[dict[str, Any]]:
    """The releases in a JSON Lines file, gzipped or not."""
    with gzip.open(path, "rt") if path.name.endswith(".gz") else path.open() as fh:
        return [json.loads(line) for line in fh]


def cli(args: list[str], server: ReplayServer, **popen: Any) -> subprocess.Popen[str]:
    """Start `missionkg ARGS` in a child process pointed at the replay server, with short delays."""
    env = {
        **os.environ,
        "MISSIONKG_CONTRACTS_FINDER_URL": server.url,
        "MISSIONKG_FIND_A_TENDER_URL": server.url,  # no network
        "MISSIONKG_FETCH_INTERVAL": "0",
        "MISSIONKG_FETCH_BACKOFF": "0.01",
        "MISSIONKG_FETCH_ATTEMPTS": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args],
        env=env,
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def kill_after(proc: subprocess.Popen[str], server: ReplayServer, source: str, requests: int) -> None:
    """SIGKILL the child once the server has answered `requests` requests for `source`."""
    deadline = time.monotonic() + 30
    while server.served(source) < requests and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, f"the child ended before it could be killed: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.fixture(name="replay")
def replay_fixture(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReplayServer]:
    """A replay server over the shared data's releases; both services' URLs point at it, never at the network."""
    with ReplayServer(shared_data / "ocds") as server:
        monkeypatch.setenv("MISSIONKG_CONTRACTS_FINDER_URL", server.url)
        monkeypatch.setenv("MISSIONKG_FIND_A_TENDER_URL", server.url)
        yield server
