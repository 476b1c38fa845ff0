"""Measure alignment against hand labels, and fit the alignment model with cross-validated figures."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kg.align_features import SIGNAL_COLUMNS
from kg.align_model import CLASSES, DEFAULT_C, DEFAULT_MODEL_PATH, AlignmentModel, fit_model
from kg.errors import InputError
from kg.jsonl import read_jsonl
from kg.namespaces import MISSION_IDS

PRECISION_AT = 20
FITTED_KEY_LENGTH = 12
THRESHOLD_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
_LABELS = set(CLASSES)


def _label(value: Any) -> Any:
    """A label as written by hand ("Clean energy", "safer_streets", null) in the form of CLASSES; other values as given."""
    if value is None:
        return "none"
    if not isinstance(value, str):
        return value
    return "-".join(value.lower().replace("_", " ").split()) or "none"


def load_gold(path: Path) -> list[dict[str, Any]]:
    """Labelled processes from JSON Lines {"ocid", "primary", "missions"}; names the file and line of a bad row.

    Hand-written spellings are read kindly: mission ids in any case, with spaces or underscores, null or "none"
    for no mission (and "none" in `missions` ignored), a primary left out of `missions`, an OCID with spaces around it.
    A row may also name the outcome area of its primary mission it advances ("outcome": slug or "<mission>/<slug>").
    """
    from kg.outcomes import find_outcome

    rows = []
    for number, row in read_jsonl(path):
        ok = isinstance(row, dict) and "primary" in row and isinstance(row.get("ocid"), str) and row["ocid"].strip()
        primary = _label(row.get("primary")) if ok else None
        missions = row.get("missions") or [] if ok else None
        if isinstance(missions, list):
            missions = list(dict.fromkeys(m for m in map(_label, missions) if m != "none"))
        if primary not in _LABELS or not isinstance(missions, list) or not set(missions) <= set(MISSION_IDS):
            raise InputError(f"{path}:{number}: needs an ocid, a primary in {sorted(_LABELS)} and missions among {list(MISSION_IDS)}")
        if primary != "none" and primary not in missions:  # the rubric's missions include the primary
            missions.insert(0, primary)
        extra = {}
        if row.get("outcome"):
            written = row["outcome"]
            outcome = find_outcome("/".join(map(_label, written.split("/")))) if isinstance(written, str) else None
            if outcome is None or outcome.mission != primary:
                raise InputError(f"{path}:{number}: outcome {row['outcome']!r} is not an outcome area of the primary mission "
                                 f"{primary!r} in ontology/missions.ttl")
            extra["outcome"] = outcome.slug
        rows.append({**row, "ocid": row["ocid"].strip(), "primary": primary, "missions": missions, **extra})
    if not rows:
        raise InputError(f"{path} holds no labelled processes")
    return rows


def metrics(gold: Sequence[dict[str, Any]], predicted: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Accuracy and macro-F1 of the primary mission (five missions plus none), per-mission precision and
    recall of membership, and precision@20 of each mission's ranked list; processes missing from `predicted` count as wrong."""
    truth = [g["primary"] for g in gold]
    guess = [(predicted.get(g["ocid"]) or {}).get("primary") or "none" for g in gold]
    per_class = {}
    for label in CLASSES:
        tp = sum(t == label and p == label for t, p in zip(truth, guess, strict=True))
        fp = sum(t != label and p == label for t, p in zip(truth, guess, strict=True))
        fn = sum(t == label and p != label for t, p in zip(truth, guess, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_class[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    missions = {}
    for mission in MISSION_IDS:
        member = [mission in g["missions"] for g in gold]
        said = [mission in ((predicted.get(g["ocid"]) or {}).get("missions") or []) for g in gold]
        tp = sum(a and b for a, b in zip(member, said, strict=True))
        scores = [((predicted.get(g["ocid"]) or {}).get("scores") or {}).get(mission, 0.0) for g in gold]
        ranked = [member[i] for i in np.argsort(scores, kind="stable")[::-1][:PRECISION_AT]]
        missions[mission] = {
            "precision": round(tp / sum(said), 4) if sum(said) else 0.0,
            "recall": round(tp / sum(member), 4) if sum(member) else 0.0,
            "f1_primary": round(per_class[mission], 4),
            f"precision_at_{PRECISION_AT}": round(sum(ranked) / len(ranked), 4) if ranked else 0.0,
            "support": sum(member),
        }
    return {
        "n": len(gold),
        "accuracy": round(float(np.mean([t == p for t, p in zip(truth, guess, strict=True)])), 4),
        "macro_f1": round(float(np.mean(list(per_class.values()))), 4),
        "f1_none": round(per_class["none"], 4),
        "missions": missions,
    }


def outcome_metrics(gold: Sequence[dict[str, Any]], matched: dict[tuple[str, str], str]) -> dict[str, Any] | None:
    """How often the outcome area a process matched best within its labelled primary mission is the labelled one,
    over the rows that name an outcome (None when none do); `matched` maps (ocid, mission) to an outcome slug."""
    rows = [g for g in gold if g.get("outcome")]
    if not rows:
        return None
    found = [matched.get((g["ocid"], g["primary"])) for g in rows]
    right = [f == g["outcome"] for f, g in zip(found, rows, strict=True)]
    missions = {}
    for mission in MISSION_IDS:
        mine = [r for g, r in zip(rows, right, strict=True) if g["primary"] == mission]
        missions[mission] = {"n": len(mine), "accuracy": round(sum(mine) / len(mine), 4) if mine else 0.0}
    unmatched = sum(f is None for f in found)  # not aligned, or scored under the floor for that mission: wrong
    return {"n": len(rows), "accuracy": round(sum(right) / len(rows), 4), "unmatched": unmatched, "missions": missions}


def _ocid_key(ocid: str) -> str:
    return hashlib.sha256(ocid.encode()).hexdigest()[:FITTED_KEY_LENGTH]


def fitted_on(model: AlignmentModel, gold: Sequence[dict[str, Any]]) -> int:
    """How many labelled processes the model was fitted on: figures over those are in-sample, not a measure."""
    keys = set(model.info.get("training_ocid_keys") or ())
    return sum(_ocid_key(g["ocid"]) in keys for g in gold)


def out_of_fold(
    features: np.ndarray, gold: Sequence[dict[str, Any]], groups: Sequence[str], embedding_model: str, *, c: float = DEFAULT_C
) -> np.ndarray:
    """Out-of-fold probabilities: each group (a publisher's file) is predicted by a model fitted on the others."""
    labels = np.asarray(groups)
    probabilities = np.zeros((len(gold), len(CLASSES)), dtype=np.float32)
    for group in sorted(set(groups)):
        train, test = labels != group, labels == group
        model = fit_model(features[train], [g["primary"] for g, t in zip(gold, train, strict=True) if t], embedding_model, c=c,
                          signal_columns=SIGNAL_COLUMNS)
        probabilities[test] = model.probabilities(features[test])
    return probabilities


def _decisions(model: AlignmentModel, ocids: Sequence[str], probabilities: np.ndarray) -> dict[str, dict[str, Any]]:
    out = {}
    for ocid, row, (primary, missions) in zip(ocids, probabilities, model.decide(probabilities), strict=True):
        out[ocid] = {"primary": primary, "missions": missions, "scores": {m: float(row[i]) for i, m in enumerate(MISSION_IDS)}}
    return out


def tune_thresholds(model: AlignmentModel, gold: Sequence[dict[str, Any]], probabilities: np.ndarray) -> dict[str, float]:
    """One threshold for all missions that maximises out-of-fold macro-F1 (one parameter: little room to overfit)."""
    ocids = [g["ocid"] for g in gold]
    best = (-1.0, 0.5)
    for threshold in THRESHOLD_GRID:
        model.thresholds = {m: threshold for m in MISSION_IDS}
        best = max(best, (metrics(gold, _decisions(model, ocids, probabilities))["macro_f1"], threshold))
    return {m: best[1] for m in MISSION_IDS}


def fit_and_report(
    features: np.ndarray, gold: Sequence[dict[str, Any]], embedding_model: str, out: Path = DEFAULT_MODEL_PATH
) -> dict[str, Any]:
    """Cross-validate by source, then fit on everything and save the model with its figures."""
    groups = [g.get("source") or "unknown" for g in gold]
    if len(set(groups)) < 2:
        raise InputError("fitting cross-validates by source: label processes from at least two sources (the \"source\" field)")
    ocids = [g["ocid"] for g in gold]
    model = fit_model(features, [g["primary"] for g in gold], embedding_model, signal_columns=SIGNAL_COLUMNS)
    oof = out_of_fold(features, gold, groups, embedding_model)
    model.thresholds = tune_thresholds(model, gold, oof)
    cv = metrics(gold, _decisions(model, ocids, oof))
    model.info = {
        "fitted": date.today().isoformat(), "examples": len(gold), "c": DEFAULT_C,
        "cross_validation": "leave-one-source-out", "cv_macro_f1": cv["macro_f1"], "cv_accuracy": cv["accuracy"],
        "training_ocid_keys": sorted(_ocid_key(o) for o in ocids),  # sha256 prefixes: tells an in-sample eval
    }
    model.save(out)
    fitted = metrics(gold, _decisions(model, ocids, model.probabilities(features)))
    return {"cross_validated": cv, "model": str(out), "thresholds": model.thresholds, "fitted_on": fitted}
