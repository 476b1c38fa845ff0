"""`missionkg search`, `similar`, `opportunities` and `index`: thin fronts over kg.search."""

from __future__ import annotations

import re
import sys
from html import unescape
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for

Limit = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Most results.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Day 'open' / 'awarded' / 'closed' is judged at, YYYY-MM-DD (default: today).")]
Region = Annotated[str | None, typer.Option(help="Text in a delivery region (a name such as Wales, or a NUTS code such as UKL18).")]
MinValue = Annotated[float | None, typer.Option("--min-value", help="Least tender value (else largest award value), as published.")]
MaxValue = Annotated[float | None, typer.Option("--max-value", help="Largest tender value (else largest award value), as published.")]


def search(
    query: Annotated[str, typer.Argument(help="Free text, e.g. 'school transport'; '' lists the filtered processes.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    mission: Annotated[str | None, typer.Option("--mission", "-m", help="Only processes advancing this mission: growth, clean-energy, safer-streets, opportunity, health.")] = None,
    min_score: Annotated[float | None, typer.Option("--min-score", help="With --mission: least alignment score (0-1) instead of the stage's decision.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Only processes aligned to this outcome area (slug, e.g. mental-health).")] = None,
    cpv: Annotated[list[str] | None, typer.Option(help="CPV code prefix, e.g. 60 or 6013; repeatable (any of them).")] = None,
    buyer: Annotated[str | None, typer.Option(help="Text in the buyer's name, or its identifier / IRI.")] = None,
    supplier: Annotated[str | None, typer.Option(help="Text in a supplier's name, or its identifier / IRI (whole identity cluster).")] = None,
    min_value: MinValue = None,
    max_value: MaxValue = None,
    published_from: Annotated[str | None, typer.Option("--published-from", help="Published on or after, YYYY-MM-DD.")] = None,
    published_to: Annotated[str | None, typer.Option("--published-to", help="Published on or before, YYYY-MM-DD.")] = None,
    deadline_from: Annotated[str | None, typer.Option("--deadline-from", help="Submission deadline on or after, YYYY-MM-DD.")] = None,
    deadline_to: Annotated[str | None, typer.Option("--deadline-to", help="Submission deadline on or before, YYYY-MM-DD.")] = None,
    awarded_from: Annotated[str | None, typer.Option("--awarded-from", help="First award on or after, YYYY-MM-DD.")] = None,
    awarded_to: Annotated[str | None, typer.Option("--awarded-to", help="First award on or before, YYYY-MM-DD.")] = None,
    status: Annotated[str | None, typer.Option(help="open, awarded or closed at --as-of.")] = None,
    as_of: AsOf = None,
    region: Region = None,
    sme: Annotated[bool, typer.Option("--sme", help="Only tenders marked suitable for SMEs.")] = False,
    vcse: Annotated[bool, typer.Option("--vcse", help="Only tenders marked suitable for VCSEs.")] = False,
    limit: Limit = 10,
) -> None:
    """Search contracting processes by meaning and keywords together, within any filters."""
    from kg.search import SearchFilters
    from kg.search import search as run_search
    from kg.store import open_store

    settings = settings_for(data_dir)
    filters = SearchFilters.from_mapping({
        "mission": mission, "min_score": min_score, "outcome": outcome, "cpv": tuple(cpv or ()), "buyer": buyer, "supplier": supplier,
        "min_value": min_value, "max_value": max_value, "published_from": published_from, "published_to": published_to,
        "deadline_from": deadline_from, "deadline_to": deadline_to, "awarded_from": awarded_from, "awarded_to": awarded_to,
        "status": status, "as_of": as_of, "region": region, "sme": sme, "vcse": vcse,
    })
    store = open_store(settings, read_only=True) if supplier or buyer else None
    result = run_search(settings, query, filters, limit=limit, store=store)
    if json_out:
        print_json(result)
        return
    err.print(f"{len(result['results'])} of {result['candidates']:,} matching processes in {result['took_ms']:.0f} ms")
    for rank, hit in enumerate(result["results"], 1):
        scores = hit["scores"]
        why = f"dense {_num(scores['dense'])} #{scores['dense_rank'] or '-'}, keyword {_num(scores['keyword'])} #{scores['keyword_rank'] or '-'}"
        _print_hit(rank, hit, why)


def similar(
    ocid: Annotated[str, typer.Argument(help="The OCID of a process in the graph.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    status: Annotated[str | None, typer.Option(help="Only open, awarded or closed processes at --as-of.")] = None,
    as_of: AsOf = None,
    limit: Limit = 10,
) -> None:
    """Processes most like one process (by the meaning of their texts)."""
    from kg.search import SearchFilters
    from kg.search import similar as run_similar

    result = run_similar(settings_for(data_dir), ocid, limit=limit, filters=SearchFilters(status=status, as_of=as_of))
    if json_out:
        print_json(result)
        return
    err.print(f"like {result['title']!r}:")
    for rank, hit in enumerate(result["results"], 1):
        _print_hit(rank, hit, f"similarity {hit['score']:.3f}")


def opportunities(
    supplier: Annotated[str, typer.Argument(help="A supplier's name (or part), identifier (GB-COH-01234567) or IRI.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    as_of: AsOf = None,
    capability: Annotated[str | None, typer.Option(help="What the supplier offers, in its own words (also works with no awards).")] = None,
    region: Region = None,
    min_value: MinValue = None,
    max_value: MaxValue = None,
    limit: Limit = 10,
) -> None:
    """Open tenders that resemble what a supplier has won, boosted by mission fit, each with the reason."""
    from kg.search import opportunity_report

    report = opportunity_report(
        settings_for(data_dir), supplier, as_of=as_of, capability=capability, limit=limit, region=region,
        min_value=min_value, max_value=max_value,
    )
    if json_out:
        print_json(report)
        return
    err.print(f"{report['supplier']['name']}: {len(report['results'])} open tenders at {report['as_of']} "
              f"(compared with {report['awards_compared']} awarded processes)")
    for rank, hit in enumerate(report["results"], 1):
        _print_hit(rank, hit, hit["reason"])


def index(
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget the index and build it again from the graph.")] = False,
) -> None:
    """Bring the search index up to date with the graph (what `build` does after ingest), or rebuild it."""
    from kg.search import SearchIndex
    from kg.store import open_store

    settings = settings_for(data_dir)
    store = open_store(settings, read_only=True)
    index_ = SearchIndex(settings, writable=True)
    try:
        figures = index_.rebuild(store) if rebuild else index_.sync(store)
    finally:
        index_.close()
    if json_out:
        print_json(figures)
    else:
        err.print(f"{figures['processes']:,} processes indexed ({figures['added']} added, {figures['replaced']} replaced, "
                  f"{figures['removed']} removed) in {figures['seconds']:.1f} s")


def eval_search(
    judgments: Annotated[Path, typer.Option(help="JSON Lines of graded judgments: {\"query\", \"ocid\", \"grade\" 0-3}.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    method: Annotated[list[str] | None, typer.Option(help="Only these methods: dense, bm25, hybrid (what search ships), rrf; repeatable.")] = None,
) -> None:
    """Score search against graded judgments: nDCG@10, recall@50 and judged@10 for each ranking method."""
    from kg.search.evaluation import METHODS, evaluate, load_judgments

    report = evaluate(settings_for(data_dir), load_judgments(judgments), method or tuple(METHODS))
    if json_out:
        print_json(report)
        return
    out = sys.stdout.write
    out(f"queries {report['queries']}  judgments {report['judgments']:,}\n")
    out(f"{'method':<10}{'nDCG@10':>9}{'recall@50':>11}{'judged@10':>11}\n")
    for name, figures in report["methods"].items():
        out(f"{name:<10}{figures['ndcg_at_10']:>9.3f}{figures['recall_at_50']:>11.3f}{figures['judged_at_10']:>11.2f}\n")
    if report["judged_missing"]:
        err.print(f"[yellow]{report['judged_missing']} judged processes are not in this index (left out of the ideal ranking);"
                  f" {report['queries_skipped']} queries had no relevant process left[/]")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_hit(rank: int, hit: dict[str, Any], why: str) -> None:
    out = sys.stdout.write
    value = f"{hit['currency'] or ''} {hit['value']:,.0f}".strip() if hit["value"] is not None else "value not stated"
    missions = ", ".join(f"{m['mission']} {m['score']:.2f}" for m in hit["missions"] if m["advances"]) or "-"
    dates = hit["dates"]
    out(f"{rank:2}. {hit['title'] or hit['ocid']}\n")
    out(f"    {hit['ocid']} | {hit['buyer']['name'] or '-'} | {value} | {hit['status']}"
        f" | published {dates['published'] or '-'}, deadline {dates['deadline'] or '-'} | missions: {missions}\n")
    out(f"    {unescape(re.sub(r'</?mark>', '*', hit['snippet']))}\n")
    out(f"    score {hit['score']:.4f}: {why}\n")


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this module's commands to the top-level app, and `eval search` to the eval group."""
    eval_app.command("search")(eval_search)
    app.command("search")(search)
    app.command("similar")(similar)
    app.command("opportunities")(opportunities)
    app.command("index")(index)
