"""Cheap per-release checks that decide between loading and quarantining: dates and values that cannot be true."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

_DATE_KEYS = frozenset({"date", "startDate", "endDate", "dateSigned", "datePublished", "dateModified", "maxExtentDate"})
MIN_YEAR, MAX_YEAR = 1900, 2199
MAX_AMOUNT = 1e12  # £1 trillion: above any real UK contract, below obvious unit errors


def parse_date(value: object) -> datetime | None:
    """A datetime for an OCDS date string (with 'Z', offset or date only), or None if it is not a real date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def parse_amount(value: object) -> float | None:
    """An amount as a float from a number or numeric string, or None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}/{key}"
            if isinstance(value, dict | list):
                yield from _walk(value, child)
            else:
                yield child, key, value
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def release_problem(release: dict[str, Any]) -> tuple[str, str] | None:
    """(reason, detail) for the first impossible date or value in a release, or None if it can be loaded."""
    for pointer, key, value in _walk(release, ""):
        if value is None or value == "":
            continue
        if key in _DATE_KEYS and parse_date(value) is None:
            return "impossible-date", f"{pointer} = {value!r} is not a date between {MIN_YEAR} and {MAX_YEAR}"
        if key == "amount":
            amount = parse_amount(value)
            if amount is None or amount != amount:
                return "invalid-value", f"{pointer} = {value!r} is not a number"
            if amount < 0:
                return "negative-value", f"{pointer} = {value!r} is negative"
            if amount > MAX_AMOUNT:
                return "huge-value", f"{pointer} = {value!r} is above {MAX_AMOUNT:.0e}"
    return None
