"""ISO country codes from the free-text countries publishers write, for `--country` filtering."""

from __future__ import annotations

import re
from typing import Any

_NAMES = {
    "GB": ("united kingdom", "uk", "gb", "gbr", "great britain", "england", "scotland", "wales", "northern ireland",
           "cymru", "eng", "sct", "wls", "nir", "united kingdom of great britain and northern ireland"),
    "IE": ("ireland", "ie", "republic of ireland", "eire"),
    "DE": ("germany", "deutschland", "de"),
    "FR": ("france", "fr"),
    "NO": ("norway", "norge", "no"),
    "US": ("united states", "usa", "us", "united states of america"),
    "ES": ("spain", "espana", "españa", "es"),
    "IT": ("italy", "italia", "it"),
    "NL": ("netherlands", "nederland", "nl", "the netherlands"),
    "BE": ("belgium", "belgique", "belgie", "belgië", "be"),
    "SE": ("sweden", "sverige", "se"),
    "DK": ("denmark", "danmark", "dk"),
    "FI": ("finland", "suomi", "fi"),
    "PL": ("poland", "polska", "pl"),
    "AT": ("austria", "österreich", "at"),
    "CH": ("switzerland", "schweiz", "suisse", "ch"),
    "PT": ("portugal", "pt"),
    "CZ": ("czech republic", "czechia", "cz"),
    "SK": ("slovakia", "slovak republic", "sk"),
    "SI": ("slovenia", "si"),
    "HR": ("croatia", "hr"),
    "HU": ("hungary", "hu"),
    "RO": ("romania", "ro"),
    "BG": ("bulgaria", "bg"),
    "GR": ("greece", "gr", "el"),
    "CY": ("cyprus", "cy"),
    "MT": ("malta", "mt"),
    "LU": ("luxembourg", "lu"),
    "LI": ("liechtenstein", "li"),
    "IS": ("iceland", "is"),
    "EE": ("estonia", "ee"),
    "LV": ("latvia", "lv"),
    "LT": ("lithuania", "lt"),
    "MK": ("macedonia", "north macedonia", "mk"),
    "AD": ("andorra", "ad"),
    "CA": ("canada", "ca"),
    "MX": ("mexico", "mx"),
    "CO": ("colombia", "co"),
    "UY": ("uruguay", "uy"),
    "AR": ("argentina", "ar"),
    "BR": ("brazil", "br"),
    "CL": ("chile", "cl"),
    "CN": ("china", "cn", "china, people's republic of", "people's republic of china"),
    "TW": ("taiwan", "tw", "china, republic of (taiwan)", "republic of china"),
    "IN": ("india", "in"),
    "BD": ("bangladesh", "bd"),
    "LK": ("sri lanka", "lk"),
    "ZA": ("south africa", "za"),
    "KE": ("kenya", "ke"),
    "AU": ("australia", "au"),
    "NZ": ("new zealand", "nz"),
    "JP": ("japan", "jp"),
}
_LOOKUP = {name: code for code, names in _NAMES.items() for name in names}
# A UK NUTS or ITL region code ("UK", "UKL", "UKL18", "TLM50"). Other countries' codes are not read: "SE1" or
# "DE22" in a region field is as likely a British postcode district as a Swedish or German region.
_UK_REGION = re.compile(r"(?:UK|TL)(?:[C-N][0-9A-Z]{0,2})?")


def known_countries() -> list[str]:
    """The codes an address can be recognised as (so the only ones `--country` can keep)."""
    return sorted(_NAMES)


def country_code(address: Any) -> str | None:
    """Two-letter code of an OCDS address's country (`country` or `countryName`, else GB for a UK NUTS or ITL
    `region` code, which is all Sell2Wales and Public Contracts Scotland give), or None when unknown."""
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
    region = address.get("region")
    return "GB" if isinstance(region, str) and _UK_REGION.fullmatch(region.strip()) else None


def country_stated(address: Any) -> bool:
    """Whether an OCDS address names a country at all, recognised or not."""
    return isinstance(address, dict) and any(
        isinstance(address.get(key), str) and address[key].strip() for key in ("country", "countryName")
    )
