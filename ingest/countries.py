"""ISO country codes from the free-text countries publishers write, for `--country` filtering."""

from __future__ import annotations

from typing import Any

_NAMES = {
    "GB": ("united kingdom", "uk", "gb", "great britain", "england", "scotland", "wales", "northern ireland", "cymru"),
    "IE": ("ireland", "ie", "republic of ireland"),
    "DE": ("germany", "deutschland", "de"),
    "FR": ("france", "fr"),
    "NO": ("norway", "norge", "no"),
    "US": ("united states", "usa", "us", "united states of america"),
    "ES": ("spain", "espana", "españa", "es"),
    "IT": ("italy", "italia", "it"),
    "NL": ("netherlands", "nederland", "nl"),
    "BE": ("belgium", "belgique", "belgie", "be"),
    "SE": ("sweden", "sverige", "se"),
    "DK": ("denmark", "danmark", "dk"),
    "FI": ("finland", "suomi", "fi"),
    "PL": ("poland", "polska", "pl"),
    "AT": ("austria", "österreich", "at"),
    "CH": ("switzerland", "schweiz", "suisse", "ch"),
    "PT": ("portugal", "pt"),
    "CZ": ("czech republic", "czechia", "cz"),
}
_LOOKUP = {name: code for code, names in _NAMES.items() for name in names}


def country_code(address: Any) -> str | None:
    """Two-letter code of an OCDS address's country (`country` or `countryName`), or None when unknown."""
    if not isinstance(address, dict):
        return None
    for key in ("country", "countryName"):
        value = address.get(key)
        if isinstance(value, str) and value.strip():
            text = value.strip().lower()
            if text in _LOOKUP:
                return _LOOKUP[text]
            if len(text) == 2 and text.isalpha():
                return text.upper()
    return None
