"""`missionkg sync`: fetch each source from its watermark to now, then build the new files into the graph.

Under DATA_DIR/fetch/ live one gzipped JSON Lines file per source and window, and state.sqlite with the
windows (runs), the cursor of an unfinished one, and every release key already fetched. A window starts
OVERLAP before the previous one ended, so releases indexed late or dated in UK local time are not missed;
the keys keep them from being written twice. A crash resumes the unfinished window on the next sync, and
files fetched but not yet built are built by the next sync.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.fetch.client import PoliteClient
from ingest.fetch.download import Progress, fetch_to_file
from ingest.fetch.errors import FetchError
from ingest.fetch.journal import BUILT, EMPTY, FETCHED, Journal, Run
from ingest.fetch.paging import Query
from ingest.fetch.service import Service, check_window, parse_when, wire_date
from ingest.fetch.sources import SERVICES, get_service
from kg.settings import Settings

OVERLAP = timedelta(hours=2)
FIRST_WINDOW = timedelta(days=30)


@dataclass
class SyncSummary:
    """What each source fetched (or why it failed) and what the build made of it."""

    fetched: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    built: list[str] = field(default_factory=list)
    build: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def new_releases(self) -> int:
        """Releases written by this sync, all sources together."""
        return sum(item["written"] for item in self.fetched)

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {**asdict(self), "new_releases": self.new_releases}


def sync(
    settings: Settings,
    sources: Sequence[str] | None = None,
    *,
    start: datetime | None = None,
    client: PoliteClient | None = None,
    progress: Progress | None = None,
    skip_stages: frozenset[str] = frozenset(),
) -> SyncSummary:
    """Bring the graph under `settings` up to date with `sources` (default all); `start` opens a source's first window.

    A source that fails past its retry budget is reported in `errors`; the others still fetch and build.
    """
    from ingest.build import build

    began = time.monotonic()
    services = [get_service(name) for name in dict.fromkeys(sources or SERVICES)]
    base_urls = [service.base_url() for service in services]  # a bad URL stops the sync before any request
    root = settings.data_dir / "fetch"
    summary = SyncSummary()
    with ExitStack() as stack:
        stack.enter_context(_exclusive(root / "sync.lock"))
        journal = Journal(root / "state.sqlite")
        stack.callback(journal.close)
        http = client or stack.enter_context(PoliteClient())
        now = datetime.now(UTC).replace(microsecond=0)
        for service, base_url in zip(services, base_urls, strict=True):
            try:
                summary.fetched.append(_fetch(service, base_url, root, journal, http, (start, now), progress))
            except FetchError as exc:
                summary.errors[service.name] = str(exc)
        summary.built = journal.unbuilt()
        if summary.built:
            summary.build = build(settings, summary.built, progress=progress, skip_stages=skip_stages).as_dict()
            journal.set_state(summary.built, BUILT)
    summary.seconds = round(time.monotonic() - began, 3)
    return summary


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an advisory lock for the whole sync; the OS drops it if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FetchError(f"another missionkg sync is running on {path.parent.parent}; let it finish") from None
        yield


def _fetch(
    service: Service,
    base_url: str,
    root: Path,
    journal: Journal,
    http: PoliteClient,
    bounds: tuple[datetime | None, datetime],
    progress: Progress | None,
) -> dict[str, Any]:
    """Fetch the unfinished window of `service`, or a new one from its watermark to now (`bounds[1]`)."""
    run = journal.open_run(service.name) or _new_run(service, root, journal, *bounds)
    query = Query(service, base_url, parse_when(run.start, "start"), parse_when(run.end, "end"))
    result = fetch_to_file(
        query, Path(run.file), client=http, journal=journal, scope=service.name, keep_empty=False, progress=progress
    )
    journal.set_state([run.file], FETCHED if result.written else EMPTY)
    return {**result.as_dict(), "from": run.start, "to": run.end}


def _new_run(service: Service, root: Path, journal: Journal, start: datetime | None, now: datetime) -> Run:
    """Record the next window of `service`: from its watermark (less OVERLAP) or `start`, to `now`."""
    watermark = journal.watermark(service.name)
    begin = parse_when(watermark, "watermark") - OVERLAP if watermark else start or now - FIRST_WINDOW
    check_window(begin, now)
    stamp = "%Y%m%dT%H%M%S"
    file = root / service.name / f"{begin:{stamp}}--{now:{stamp}}.jsonl.gz"
    run = Run(str(file), service.name, wire_date(begin), wire_date(now))
    journal.add_run(run)
    return run
