"""`missionkg fetch contracts-finder|find-a-tender` and `missionkg sync`: live notices into files and the graph."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for

if TYPE_CHECKING:
    from ingest.fetch import PoliteClient, SyncSummary

EXIT_QUARANTINED = 3
Progress = Callable[[str, int, int | None], None]

app = typer.Typer(help="Download OCDS releases from the UK notice services to files.", no_args_is_help=True)

From = Annotated[str, typer.Option("--from", help="Start of the window: ISO date or date-time, UTC unless zoned.")]
To = Annotated[str | None, typer.Option("--to", help="End of the window, ISO date or date-time (default: now).")]
Stages = Annotated[list[str] | None, typer.Option(help="Stages to keep, comma-separated or repeated (default: all).")]
Output = Annotated[Path, typer.Option("-o", "--output", help="File to write, .jsonl or .jsonl.gz; reruns resume.")]
BaseUrl = Annotated[str | None, typer.Option(help="An http(s) mirror of the service (env MISSIONKG_<SERVICE>_URL).")]
PageSize = Annotated[int, typer.Option(help="Releases asked for per request (1 to 100).")]
Sources = Annotated[list[str] | None, typer.Option("--source", "-s", help="A source to sync (default: all of them).")]
SyncFrom = Annotated[str | None, typer.Option("--from", help="Start of a source's first sync (default: 30 days ago).")]


@contextmanager
def _session() -> Iterator[tuple[Progress, PoliteClient]]:
    """A rich progress display on stderr (one line per source or build stage) and a client that reports retries."""
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ingest.fetch import PoliteClient

    labels = {"read": "reading releases", "map": "mapping processes"}
    columns = SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn()
    with Progress(*columns, console=err, transient=True) as bar, PoliteClient(notify=bar.console.log) as client:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, f"{stage}: new releases"), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update, client


def _fetch(
    source: str,
    start: str,
    end: str | None,
    stages: list[str] | None,
    output: Path,
    base_url: str | None,
    page_size: int,
    json_out: bool,
) -> None:
    """Run one download and report it."""
    from ingest.fetch import fetch_to_file, make_query

    query = make_query(source, start, end, stages or (), page_size, base_url)
    with _session() as (progress, client):
        result = fetch_to_file(query, output, client=client, progress=progress)
    if json_out:
        print_json(result.as_dict())
    else:
        err.print(
            f"wrote {result.written:,} releases to {result.output}{' (resumed)' if result.resumed else ''}: "
            f"{result.pages:,} pages, {result.received - result.written:,} duplicates skipped"
        )


@app.command("contracts-finder")
def contracts_finder(
    start: From,
    output: Output,
    end: To = None,
    stages: Stages = None,
    base_url: BaseUrl = None,
    page_size: PageSize = 100,
    json_out: JsonFlag = False,
) -> None:
    """Download Contracts Finder releases published in a window (stages: planning, tender, award, implementation)."""
    _fetch("contracts-finder", start, end, stages, output, base_url, page_size, json_out)


@app.command("find-a-tender")
def find_a_tender(
    start: From,
    output: Output,
    end: To = None,
    stages: Stages = None,
    base_url: BaseUrl = None,
    page_size: PageSize = 100,
    json_out: JsonFlag = False,
) -> None:
    """Download Find a Tender releases updated in a window (stages: planning, tender, award)."""
    _fetch("find-a-tender", start, end, stages, output, base_url, page_size, json_out)


def sync(data_dir: DataDir = None, sources: Sources = None, start: SyncFrom = None, json_out: JsonFlag = False) -> None:
    """Fetch what each source published since its last sync and build it into the graph; a crash resumes on rerun.

    Exit 0 when up to date, 1 if a source failed (the others are still built), 3 if records were quarantined.
    """
    from ingest.fetch import FetchError
    from ingest.fetch import sync as run_sync
    from ingest.fetch.service import parse_when

    first = parse_when(start, "--from") if start else None
    with _session() as (progress, client):
        summary = run_sync(settings_for(data_dir), sources, start=first, client=client, progress=progress)
    if json_out:
        print_json(summary.as_dict())
    else:
        _report(summary)
    if summary.errors:
        raise typer.Exit(FetchError.exit_code)
    if summary.build and summary.build["releases_quarantined"]:
        raise typer.Exit(EXIT_QUARANTINED)


def _report(summary: SyncSummary) -> None:
    """What a sync did, for people, on stderr."""
    for item in summary.fetched:
        err.print(f"{item['source']}: {item['written']:,} new releases from {item['from']} to {item['to']}")
    if summary.build:
        build = summary.build
        err.print(
            f"built {len(summary.built)} files: {build['releases_loaded']:,} releases loaded, "
            f"{build['processes']:,} processes, {build['triples']:,} triples"
        )
    elif not summary.errors:
        err.print("nothing new: the graph is up to date")
    for source, message in summary.errors.items():
        err.print(f"[bold red]Error:[/] {source}: {message}", highlight=False, soft_wrap=True)


def register(root: typer.Typer) -> None:
    """Add `fetch` and `sync` to the top-level app."""
    root.add_typer(app, name="fetch")
    root.command("sync")(sync)
