"""The calibrated alignment model: a multinomial logistic regression over mission signals and text embeddings.

Fitting needs scikit-learn (the `train` extra); applying it needs only numpy and the JSON file it was saved to.
The shipped model, kg/models/alignment.json, is fitted on tests/data/missions_dev.jsonl by `missionkg eval alignment --fit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import ModelError
from kg.namespaces import MISSION_IDS

CLASSES: tuple[str, ...] = (*MISSION_IDS, "none")
DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "alignment.json"
DEFAULT_C = 0.03  # leave-one-source-out: 0.03 and 0.05 within 0.01 of each other; the smaller suits 798 features
SIGNAL_WEIGHT = 3.0


@dataclass
class AlignmentModel:
    """Standardisation, weights and per-mission thresholds of the fitted model."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    thresholds: dict[str, float]
    embedding_model: str
    info: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """P(primary = class) for each row, columns in CLASSES order."""
        if features.shape[1] != self.coef.shape[1]:
            raise ModelError(
                f"the alignment model expects {self.coef.shape[1]} features, got {features.shape[1]}: "
                "it was fitted with another embedding model or by an older missionkg; refit it with `missionkg eval alignment --fit`"
            )
        logits = ((features - self.mean) / self.scale) @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def decide(self, probabilities: np.ndarray) -> list[tuple[str | None, list[str]]]:
        """(primary, missions) per row: missions at or above their threshold, primary the likeliest of them, else None."""
        mission = probabilities[:, : len(MISSION_IDS)]
        # In the probabilities' own precision, as comparing one of them with a Python float does.
        limits = np.asarray([self.thresholds[m] for m in MISSION_IDS], dtype=probabilities.dtype)
        above = mission >= limits
        primary = np.where(above, mission, -np.inf).argmax(axis=1).tolist()
        decisions = []
        for best, flags in zip(primary, above.tolist(), strict=True):
            missions = [m for m, flag in zip(MISSION_IDS, flags, strict=True) if flag]
            decisions.append((MISSION_IDS[best] if flags[best] else None, missions))
        return decisions

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "classes": list(CLASSES), "embedding_model": self.embedding_model, "thresholds": self.thresholds,
            "mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(), "intercept": self.intercept.round(6).tolist(), "info": self.info,
        }
        path.write_text(json.dumps(payload, indent=1) + "\n")


def load_model(path: Path | None = None) -> AlignmentModel:
    """Read a fitted model (the shipped one by default)."""
    path = path or DEFAULT_MODEL_PATH
    if not path.is_file():
        raise ModelError(f"no alignment model at {path}: fit one with `missionkg eval alignment --fit --gold FILE`")
    data = json.loads(path.read_text())
    if tuple(data["classes"]) != CLASSES:
        raise ModelError(f"{path} was fitted for classes {data['classes']}, expected {list(CLASSES)}")
    return AlignmentModel(
        mean=np.asarray(data["mean"], dtype=np.float32), scale=np.asarray(data["scale"], dtype=np.float32),
        coef=np.asarray(data["coef"], dtype=np.float32), intercept=np.asarray(data["intercept"], dtype=np.float32),
        thresholds=data["thresholds"], embedding_model=data["embedding_model"], info=data.get("info", {}),
    )


def fit_model(
    features: np.ndarray, primary: list[str], embedding_model: str, *, c: float = DEFAULT_C, signal_columns: int = 0,
) -> AlignmentModel:
    """Fit the multinomial model on labelled rows (primary labels in CLASSES).

    The first ``signal_columns`` features (similarities, CPV, buyer, phrases: they transfer between publishers)
    are up-weighted by SIGNAL_WEIGHT after standardising, i.e. shrunk less than the embedding's dimensions; and
    classes are weighted inversely to their frequency, so the small missions are not swallowed by `none`.
    Both raised leave-one-source-out macro-F1 on the dev set (see `missionkg eval alignment --fit`).
    """
    from sklearn.linear_model import LogisticRegression

    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    scale[:signal_columns] /= SIGNAL_WEIGHT
    labels = np.asarray([CLASSES.index(p) for p in primary])
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((features - mean) / scale, labels)
    coef = np.zeros((len(CLASSES), features.shape[1]), dtype=np.float32)
    intercept = np.full(len(CLASSES), -1e3, dtype=np.float32)  # a class absent from training is never predicted
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    return AlignmentModel(mean, scale, coef, intercept, {m: 0.5 for m in MISSION_IDS}, embedding_model)
