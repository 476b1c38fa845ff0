"""Paths to the Turtle and SPARQL files shipped with missionkg: the ontology, SHACL shapes and SKOS schemes.

The files are package data, so these paths work from a source checkout and from an installed wheel.

>>> ontology_path().name
'missionkg.ttl'
>>> shapes_path() in turtle_files()
False
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = [
    "ONTOLOGY_DIR",
    "missions_path",
    "ontology_path",
    "queries_dir",
    "shapes_path",
    "social_value_path",
    "turtle_files",
]

# Wheels install unzipped, so the package's Traversable is a real directory on disk.
ONTOLOGY_DIR: Path = Path(str(files(__name__)))

_SHAPES = "shapes.ttl"


def ontology_path() -> Path:
    """The OWL ontology declaring every mkg: class and property."""
    return ONTOLOGY_DIR / "missionkg.ttl"


def shapes_path() -> Path:
    """The SHACL shapes a well-formed graph must satisfy."""
    return ONTOLOGY_DIR / _SHAPES


def missions_path() -> Path:
    """The SKOS scheme of the five missions, their outcome areas and Plan for Change milestones."""
    return ONTOLOGY_DIR / "missions.ttl"


def social_value_path() -> Path:
    """The SKOS schemes of the 2020 and 2025 Social Value Models."""
    return ONTOLOGY_DIR / "social_value.ttl"


def queries_dir() -> Path:
    """The directory of named SPARQL queries (*.rq) shared by the API and notebooks."""
    return ONTOLOGY_DIR / "queries"


def turtle_files() -> list[Path]:
    """Every Turtle file to load into the store (all *.ttl except the shapes), sorted by name."""
    return sorted(p for p in ONTOLOGY_DIR.glob("*.ttl") if p.name != _SHAPES)
