"""Commands over the whole graph: `sparql`, `stats`."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for


class Format(str, Enum):
    """Output formats of `missionkg sparql`."""

    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"


def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL 1.1 query; the mkg:, skos:, dcterms:... prefixes are predeclared. '-' reads it from stdin.")],
    data_dir: DataDir = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table for people; json, csv (with header row) or tsv for programs.")] = Format.table,
    limit: Annotated[int | None, typer.Option(help="Most rows to show in a table [default: the MISSIONKG_MAX_ROWS setting].")] = None,
) -> None:
    """Run a read-only SPARQL query over the graph (the default graph is the union of all graphs)."""
    from kg.store import open_store

    settings = settings_for(data_dir)
    text = sys.stdin.read() if query == "-" else query
    store = open_store(settings, read_only=True)
    if fmt is Format.table:
        from rich.console import Console
        from rich.table import Table

        rows = store.select(text, max_rows=limit or settings.max_rows, timeout_s=settings.query_timeout_s)
        table = Table(*rows.variables)
        for row in rows.rows:
            table.add_row(*("" if row[v] is None else str(row[v]) for v in rows.variables))
        Console().print(table)
        if rows.truncated:
            err.print(f"[yellow]showing the first {len(rows.rows)} rows; pass --limit for more[/]")
    else:
        body, _ = store.query_serialized(text, fmt.value)
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


def stats(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Count missions, outcome areas, processes, organisations, alignments and quads in the graph."""
    from kg.stats import graph_stats
    from kg.store import open_store

    figures = graph_stats(open_store(settings_for(data_dir), read_only=True))
    if json_out:
        print_json(figures)
    else:
        for name, value in figures.items():
            sys.stdout.write(f"{name.replace('_', ' ')}: {value:,}\n")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("sparql")(sparql)
    app.command("stats")(stats)
