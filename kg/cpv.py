"""CPV 2008 codes as a SKOS scheme: parsing codes, their hierarchy from the digits, and a CSV loader."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pyoxigraph import Literal, Quad

from kg.errors import InputError
from kg.namespaces import CPV_SCHEME, GRAPH_CPV, MKG, RDF_TYPE, SKOS, cpv_iri

_CODE = re.compile(r"^\s*(\d{8})(?:\s*-\s*\d)?\s*$")


def normalise_cpv(raw: object) -> str | None:
    """The eight-digit CPV code in `raw` ("45000000-7", " 45000000", 45000000), or None if it is not one."""
    if raw is None:
        return None
    text = str(raw)
    if text.isdigit() and len(text) == 7:  # publishers that store codes as numbers lose the leading zero
        text = "0" + text
    match = _CODE.match(text)
    return match.group(1) if match else None


def significant_digits(code: str) -> str:
    """The code without the zeros that only pad it to eight digits (divisions keep two digits)."""
    return code[:2] + code[2:].rstrip("0")


def cpv_parent(code: str) -> str | None:
    """The parent code derived from the digits: 45212000 → 45210000; divisions have none."""
    digits = significant_digits(code)
    if len(digits) <= 2:
        return None
    return digits[:-1].ljust(8, "0")


def level(code: str) -> str:
    """CPV level name of a code by its significant digits."""
    return {2: "division", 3: "group", 4: "class", 5: "category"}.get(len(significant_digits(code)), "subcategory")


def _concept_quads(code: str, label: str | None, parent: str | None) -> Iterator[Quad]:
    node = cpv_iri(code)
    yield Quad(node, RDF_TYPE, SKOS.Concept, GRAPH_CPV)
    yield Quad(node, RDF_TYPE, MKG.Classification, GRAPH_CPV)
    yield Quad(node, SKOS.inScheme, CPV_SCHEME, GRAPH_CPV)
    yield Quad(node, SKOS.notation, Literal(code), GRAPH_CPV)
    if label:
        yield Quad(node, SKOS.prefLabel, Literal(label, language="en"), GRAPH_CPV)
    if parent:
        yield Quad(node, SKOS.broader, cpv_iri(parent), GRAPH_CPV)
        yield Quad(cpv_iri(parent), SKOS.narrower, node, GRAPH_CPV)
    else:
        yield Quad(node, SKOS.topConceptOf, CPV_SCHEME, GRAPH_CPV)


def _scheme_quads() -> Iterator[Quad]:
    yield Quad(CPV_SCHEME, RDF_TYPE, SKOS.ConceptScheme, GRAPH_CPV)
    yield Quad(CPV_SCHEME, SKOS.prefLabel, Literal("Common Procurement Vocabulary (CPV 2008)", language="en"), GRAPH_CPV)


def cpv_quads_from_csv(path: Path | str) -> Iterator[Quad]:
    """SKOS quads for a CPV list with columns `code`, `label_en` and optionally `parent_code`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no CPV file at {path}: pass a CSV such as cpv_2008.csv")
    yield from _scheme_quads()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"code", "label_en"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path} lacks the column(s) {', '.join(sorted(missing))}: expected code,label_en[,parent_code]")
        for line, row in enumerate(reader, start=2):
            code = normalise_cpv(row["code"])
            if code is None:
                raise InputError(f"{path}:{line}: {row['code']!r} is not an eight-digit CPV code")
            parent = normalise_cpv(row.get("parent_code")) or cpv_parent(code)
            yield from _concept_quads(code, row["label_en"].strip() or None, parent)


def cpv_quads_for_codes(labels: Mapping[str, str | None]) -> Iterator[Quad]:
    """SKOS quads for codes seen in notices, with every ancestor the digits imply and the labels the notices gave."""
    seen: set[str] = set()
    yield from _scheme_quads()
    for code, label in labels.items():
        current: str | None = code
        current_label = label
        while current and current not in seen:
            seen.add(current)
            parent = cpv_parent(current)
            yield from _concept_quads(current, current_label, parent)
            current, current_label = parent, labels.get(parent) if parent else None


def prefixes_of(code: str) -> Iterable[str]:
    """Every significant prefix of a code, longest first: 45212000 → 45212, 4521, 452, 45."""
    digits = significant_digits(code)
    return (digits[:n] for n in range(len(digits), 1, -1))
