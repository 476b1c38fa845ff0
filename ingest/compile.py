"""Compile the releases of one OCID into one view with the OCDS merge rules (ocdsmerge, offline)."""

from __future__ import annotations

import warnings
from datetime import UTC
from typing import Any

import ocdsmerge
import ocdsmerge.merge

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


def release_sort_key(release: dict[str, Any], order: int) -> tuple[str, int]:
    """Releases merge oldest first (compared as instants: "+01:00" and "Z" dates mix); equal dates keep the
    order they were read in, and releases without a usable date come first."""
    parsed = parse_date(release.get("date"))
    if parsed is None:
        return ("", order)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return (parsed.astimezone(UTC).isoformat(), order)


def _rescoped(ref: Any, scope: str) -> Any:
    """A copy of an organisation reference with its id prefixed by the release it came from."""
    if isinstance(ref, dict) and ref.get("id") not in (None, ""):
        return {**ref, "id": f"{scope}/{ref['id']}"}
    return ref


def _scope_party_ids(release: dict[str, Any], scope: str) -> dict[str, Any]:
    """Prefix party ids and references with the release they came from: publishers reuse "org-1" across releases.

    Only the objects on the way to a changed id are copied (a deep copy of every release cost more than
    the merge itself); the caller's release is left as it was.
    """
    release = dict(release)
    parties = release.get("parties")
    if isinstance(parties, list):
        scoped, seen = [], set()
        for position, party in enumerate(parties):
            party = _rescoped(party, scope)
            if isinstance(party, dict) and party.get("id") in seen:  # a repeated id would merge two parties into one
                party = {**party, "id": f"{party['id']}#{position}"}
            seen.add(party.get("id") if isinstance(party, dict) else None)
            scoped.append(party)
        release["parties"] = scoped
    if "buyer" in release:
        release["buyer"] = _rescoped(release["buyer"], scope)
    tender = release.get("tender")
    if isinstance(tender, dict):
        tender = release["tender"] = dict(tender)
        if "procuringEntity" in tender:
            tender["procuringEntity"] = _rescoped(tender["procuringEntity"], scope)
        if isinstance(tender.get("tenderers"), list):
            tender["tenderers"] = [_rescoped(ref, scope) for ref in tender["tenderers"]]
    awards = release.get("awards")
    if isinstance(awards, list):
        release["awards"] = [
            {**award, "suppliers": [_rescoped(ref, scope) for ref in award["suppliers"]]}
            if isinstance(award, dict) and isinstance(award.get("suppliers"), list) else award
            for award in awards
        ]
    return release


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """One compiled release for releases sharing an OCID (a single release is used as it is).

    Releases are merged in `release_sort_key` order, which also copes with missing or malformed dates;
    ocdsmerge's own sort (on the raw `date` strings) is not used, as it fails when a date is missing.
    """
    if len(releases) == 1:
        return releases[0]
    ordered = [r for _, r in sorted(((release_sort_key(r, i), r) for i, r in enumerate(releases)), key=lambda x: x[0])]
    merged = ocdsmerge.merge.CompiledRelease(merge_rules=MERGE_RULES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ocdsmerge.exceptions.DuplicateIdValueWarning)
        for index, release in enumerate(ordered):
            merged.append(_scope_party_ids(release, str(index)))
    compiled = merged.asdict()
    compiled["tag"] = ["compiled"]
    return compiled
