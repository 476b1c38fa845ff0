"""Shared fixtures: the real data folder (skipped when absent), stores, and a graph built once from real notices."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MISSIONKG_SHARED_DATA", REPO.parent / "shared" / "data"))
OCDS_DIR = SHARED_DATA / "ocds"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="run tests that build large graphs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: pass --run-slow to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the whole run (and the notebooks it executes): each text is embedded once."""
    path = Path(os.environ.get("MISSIONKG_EMBEDDINGS_DB") or tmp_path_factory.mktemp("embeddings") / "embeddings.sqlite")
    os.environ["MISSIONKG_EMBEDDINGS_DB"] = str(path)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: the real notices are not part of the repository."""
    if not OCDS_DIR.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set MISSIONKG_SHARED_DATA to use another)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_files(shared_data: Path) -> list[Path]:
    """Every real OCDS file, sorted."""
    return sorted((shared_data / "ocds").glob("*.jsonl.gz"))


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, real_files: list[Path]) -> Settings:
    """Settings of a data dir holding a graph built once from every real file (ingest and matching; no alignment or index)."""
    from ingest.build import build

    settings = Settings(data_dir=tmp_path_factory.mktemp("real-graph"))
    build(settings, [str(p) for p in real_files], skip_stages=frozenset({"align", "index"}))
    return settings


ALIGNED_SOURCES = (
    "uk_find_a_tender_2026__samples", "uk_sell2wales_2025__apa999_CFServer1",
    "uk_contracts_finder_2025__apa999_CFServer1", "uk_ted_2020__spendnetwork_openopps",
)


@pytest.fixture(scope="session")
def aligned_settings(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    """Settings of a graph built with every stage, alignment included, from four real sources (~390 processes)."""
    from ingest.build import build

    settings = Settings(data_dir=tmp_path_factory.mktemp("aligned-graph"))
    build(settings, [str(shared_data / "ocds" / f"{name}.jsonl.gz") for name in ALIGNED_SOURCES])
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings of a fresh, empty data dir."""
    return Settings(data_dir=tmp_path / "data")
