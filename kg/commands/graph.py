"""Commands over the whole graph: `sparql`, `stats`."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import orjson
import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for
from kg.errors import InvalidParameter


class Format(str, Enum):
    """Output formats of `missionkg sparql`."""

    table = "table"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"


def sparql(
    query: Annotated[str, typer.Argument(help="A SPARQL 1.1 query; the mkg:, skos:, dcterms:... prefixes are predeclared. '-' reads it from stdin.")],
    data_dir: DataDir = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help=(
        "table for people; json, xml, csv (with header row) or tsv for programs; CONSTRUCT and DESCRIBE give Turtle "
        "(json: JSON-LD, xml: RDF/XML, ntriples: N-Triples)."))] = Format.table,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Most rows or triples to return (default: the MISSIONKG_MAX_ROWS setting).")] = None,
) -> None:
    """Run a read-only SPARQL query over the graph, within the endpoint's time, row and size bounds.

    The default graph is the union of all graphs unless the query names its own with FROM. Updates, LOAD and
    SERVICE are refused; a query past MISSIONKG_QUERY_TIMEOUT seconds is stopped.
    """
    from kg.queries import check_query
    from kg.query_results import GRAPH_FORMATS_OF_RESULTS, answer_within
    from kg.store import require_store

    settings = settings_for(data_dir)
    text = sys.stdin.read() if query == "-" else query
    form = check_query(text)
    graph = form in ("CONSTRUCT", "DESCRIBE")
    if graph:  # a graph is printed as Turtle for a table, as for csv
        key = GRAPH_FORMATS_OF_RESULTS.get(fmt.value, "turtle" if fmt is Format.table else fmt.value)
    else:  # a table is drawn from SPARQL JSON results
        key = "json" if fmt is Format.table else fmt.value
    if not graph and key in ("turtle", "ntriples"):
        raise InvalidParameter(f"a {form} result cannot be given as {key}: use table, json, xml, csv or tsv", "format")
    require_store(settings)  # says what to do before a process forks (and without opening it: no threads to fork)
    result = answer_within(settings, text, key, max_rows=limit or settings.max_rows, timeout_s=settings.query_timeout_s)
    if fmt is Format.table and not graph:
        _print_table(orjson.loads(result.body))
    else:
        sys.stdout.buffer.write(result.body if result.body.endswith(b"\n") else result.body + b"\n")
        sys.stdout.flush()
    if result.truncated:
        err.print(f"[yellow]only the first {limit or settings.max_rows:,} results; pass --limit for more[/]")


def _print_table(results: dict) -> None:
    """SPARQL JSON results as a table (an ASK as its answer)."""
    from rich.console import Console
    from rich.table import Table

    if "boolean" in results:
        sys.stdout.write(f"{str(results['boolean']).lower()}\n")
        return
    names = results["head"]["vars"]
    table = Table(*names)
    for row in results["results"]["bindings"]:
        table.add_row(*(row[name]["value"] if name in row else "" for name in names))
    Console().print(table)


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
