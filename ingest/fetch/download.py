"""Download one search into a JSON Lines file (gzipped if its name ends in .gz), resumably.

Pages are appended to FILE.part as they arrive and committed with their cursor in a journal
(FILE.part.sqlite unless the caller brings one); FILE appears, complete, only at the end. A rerun of an
interrupted download cuts FILE.part back to the last committed page and carries on from its cursor.
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from ingest.fetch.client import PoliteClient
from ingest.fetch.errors import FetchOptionError
from ingest.fetch.journal import Job, Journal
from ingest.fetch.paging import Query, pages

Progress = Callable[[str, int, int | None], None]


@dataclass
class FetchResult:
    """What one download received and wrote; received - written releases were duplicates."""

    source: str
    output: str | None
    pages: int
    received: int
    written: int
    resumed: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return asdict(self)


def fetch_to_file(
    query: Query,
    output: Path,
    *,
    client: PoliteClient | None = None,
    journal: Journal | None = None,
    scope: str | None = None,
    keep_empty: bool = True,
    progress: Progress | None = None,
) -> FetchResult:
    """Fetch every page of `query` into `output`; releases already seen in `scope` are skipped.

    Args:
        query: the checked search.
        output: the file to write; `.gz` names are gzipped.
        client: an open client (one is made, from the environment's retry policy, if None).
        journal: where cursors and seen keys live (a journal beside the output if None).
        scope: the de-duplication scope: releases seen by any download in it are not written again
            (default: this output only).
        keep_empty: write `output` even when no new release came (False leaves no file).
        progress: called with (source, releases written so far, None) after each page.
    """
    output = Path(output)
    part = output.with_name(output.name + ".part")
    report = progress or (lambda stage, done, total: None)
    with ExitStack() as stack:
        http = client or stack.enter_context(PoliteClient())
        own_journal = journal is None
        log = journal or Journal(part.with_name(part.name + ".sqlite"))
        if own_journal:
            stack.callback(log.close)
        job, resumed = _open_job(log, query, output, part)
        if not job.complete:
            with part.open("r+b") as fh:
                fh.truncate(job.offset)
                fh.seek(job.offset)
                for page in pages(http, query, job.cursor):
                    job = log.save_page(job, scope or str(output), page, lambda fresh: _append(fh, fresh))
                    report(query.service.name, job.written, None)
        kept = keep_empty or job.written > 0
        if kept:
            _publish(part, output)
        log.finish_job(str(output))
    part.unlink(missing_ok=True)
    if own_journal:
        for leftover in (log.path, Path(f"{log.path}-wal"), Path(f"{log.path}-shm")):
            leftover.unlink(missing_ok=True)
    return FetchResult(query.service.name, str(output) if kept else None, job.pages, job.received, job.written, resumed)


def _open_job(log: Journal, query: Query, output: Path, part: Path) -> tuple[Job, bool]:
    """The job to carry on (if its .part survived) or a fresh one; refuses to mix two different searches."""
    signature = query.signature()
    job = log.job(str(output))
    if job is not None and job.signature != signature:
        raise FetchOptionError(
            f"{part} is an unfinished download of another search ({job.signature}); rerun with the same "
            f"options to resume it, or delete {part} and {log.path} to start again"
        )
    if job is not None and part.exists() and part.stat().st_size >= job.offset:
        return job, True
    output.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"")
    return log.start_job(str(output), signature), False


def _append(fh: IO[bytes], releases: list[Any]) -> int:
    """Append releases as JSON lines, force them to disk, and return the new end offset."""
    fh.write(b"".join(orjson.dumps(r) + b"\n" for r in releases))
    fh.flush()
    os.fsync(fh.fileno())
    return fh.tell()


def _publish(part: Path, output: Path) -> None:
    """Copy the .part (gzipping it for a .gz name) to a temporary file, then rename that over `output`."""
    tmp = output.with_name(output.name + ".tmp")
    with part.open("rb") as src, gzip.open(tmp, "wb") if output.name.endswith(".gz") else tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(tmp, output)
