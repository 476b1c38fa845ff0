"""Compile the releases of one OCID into one view with the OCDS merge rules (ocdsmerge, offline)."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import ocdsmerge

from ingest.validate import parse_date

# The 24 merge rules of the OCDS 1.1.5 release schema, carried here so that compiling never fetches the schema.
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    **{
        path: "wholeListMerge"
        for path in (
            ("parties", "additionalIdentifiers"), ("parties", "roles"), ("buyer", "additionalIdentifiers"),
            ("tender", "procuringEntity", "additionalIdentifiers"), ("tender", "items", "additionalClassifications"),
            ("tender", "additionalProcurementCategories"), ("tender", "submissionMethod"),
            ("tender", "tenderers", "additionalIdentifiers"), ("tender", "amendments", "changes"),
            ("tender", "amendment", "changes"), ("awards", "suppliers", "additionalIdentifiers"),
            ("awards", "items", "additionalClassifications"), ("awards", "amendments", "changes"),
            ("awards", "amendment", "changes"), ("contracts", "items", "additionalClassifications"),
            ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"),
            ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"),
            ("contracts", "relatedProcesses", "relationship"), ("contracts", "amendments", "changes"),
            ("contracts", "amendment", "changes"), ("relatedProcesses", "relationship"),
        )
    },
}
_MERGER = ocdsmerge.Merger(merge_rules=MERGE_RULES)
_ORG_REFERENCES = (("buyer",), ("tender", "procuringEntity"))
_ORG_LISTS = (("tender", "tenderers"), ("awards", "suppliers"))


def release_sort_key(release: dict[str, Any], order: int) -> tuple[str, int]:
    """Releases merge oldest first; equal dates keep the order they were read in."""
    parsed = parse_date(release.get("date"))
    return (parsed.isoformat() if parsed else "", order)


def _scope_party_ids(release: dict[str, Any], scope: str) -> dict[str, Any]:
    """Prefix party ids and references with the release they came from: publishers reuse "org-1" across releases."""
    release = copy.deepcopy(release)

    def rescope(ref: Any) -> None:
        if isinstance(ref, dict) and ref.get("id") not in (None, ""):
            ref["id"] = f"{scope}/{ref['id']}"

    seen: set[str] = set()
    for position, party in enumerate(release.get("parties") or []):
        rescope(party)
        if isinstance(party, dict) and party.get("id") in seen:  # a repeated id would merge two parties into one
            party["id"] = f"{party['id']}#{position}"
        seen.add(party.get("id") if isinstance(party, dict) else None)
    for path in _ORG_REFERENCES:
        node: Any = release
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        rescope(node)
    for container, key in _ORG_LISTS:
        holders = release.get(container)
        for holder in holders if isinstance(holders, list) else [holders]:
            for ref in (holder or {}).get(key) or [] if isinstance(holder, dict) else []:
                rescope(ref)
    return release


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """One compiled release for releases sharing an OCID (a single release is used as it is)."""
    if len(releases) == 1:
        return releases[0]
    ordered = [r for _, r in sorted(((release_sort_key(r, i), r) for i, r in enumerate(releases)), key=lambda x: x[0])]
    scoped = [_scope_party_ids(r, str(i)) for i, r in enumerate(ordered)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ocdsmerge.exceptions.DuplicateIdValueWarning)
        compiled = _MERGER.create_compiled_release(scoped)
    compiled["tag"] = ["compiled"]
    return compiled
