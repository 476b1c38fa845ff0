"""Settings: one object carrying every knob, from defaults, environment (MISSIONKG_*) and flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

DEFAULT_DATA_DIR = Path("missionkg-data")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"MISSIONKG_{name}", default)


def _number(name: str, default: str, kind: type[int | float]) -> Any:
    """A positive number from MISSIONKG_<name>, refused with the setting's name when it is not one."""
    raw = _env(name, default) or default
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if not value > 0:
        raise ConfigError(f"MISSIONKG_{name} must be a positive {kind.__name__}, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Where the graph lives and how it is queried, embedded and served."""

    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(DEFAULT_DATA_DIR)) or DEFAULT_DATA_DIR))
    store_url: str | None = field(default_factory=lambda: _env("STORE_URL"))
    model: str | None = field(default_factory=lambda: _env("MODEL"))
    alignment_model: Path | None = field(default_factory=lambda: Path(path) if (path := _env("ALIGNMENT_MODEL")) else None)
    device: str = field(default_factory=lambda: _env("DEVICE", "cpu") or "cpu")
    embed_batch_size: int = 64
    query_timeout_s: float = field(default_factory=lambda: _number("QUERY_TIMEOUT", "10", float))
    max_rows: int = field(default_factory=lambda: _number("MAX_ROWS", "10000", int))

    @property
    def store_dir(self) -> Path:
        """Directory of the embedded Oxigraph store."""
        return self.data_dir / "store"

    @property
    def quarantine_path(self) -> Path:
        """JSON Lines file of rejected input records with their reasons."""
        return self.data_dir / "quarantine.jsonl"

    @property
    def releases_db(self) -> Path:
        """SQLite file holding every loaded release, grouped by OCID for compiling."""
        return self.data_dir / "releases.sqlite"

    @property
    def embeddings_db(self) -> Path:
        """SQLite cache of embeddings keyed by model and content hash; MISSIONKG_EMBEDDINGS_DB shares one across data dirs."""
        shared = _env("EMBEDDINGS_DB")
        return Path(shared) if shared else self.data_dir / "embeddings.sqlite"

    @property
    def index_dir(self) -> Path:
        """Directory of the FAISS and BM25 search indexes."""
        return self.data_dir / "index"

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    def with_data_dir(self, data_dir: Path | str | None) -> Settings:
        """A copy pointing at another data directory (None keeps this one)."""
        return self if data_dir is None else replace(self, data_dir=Path(data_dir))
