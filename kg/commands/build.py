"""`missionkg build`, `validate` and `demo-data`: make the graph and check it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from kg.commands.common import DataDir, JsonFlag, check_writable, err, print_json, settings_for


class DemoShape(str, Enum):
    """How `missionkg demo-data` writes its releases."""

    jsonl = "jsonl"
    release_package = "release-package"
    record_package = "record-package"

EXIT_QUARANTINED = 3


def build(
    inputs: Annotated[list[str], typer.Argument(help="OCDS files (.json, .jsonl, .gz: packages, records or releases), directories, or - for stdin.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    country: Annotated[str | None, typer.Option(help="Keep only processes whose buyer is in this country (ISO code, e.g. GB); others are counted as skipped.")] = None,
    root_path: Annotated[str | None, typer.Option(help="ijson prefix of the releases in unusual packages, e.g. 'data.item'.")] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Leave out a post-ingest stage (organisations, align, index); repeatable.")] = None,
) -> None:
    """Ingest OCDS notices into the graph, with progress; exit 0 if all loaded, 3 if some were quarantined (or a process
    could not be mapped), 2 if nothing was usable."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.build import build as run_build
    from ingest.errors import NothingUsable

    settings = settings_for(data_dir)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task({"read": "reading releases", "map": "mapping processes"}.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            summary = run_build(
                settings, inputs, country=country, root_path=root_path, progress=progress, skip_stages=frozenset(skip or ())
            )
        except NothingUsable as exc:
            if json_out:  # scripts still get the counts of what was read and why it was refused
                print_json(exc.summary.as_dict())
            raise
    if json_out:
        print_json(summary.as_dict())
    else:
        err.print(
            f"read {summary.releases_read:,} releases: {summary.releases_loaded:,} loaded, "
            f"{summary.releases_quarantined:,} quarantined, {summary.releases_skipped:,} skipped; "
            f"{summary.processes_mapped:,} processes written in {summary.seconds:.1f} s; the graph now holds "
            f"{summary.processes:,} processes, {summary.organisations:,} organisations, {summary.triples:,} triples"
        )
        if summary.processes_remapped:
            err.print(f"{summary.processes_remapped:,} processes were mapped again: other missionkg code had written them")
        if summary.releases_quarantined:
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(summary.quarantine_reasons.items()))
            err.print(f"[yellow]quarantined ({reasons}): see {summary.quarantine_file}[/]")
        if summary.processes_failed:
            ocid, why = next(iter(summary.failure_examples.items()))
            err.print(f"[yellow]{summary.processes_failed:,} processes could not be mapped (e.g. {ocid}: {why}); their "
                      "releases are kept and the next build tries them again: please report this[/]")
    if summary.releases_quarantined or summary.processes_failed:
        raise typer.Exit(EXIT_QUARANTINED)


def validate(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Check the graph against the SHACL shapes and report violations by shape; exit 1 if any."""
    from kg.store import open_store
    from kg.validation import validate_store

    report = validate_store(open_store(settings_for(data_dir), read_only=True))
    if json_out:
        print_json(report.as_dict())
    else:
        err.print(f"{report.focus_nodes:,} nodes checked; {report.violations:,} violations")
        for shape, count in sorted(report.by_shape.items()):
            err.print(f"  {shape}: {count}")
        for example in report.examples[:10]:
            err.print(f"  e.g. {example}")
    if report.violations:
        raise typer.Exit(1)


def demo_data(
    n: Annotated[int, typer.Option("--n", "-n", help="Number of releases to generate.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same notices.")] = 0,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (.jsonl or .jsonl.gz); standard output if absent.")] = None,
    shape: Annotated[DemoShape, typer.Option(help="One JSON release per line, or one release or record package.")] = DemoShape.jsonl,
) -> None:
    """Write invented OCDS releases (fictional buyers, suppliers and notices) for demos and benchmarks."""
    from ingest.demo import write_demo

    written = write_demo(check_writable(output), n, seed, shape=shape.value)  # type: ignore[arg-type]
    if output is not None:
        err.print(f"wrote {written:,} invented releases to {output}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("build")(build)
    app.command("validate")(validate)
    app.command("demo-data")(demo_data)
