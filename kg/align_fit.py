"""Features of labelled processes, read from a built graph, for fitting and cross-validating the model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kg.align import Aligner, feature_matrix
from kg.errors import InputError
from kg.process_text import process_texts
from kg.settings import Settings
from kg.store import open_store


def gold_features(settings: Settings, gold: Sequence[dict[str, Any]]) -> tuple[np.ndarray, str]:
    """Model features of each labelled process (in gold order) and the embedding model's id."""
    store = open_store(settings, read_only=True)
    texts = {t.ocid: t for t in process_texts(store, sorted({g["ocid"] for g in gold}))}
    missing = [g["ocid"] for g in gold if g["ocid"] not in texts]
    if missing:
        raise InputError(
            f"{len(missing)} labelled processes are not in the graph at {settings.data_dir} (e.g. {missing[0]}): "
            "build the files that hold them first"
        )
    aligner = Aligner(settings)
    return feature_matrix(aligner.signals([texts[g["ocid"]] for g in gold])), aligner.embedder.model_id

