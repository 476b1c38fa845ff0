"""N-Triples text for the terms of a process graph: namespace terms, escaped literals, IRIs minted from
percent-encoded parts, typed date literals. Everything written here parses, so the build can bulk-load it leniently.
"""

from __future__ import annotations

import re
from functools import lru_cache
from json.encoder import encode_basestring  # C-accelerated; its escapes are all valid in N-Quads
from typing import Any
from urllib.parse import quote

from ingest.validate import is_day, parse_date
from kg.namespaces import XSD

__all__ = ["FALSE", "TRUE", "XSD_TYPE", "Terms", "child", "dt", "lit"]


class Terms:
    """A namespace's terms as N-Triples text ("<iri>"), computed once per term."""

    def __init__(self, vocab: Any) -> None:
        self._vocab = vocab

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self._vocab, name))
        setattr(self, name, value)
        return value


XSD_TYPE = {name: f"^^{getattr(XSD, name)}" for name in ("decimal", "dateTime", "date", "boolean", "integer")}
TRUE = '"true"' + XSD_TYPE["boolean"]
FALSE = '"false"' + XSD_TYPE["boolean"]


def lit(text: str) -> str:
    """A plain literal in N-Triples syntax."""
    return encode_basestring(text)


_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~]")


@lru_cache(maxsize=1 << 16)
def _quoted(text: str) -> str:
    return quote(text, safe="-._~") if _UNSAFE.search(text) else text


def _segment(part: object) -> str:
    return str(part) if type(part) is int else _quoted(str(part))


def child(node: str, *parts: object) -> str:
    """The IRI under `node` ("<...>") made of `parts`, each percent-encoded as a path segment."""
    if len(parts) == 1:
        return f"{node[:-1]}/{_segment(parts[0])}>"
    return node[:-1] + "".join(["/" + _segment(p) for p in parts]) + ">"


def dt(value: object) -> str | None:
    """An xsd:date (for a bare date) or xsd:dateTime literal for an OCDS date, or None if it is not a real date."""
    return _date_literal(value) if isinstance(value, str) else None


@lru_cache(maxsize=1 << 14)
def _date_literal(value: str) -> str | None:
    parsed = parse_date(value)
    if parsed is None:
        return None
    if is_day(value):  # xsd:date, keeping a zone when one was given ("2025-03-11+01:00")
        zone = parsed.isoformat()[19:].replace("+00:00", "Z") if parsed.tzinfo else ""
        return f'"{parsed.date().isoformat()}{zone}"{XSD_TYPE["date"]}'
    return f'"{parsed.isoformat()}"{XSD_TYPE["dateTime"]}'
