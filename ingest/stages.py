"""Stages that `missionkg build` runs after ingest, in order, over the processes the build changed.

Each stage is named "module:function" and imported only when it runs, so a build without the
embedding extras still ingests. A stage takes (settings, store, changed_ocids, progress) and returns
a dict of figures for the build summary.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from kg.errors import ConfigError
from kg.settings import Settings
from kg.store import GraphStore

Progress = Callable[[str, int, int | None], None]
Stage = Callable[[Settings, GraphStore, Sequence[str], Progress], dict[str, Any]]

STAGES: list[tuple[str, str]] = [
    ("organisations", "kg.matching:run"),
    ("align", "kg.align:run"),
    ("index", "kg.search.index:run"),
]


def resolve(target: str) -> Stage:
    """The stage function named by "module:function"."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def run_stages(
    settings: Settings, store: GraphStore, changed: Sequence[str], progress: Progress, *, skip: frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Run every registered stage not in `skip`; returns each stage's figures by name."""
    unknown = skip - {name for name, _ in STAGES}
    if unknown:
        raise ConfigError(f"unknown stage {', '.join(sorted(unknown))}: the stages are {', '.join(n for n, _ in STAGES)}")
    return {name: resolve(target)(settings, store, changed, progress) for name, target in STAGES if name not in skip}
