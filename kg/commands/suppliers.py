"""Commands about organisations: `supplier` (a profile) and `eval matching` (entity-resolution figures)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.commands.common import DataDir, JsonFlag, print_json, settings_for

eval_app = typer.Typer(help="Measure a stage against real data with known answers.", no_args_is_help=True)


def supplier(
    query: Annotated[str, typer.Argument(help="A name or part of one, an identifier (GB-COH-01234567, OC301540), an IRI.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most awards and buyers to list.")] = 50,
) -> None:
    """Profile a supplier across every spelling and identifier it appears under: awards, value, buyers, CPV, missions."""
    from kg.store import open_store
    from kg.suppliers import supplier_report

    profile = supplier_report(open_store(settings_for(data_dir), read_only=True), query, max_rows=limit)
    if json_out:
        print_json(profile)
    else:
        _print_profile(profile)


def _print_profile(p: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(f"{p['names'][0]['name'] if p['names'] else p['iri']}\n  {p['iri']}\n")
    out(f"  also named: {', '.join(n['name'] for n in p['names'][1:]) or '-'}\n")
    out(f"  identifiers: {', '.join(i['scheme'] + ' ' + i['id'] for i in p['identifiers']) or '-'}\n")
    out(f"  SME: {_flag(p['sme'])}   VCSE: {_flag(p['vcse'])}\n")
    out(f"  awards: {p['award_count']}, total {_money(p['total_value'])}")
    out(f" (as sole supplier {_money(p['sole_supplier_value'])})\n")
    out("  buyers: " + "; ".join(f"{b['name']} ({b['awards']})" for b in p["buyers"][:10]) + "\n")
    out("  CPV: " + "; ".join(f"{c['code']} {c['label'] or ''} ({c['processes']})" for c in p["cpv"][:8]) + "\n")
    missions = "; ".join(f"{m['mission']} ({m['processes']})" for m in p["missions"]) or "none advanced"
    out(f"  missions: {missions}\n")
    for award in p["awards"]:
        value = f"{award['currency'] or ''} {award['value']:,.0f}" if award["value"] is not None else "-"
        title = award["title"] or award["ocid"]
        out(f"  {(award['date'] or '')[:10]:10}  {value:>18}  {title}  [{award['buyer_name'] or '-'}]\n")
    for other in p["other_matches"]:
        out(f"  other match: {other['name']}  {other['iri']}\n")


def _money(values: dict[str, float]) -> str:
    return ", ".join(f"{currency} {amount:,.0f}" for currency, amount in values.items()) or "-"


def _flag(value: bool | None) -> str:
    return "not stated" if value is None else "yes" if value else "no"


def matching(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="The bluetail DERIVED file (default: under $MISSIONKG_SHARED_DATA or ../shared/data)."),
    ] = None,
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Pairwise precision and recall of name-only supplier matching against the bluetail set's Companies House ids."""
    from kg.errors import InputError
    from kg.matching import BLUETAIL_FILE, evaluate_matching

    del data_dir  # taken like every command's; the evaluation reads only the file, not the graph
    path = file or Path(os.environ.get("MISSIONKG_SHARED_DATA", "../shared/data")) / "ocds" / BLUETAIL_FILE
    if not path.is_file():
        raise InputError(f"{path} not found: pass --file PATH to the {BLUETAIL_FILE} file")
    figures = evaluate_matching(path)
    if json_out:
        print_json(figures)
        return
    for view in ("mentions", "names"):
        f = figures[view]
        sys.stdout.write(f"{view:>8}: precision {f['precision']:.4f}  recall {f['recall']:.4f}  "
                         f"({f['records']} records, {f['true_pairs']} true pairs, {f['predicted_pairs']} predicted)\n")
    for link in figures["false_links"]:
        sys.stdout.write(f"  false link: {link}\n")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("supplier")(supplier)
    eval_app.command("matching")(matching)
    app.add_typer(eval_app, name="eval")
