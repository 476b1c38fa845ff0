"""`missionkg analytics ...`: market concentration, SME shares, suppliers, communities and supplier → mission paths."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for

if TYPE_CHECKING:
    from kg.analytics import Market, Scope
    from kg.store import GraphStore

app = typer.Typer(help="Market analytics over the graph: concentration, SME share, suppliers, communities, paths.", no_args_is_help=True)


class Format(str, Enum):
    """Output formats of the analytics commands."""

    table = "table"
    json = "json"
    csv = "csv"


class Basis(str, Enum):
    """What market shares are measured in."""

    value = "value"
    count = "count"


class GroupBy(str, Enum):
    """What the per-group metrics are grouped by."""

    mission = "mission"
    outcome = "outcome"
    cpv = "cpv"
    buyer = "buyer"
    year = "year"


Mission = Annotated[str | None, typer.Option("--mission", "-m", help="Only processes advancing this mission (growth, clean-energy, safer-streets, opportunity, health).")]
Outcome = Annotated[str | None, typer.Option(help="Only processes aligned to this outcome area, as <mission>/<outcome>.")]
Cpv = Annotated[str | None, typer.Option(help="Only processes with a CPV code starting with these digits (45, 4521).")]
Region = Annotated[str | None, typer.Option(help="Only processes delivered in a region whose slug starts with this (ITL code ukl, or london).")]
DateFrom = Annotated[str | None, typer.Option("--from", help="Awards dated on or after this day (YYYY-MM-DD).")]
DateTo = Annotated[str | None, typer.Option("--to", help="Awards dated on or before this day (YYYY-MM-DD).")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table for people; json or csv (with a header row) for programs.")]
Group = Annotated[GroupBy | None, typer.Option("--group-by", "-g", help="One row per mission, outcome, CPV division, buyer or year (default: one row for the whole scope).")]
Top = Annotated[int, typer.Option(min=0, help="Most rows to print (0 for all).")]

_SHARES = {"top5_share", "single_bidder_share", "tenderers_known", "leader_share", "sme_share", "sme_value_share", "vcse_share", "vcse_value_share", "status_known", "dominant_cpv_share"}


def _open(data_dir: Any) -> GraphStore:
    from kg.store import open_store

    return open_store(settings_for(data_dir), read_only=True)


def _scope(mission: str | None, outcome: str | None, cpv: str | None, region: str | None, date_from: str | None, date_to: str | None) -> Scope:
    from kg.analytics import Scope
    from kg.analytics.scope import parse_day

    return Scope(mission=mission, outcome=outcome, cpv=cpv, region=region,
                 date_from=parse_day(date_from, "--from"), date_to=parse_day(date_to, "--to"))


def _market(data_dir: Any, scope: Scope) -> Market:
    from kg.analytics import load_market

    return load_market(_open(data_dir), scope)


def _money(value: float) -> str:
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(value) >= size:
            return f"£{value / size:.1f}{unit}"
    return f"£{value:.0f}"


def _cell(key: str, value: Any) -> str:
    """A table cell: money in £k/m/bn, shares in %, per-year counts as "2019:3 2020:5"."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(sum(value.values())) if key == "new_entrants" and len(value) == 1 else " ".join(f"{k}:{v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(map(str, value[:3]))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in _SHARES:
        return f"{100 * value:.1f}%"
    if key.endswith("value"):
        return _money(value)
    if isinstance(value, float):
        return f"{value:.4g}" if value < 1 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) and key not in ("group", "first_year") else str(value)


_HEADERS = {
    "top5_share": "top 5", "leader_share": "lead %", "new_entrants": "entrants", "repeat_pairs": "repeat", "suppliers": "suppl.",
    "single_bidder_share": "1 bid %", "mean_tenderers": "bids", "tenderers_known": "bids known",
    "supplier_awards": "awards", "sme_share": "SME", "sme_value_share": "SME £", "vcse_share": "VCSE", "vcse_value_share": "VCSE £",
    "status_known": "size known", "repeat_buyers": "repeat buyers", "first_year": "since",
    "dominant_cpv": "CPV", "dominant_cpv_label": "main CPV division", "dominant_cpv_share": "CPV %", "hhi": "HHI", "community": "#",
}
_TEXT = {"label", "leader", "name", "members", "explanation", "dominant_cpv_label", "missions", "new_entrants"}


def emit(rows: list[dict[str, Any]], fmt: Format, meta: dict[str, Any], columns: list[str] | None = None, top: int = 0) -> None:
    """Print rows as a table (stdout), one JSON document ({...meta, "rows": [...]}) or CSV with a header row."""
    rows = rows[:top] if top else rows
    if fmt is Format.json:
        print_json({**meta, "rows": rows})
        return
    columns = columns or (list(rows[0]) if rows else [])
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(json.dumps(row[c]) if isinstance(row[c], (dict, list)) else "" if row[c] is None else row[c] for c in columns)
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    if not rows:
        scope = ", ".join(f"{k}={v}" for k, v in meta.get("scope", {}).items() if v) or "the whole graph"
        err.print(f"[yellow]nothing to show for {scope}: no awards to suppliers match it[/]")
        return
    if "label" in columns and all(str(r["group"]) == r["label"] for r in rows):
        columns = [c for c in columns if c != "label"]
    elif "label" in columns and all(str(r["group"]).startswith(("http://", "https://")) for r in rows if r["group"] != r["label"]):
        columns = [c for c in columns if c != "group"]  # a buyer's name reads better than its IRI (json and csv keep both)
    title = {**meta.get("scope", {}), **{k: v for k, v in meta.items() if k != "scope"}}
    table = Table(title=", ".join(f"{k}={v}" for k, v in title.items() if v) or None, box=box.SIMPLE_HEAD)
    cells = [[_cell(c, row.get(c)) for c in columns] for row in rows]
    widths = [max([len(_HEADERS.get(c, c)), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    console = Console()
    if not console.is_terminal:  # a file or a pipe gets every cell whole (explanations wrap at 100 characters)
        natural = sum(min(w, 100) if c == "explanation" else w for c, w in zip(columns, widths, strict=True))
        console = Console(width=max(console.width, natural + 3 * len(columns) + 4))
    shown = _fitting(columns, widths, console.width)
    if len(shown) < len(columns):
        hidden = ", ".join(_HEADERS.get(c, c) for i, c in enumerate(columns) if i not in shown)
        err.print(f"[yellow]left out to fit the terminal: {hidden} (widen it, or use --format csv or json)[/]")
    texts = [i for i in shown if columns[i] in _TEXT]
    # figures keep their full width; names and lists share what is left of the terminal
    room = console.width - sum(widths[i] for i in shown if i not in texts) - 3 * len(shown) - 4
    if sum(widths[i] for i in texts) > room:
        for i in texts:
            widths[i] = max(8, min(widths[i], room // len(texts)))
    for index in shown:
        column = columns[index]
        wrap = column == "explanation"
        table.add_column(_HEADERS.get(column, column.replace("_", " ")), width=widths[index], no_wrap=not wrap,
                         overflow="fold" if wrap else "ellipsis", justify="right" if column not in _TEXT and column != "group" else "left")
    cells = [[row_cells[i] for i in shown] for row_cells in cells]
    for row_cells in cells:
        table.add_row(*row_cells)
    console.print(table)


def _fitting(columns: list[str], widths: list[int], room: int) -> list[int]:
    """Indexes of the columns a table of `room` characters can show: figures whole, names at least 8 wide.

    Each command lists its columns most telling first: they are left out from the right until the rest fit, and the
    first (what each row is) always stays.
    """
    shown = list(range(len(columns)))
    while len(shown) > 1 and sum(min(widths[i], 8) if columns[i] in _TEXT else widths[i] for i in shown) + 3 * len(shown) + 4 > room:
        shown.pop()
    return shown


@app.command("concentration")
def concentration(
    data_dir: DataDir = None, mission: Mission = None, outcome: Outcome = None, cpv: Cpv = None, region: Region = None,
    date_from: DateFrom = None, date_to: DateTo = None, group_by: Group = None,
    basis: Annotated[Basis, typer.Option(help="Shares by awarded value or by number of awards.")] = Basis.value,
    fmt: Fmt = Format.table, json_out: JsonFlag = False, top: Top = 0,
) -> None:
    """Market structure per group: awards, value, distinct suppliers, HHI, top-5 share, leader, new entrants, repeat pairs,
    and competition: the share of awards won by the only bidder and the mean number of tenderers, where stated."""
    from kg.analytics import concentration as run

    scope = _scope(mission, outcome, cpv, region, date_from, date_to)
    group = group_by.value if group_by else None
    rows = run(_market(data_dir, scope), group, basis.value)
    columns = ["group", "label", "awards", "value", "suppliers", "hhi", "top5_share", "leader", "leader_share", "new_entrants", "repeat_pairs",
               "single_bidder_share", "mean_tenderers", "tenderers_known"]
    if fmt is Format.table:  # the table keeps what fits a terminal; JSON and CSV carry every figure
        columns = [c for c in columns if c not in ("leader_share", "mean_tenderers", "tenderers_known") and (c != "new_entrants" or group == "year")]
    emit(rows, Format.json if json_out else fmt, {"scope": scope.as_dict(), "group_by": group, "basis": basis.value}, columns, top)


@app.command("sme-share")
def sme_share(
    data_dir: DataDir = None, mission: Mission = None, outcome: Outcome = None, cpv: Cpv = None, region: Region = None,
    date_from: DateFrom = None, date_to: DateTo = None, group_by: Group = None,
    fmt: Fmt = Format.table, json_out: JsonFlag = False, top: Top = 0,
) -> None:
    """SME and VCSE shares of supplier awards, by count and by value, per group."""
    from kg.analytics import sme_share as run

    scope = _scope(mission, outcome, cpv, region, date_from, date_to)
    group = group_by.value if group_by else None
    rows = run(_market(data_dir, scope), group)
    columns = ["group", "label", "supplier_awards", "sme_share", "sme_value_share", "vcse_share", "vcse_value_share", "value", "status_known"]
    emit(rows, Format.json if json_out else fmt, {"scope": scope.as_dict(), "group_by": group}, columns, top)


@app.command("suppliers")
def suppliers(
    data_dir: DataDir = None, mission: Mission = None, outcome: Outcome = None, cpv: Cpv = None, region: Region = None,
    date_from: DateFrom = None, date_to: DateTo = None,
    sort: Annotated[str, typer.Option(help="Rank by value, awards, buyers (degree) or betweenness.")] = "value",
    samples: Annotated[int, typer.Option(min=1, help="Sources sampled to estimate betweenness on graphs above 2,000 nodes.")] = 100,
    fmt: Fmt = Format.table, json_out: JsonFlag = False, top: Top = 20,
) -> None:
    """Suppliers ranked, with their centrality on the buyer–supplier graph: buyers (degree), awards and value (weighted degree), betweenness."""
    from kg.analytics import suppliers as run

    scope = _scope(mission, outcome, cpv, region, date_from, date_to)
    rows = run(_market(data_dir, scope), top=top or None, sort=sort, samples=samples)
    columns = ["name", "sme", "vcse", "awards", "value", "buyers", "betweenness", "repeat_buyers", "first_year"]
    if fmt is Format.table:
        columns = [c for c in columns if c not in ("vcse", "repeat_buyers")]
    emit(rows, Format.json if json_out else fmt, {"scope": scope.as_dict(), "sort": sort}, columns)


@app.command("communities")
def communities(
    data_dir: DataDir = None, mission: Mission = None, outcome: Outcome = None, cpv: Cpv = None, region: Region = None,
    date_from: DateFrom = None, date_to: DateTo = None,
    resolution: Annotated[float, typer.Option(help="Louvain resolution: above 1 gives more, smaller communities.")] = 1.0,
    fmt: Fmt = Format.table, json_out: JsonFlag = False, top: Top = 10,
) -> None:
    """Louvain communities of buyers and suppliers, with each one's dominant CPV division and missions."""
    from kg.analytics import communities as run

    scope = _scope(mission, outcome, cpv, region, date_from, date_to)
    rows = run(_market(data_dir, scope), top=top or None, resolution=resolution)
    columns = ["community", "size", "buyers", "suppliers", "awards", "value", "dominant_cpv", "dominant_cpv_label", "dominant_cpv_share", "missions", "members"]
    if fmt is Format.table:
        columns = [c for c in columns if c not in ("size", "dominant_cpv")]
    emit(rows, Format.json if json_out else fmt, {"scope": scope.as_dict()}, columns)


@app.command("path")
def path(
    supplier: Annotated[str, typer.Argument(help="The supplier: IRI, identifier such as GB-COH-01234567, or (part of) its name.")],
    mission: Annotated[str, typer.Argument(help="The mission: growth, clean-energy, safer-streets, opportunity or health.")],
    data_dir: DataDir = None, cpv: Cpv = None, region: Region = None, date_from: DateFrom = None, date_to: DateTo = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most shortest paths to show.")] = 3,
    fmt: Fmt = Format.table, json_out: JsonFlag = False,
) -> None:
    """Shortest paths from a supplier to a mission through processes, buyers and outcome areas, each explained."""
    from kg.analytics import supplier_paths

    scope = _scope(None, None, cpv, region, date_from, date_to)
    found = supplier_paths(_open(data_dir), supplier, mission, scope, limit=limit)
    rows = [{"path": n, **p.as_dict()} for n, p in enumerate(found, start=1)]
    if not rows and fmt is Format.table and not json_out:
        err.print(f"no path from {supplier!r} to the {mission} mission in this graph")
        return
    emit(rows, Format.json if json_out else fmt, {"supplier": supplier, "mission": mission, "scope": scope.as_dict()}, ["path", "length", "explanation"])


def register(root: typer.Typer) -> None:
    """Add the `analytics` command group to the top-level app."""
    root.add_typer(app, name="analytics")
