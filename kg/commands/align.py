"""`missionkg align`, `explain`, `export alignments`, `export social-value`, `eval alignment` and `eval social-value`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.commands.common import DataDir, JsonFlag, err, print_json, settings_for
from kg.errors import InputError

export_app = typer.Typer(help="Write JSON Lines exports to standard output (or -o FILE).", no_args_is_help=True)
Output = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file instead of standard output.")]


def align(data_dir: DataDir = None, json_out: JsonFlag = False) -> None:
    """Re-run mission alignment over every process in the graph, replacing earlier alignments."""
    from kg.align import align_processes
    from kg.store import open_store, require_store

    settings = settings_for(data_dir)
    require_store(settings)  # a missing store is reported, not created empty
    store = open_store(settings)
    try:
        figures = align_processes(settings, store)
    finally:
        store.close()
    if json_out:
        print_json(figures)
    else:
        advances = ", ".join(f"{m} {n:,}" for m, n in figures["advances"].items())
        err.print(f"aligned {figures['processes']:,} processes in {figures['seconds']:.1f} s; advances: {advances}")


def explain(
    ocid: Annotated[str, typer.Argument(help="OCID of the contracting process.")], data_dir: DataDir = None, json_out: JsonFlag = False
) -> None:
    """Show each mission's score for one process and the evidence behind it, and its social-value commitments."""
    from kg.alignment_report import explain as explain_process
    from kg.store import open_store

    report = explain_process(open_store(settings_for(data_dir), read_only=True), ocid)
    if json_out:
        print_json(report)
        return
    out = sys.stdout.write
    out(f"{report['ocid']}: {report['title'] or '(no title)'}\n")
    if not report["aligned"]:
        out("  not aligned yet: run `missionkg align`\n")
    elif not report["missions"]:
        from kg.align import MISSION_FLOOR

        out(f"  every mission scored below {MISSION_FLOOR}: it advances none\n")
    out(f"  primary mission: {report['primary'] or 'none'}\n")
    for mission, info in sorted(report["missions"].items(), key=lambda kv: -kv[1]["score"]):
        mark = "advances" if info["advances"] else "below threshold"
        out(f"  {mission:<14} {info['score']:.3f}  {mark}\n      {info['evidence']}\n")
        if info["advances"] and info["passage"]:
            out(f"      passage: {info['passage'][:240]!r}\n")
    for outcome in report["outcomes"]:
        out(f"  outcome {outcome['mission']}/{outcome['outcome']}: {outcome['score']:.3f}\n")
    commitments = report["social_value"]["commitments"]
    out(f"  social value: {len(commitments)} commitment{'s' if len(commitments) != 1 else ''}\n")
    for c in commitments:
        weight = f", weight {c['weight']:g}%" if c["weight"] is not None else ""
        missions = f" → {', '.join(c['missions'])}" if c["missions"] else ""
        out(f"    {c['theme']}{weight}{missions}  [{c['found_in']}]\n      {c['text'][:240]!r}\n")


@export_app.command("alignments")
def export_alignments(data_dir: DataDir = None, output: Output = None) -> None:
    """One JSON line per aligned process: ocid, primary, missions, scores."""
    from kg.alignment_report import alignment_rows
    from kg.commands.common import write_jsonl
    from kg.store import open_store

    write_jsonl(alignment_rows(open_store(settings_for(data_dir), read_only=True)), output)


@export_app.command("social-value")
def export_social_value(data_dir: DataDir = None, output: Output = None) -> None:
    """One JSON line per process: ocid, has_social_value, commitments (text, theme, weight)."""
    from kg.commands.common import write_jsonl
    from kg.social_value_report import social_value_rows
    from kg.store import open_store

    write_jsonl(social_value_rows(open_store(settings_for(data_dir), read_only=True)), output)


def eval_social_value(
    gold: Annotated[
        list[Path], typer.Option(help='JSON Lines of labelled processes: {"ocid", "social_value": bool}; repeat for several files.')
    ],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
) -> None:
    """Has-social-value precision and recall of the graph's commitments against hand labels, overall and per source."""
    from kg.social_value_report import evaluate, load_gold
    from kg.store import open_store

    report = evaluate(open_store(settings_for(data_dir), read_only=True), load_gold(gold))
    if json_out:
        print_json(report)
        return
    out = sys.stdout.write
    out(f"{'source':<58}{'n':>5}{'pos':>5}{'precision':>10}{'recall':>8}{'F1':>7}\n")
    for source, f in [*report["by_source"].items(), ("all", report)]:
        out(f"{source:<58}{f['n']:>5}{f['positives']:>5}{f['precision']:>10.3f}{f['recall']:>8.3f}{f['f1']:>7.3f}\n")
    for error in report["errors"]:
        kind = "missed" if error["gold"] else "false alarm"
        out(f"  {kind}: {error['ocid']}  {(error['gold_evidence'] or (error['found'] or [''])[0])[:120]!r}\n")
    if report["missing"]:
        err.print(f"[yellow]{report['missing']} labelled processes are not in this graph (counted as without social value)[/]")


def eval_alignment(
    gold: Annotated[Path, typer.Option(help="JSON Lines of labelled processes: {\"ocid\", \"primary\", \"missions\"}.")],
    data_dir: DataDir = None,
    json_out: JsonFlag = False,
    fit: Annotated[bool, typer.Option("--fit", help="Refit the model on GOLD (leave-one-source-out figures first) and save it to --model-out.")] = False,
    model_out: Annotated[Path | None, typer.Option(help="Where --fit saves the model (default: the shipped kg/models/alignment.json, which align and build use unless MISSIONKG_ALIGNMENT_MODEL names another).")] = None,
) -> None:
    """Score the graph's alignments against hand labels: accuracy, macro-F1, per-mission precision/recall, precision@20."""
    from kg.align_eval import load_gold, metrics, outcome_metrics

    settings = settings_for(data_dir)
    if model_out and not fit:
        raise InputError("--model-out says where --fit saves the model: add --fit, or leave --model-out out")
    rows = load_gold(gold)
    if fit:
        from kg.align_eval import fit_and_report
        from kg.align_fit import gold_features

        features, embedding_model = gold_features(settings, rows)
        report = fit_and_report(features, rows, embedding_model, *((model_out,) if model_out else ()))
    else:
        from kg.align_eval import fitted_on
        from kg.align_model import load_model
        from kg.alignment_report import alignment_rows, matched_outcomes
        from kg.store import open_store

        store = open_store(settings, read_only=True)
        predicted = {r["ocid"]: r for r in alignment_rows(store)}
        report = metrics(rows, predicted)
        report["outcomes"] = outcome_metrics(rows, matched_outcomes(store))
        report["unaligned"] = sum(r["ocid"] not in predicted for r in rows)
        model = load_model(settings.alignment_model)
        report["in_sample"] = fitted_on(model, rows)
        report["model_cv_macro_f1"] = model.info.get("cv_macro_f1")
    if json_out:
        print_json(report)
        return
    figures = report["cross_validated"] if fit else report
    if fit:
        err.print(f"model written to {report['model']}; leave-one-source-out figures:")
    out = sys.stdout.write
    out(f"processes {figures['n']}  accuracy {figures['accuracy']:.3f}  macro-F1 {figures['macro_f1']:.3f}  F1(none) {figures['f1_none']:.3f}\n")
    out(f"{'mission':<14}{'support':>8}{'precision':>10}{'recall':>8}{'F1 primary':>11}{'P@20':>7}\n")
    for mission, m in figures["missions"].items():
        out(f"{mission:<14}{m['support']:>8}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1_primary']:>11.3f}{m['precision_at_20']:>7.3f}\n")
    out("(support, precision and recall count every mission a process advances; F1 primary its primary mission)\n")
    if not fit and report["outcomes"]:
        o = report["outcomes"]
        per = "  ".join(f"{m} {v['accuracy']:.2f}" for m, v in o["missions"].items() if v["n"])
        out(f"outcome area, the best match within the labelled mission: accuracy {o['accuracy']:.3f} over {o['n']} labels ({per})\n")
        if o["unmatched"]:
            err.print(f"[yellow]{o['unmatched']} of these have no outcome match for their mission (not aligned, or under the floor)[/]")
    if not fit and report["in_sample"]:
        err.print(f"[yellow]{report['in_sample']} of these {len(rows)} labels were used to fit the model, so these figures are "
                  f"in-sample; its leave-one-source-out macro-F1 is {report['model_cv_macro_f1']} (`--fit` measures it again)[/]")
    if figures.get("unaligned"):
        err.print(f"[yellow]{figures['unaligned']} labelled processes are not aligned in this graph (counted as wrong)[/]")


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this module's commands to the top-level app and the eval group."""
    app.command("align")(align)
    app.command("explain")(explain)
    app.add_typer(export_app, name="export")
    eval_app.command("alignment")(eval_alignment)
    eval_app.command("social-value")(eval_social_value)
