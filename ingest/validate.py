"""Cheap per-release checks that decide between loading and quarantining: dates and values that cannot be true."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

_DATE_KEYS = frozenset({"date", "startDate", "endDate", "dateSigned", "datePublished", "dateModified", "maxExtentDate"})
_CHECKED = _DATE_KEYS | {"amount"}
MIN_YEAR, MAX_YEAR = 1900, 2199
MAX_AMOUNT = 1e12  # £1 trillion: above any real UK contract, below obvious unit errors
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
MAX_DEPTH = 100  # nesting of objects and lists: real releases stay near 10; far deeper is an attack or a bug
# A calendar date, then optionally a time, then optionally a zone: what OCDS dates are (week and ordinal dates are not).
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?))?([Zz]|[+-]\d{2}(?::?\d{2})?)?")


def parse_date(value: object) -> datetime | None:
    """A datetime for an OCDS date string (with 'Z', offset or date only), or None if it is not a real date."""
    match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    day, time, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone or ""
    try:
        parsed = datetime.fromisoformat(f"{day}T{time or '00:00'}{zone}")
    except ValueError:
        return None
    return parsed if MIN_YEAR <= parsed.year <= MAX_YEAR else None


def is_day(value: str) -> bool:
    """Whether a date string gives a day without a time of day (with or without a zone)."""
    match = _DATE.fullmatch(value.strip())
    return match is not None and match.group(2) is None


def parse_amount(value: object) -> float | None:
    """An amount as a float from a number or numeric string, or None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().removeprefix("£").removeprefix("€").removeprefix("$").strip()
        if "," in text:  # thousands separators only: "1,2,3" is no number
            if not _THOUSANDS.fullmatch(text):
                return None
            text = text.replace(",", "")
        try:
            return float(text)
        except ValueError:
            return None
    return None


def parse_count(value: object, maximum: int) -> int | None:
    """A whole number from 0 to ``maximum`` from a JSON number or a string of digits, or None if it is not one."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if type(value) is int and 0 <= value <= maximum else None


def _value_problem(key: str, value: Any) -> tuple[str, str] | None:
    """(reason, what is wrong) for one scalar field, or None."""
    if key in _DATE_KEYS:
        if parse_date(value) is None:
            return "impossible-date", f"{value!r} is not a date between {MIN_YEAR} and {MAX_YEAR}"
    elif key == "amount":
        amount = parse_amount(value)
        if amount is None or math.isnan(amount):
            return "invalid-value", f"{value!r} is not a number"
        if amount < 0:
            return "negative-value", f"{value!r} is negative"
        if amount > MAX_AMOUNT:
            return "huge-value", f"{value!r} is above {MAX_AMOUNT:.0e}"
    return None


def _first_problem(node: Any, depth: int = 0) -> tuple[str, str, list[str]] | None:
    """Depth-first search for the first bad date or amount: (reason, what is wrong, keys from it back up to `node`).

    The keys are collected only on the way back from a failing field: building a JSON pointer for every field of
    every release was most of the cost of this check. Scalars in lists are never checked, so lists are only walked.
    """
    if depth >= MAX_DEPTH:
        return "too-deep", f"objects and lists nested more than {MAX_DEPTH} deep", []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                found = _first_problem(value, depth + 1) if key not in _DATE_KEYS else (
                    "impossible-date", f"a JSON {'object' if isinstance(value, dict) else 'list'} where a date belongs", [])
                if found is not None:
                    found[2].append(key)
                    return found
            elif key in _CHECKED and value is not None and value != "":
                problem = _value_problem(key, value)
                if problem is not None:
                    return *problem, [key]
    else:
        for index, value in enumerate(node):
            if isinstance(value, (dict, list)):
                found = _first_problem(value, depth + 1)
                if found is not None:
                    found[2].append(str(index))
                    return found
    return None


def release_problem(release: dict[str, Any]) -> tuple[str, str] | None:
    """(reason, detail) for the first impossible date or value in a release, or None if it can be loaded."""
    found = _first_problem(release)
    if found is None:
        return None
    reason, detail, keys = found
    return reason, f"/{'/'.join(reversed(keys))} = {detail}"
