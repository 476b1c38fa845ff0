"""Organisation identity: normalised identifiers and names, and the one IRI each organisation gets."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import NamedNode

from kg.namespaces import org_iri_from_identifier, org_iri_from_name

# org-id.guide scheme spellings seen in UK notices, folded to their canonical prefix.
_SCHEME_ALIASES = {
    "GB-COH": "GB-COH", "COH": "GB-COH", "GB_COH": "GB-COH", "COMPANIES HOUSE": "GB-COH",
    "GB-CHC": "GB-CHC", "CHC": "GB-CHC", "CHARITY COMMISSION": "GB-CHC",
    "GB-SC": "GB-SC", "OSCR": "GB-SC", "GB-OSCR": "GB-SC", "GB-NIC": "GB-NIC", "NIC": "GB-NIC",
    "GB-PPON": "GB-PPON", "PPON": "GB-PPON", "GB-SRS": "GB-SRS", "GB-NHS": "GB-NHS",
    "GB-UKPRN": "GB-UKPRN", "GB-EDU": "GB-EDU", "GB-LAE": "GB-LAE", "GB-GOR": "GB-GOR",
    "US-DUNS": "XI-DUNS", "DUNS": "XI-DUNS", "XI-DUNS": "XI-DUNS", "D-U-N-S": "XI-DUNS",
}
# Registers that give one legal entity exactly one number: two different numbers mean two organisations.
STRONG_SCHEMES = frozenset({"GB-COH", "GB-CHC", "GB-SC", "GB-NIC", "GB-PPON", "XI-DUNS", "GB-UKPRN"})
# Companies House number prefixes: Scotland SC/SO/SL/..., Northern Ireland NI/NC/..., LLPs OC, overseas FC,
# societies IP/SP/NP (ending in R), royal charter RC, assurance AC. "GB" is not one: "GB28972987" is a VAT number.
_COH_PREFIXES = frozenset({
    "AC", "BR", "CE", "CS", "FC", "FE", "GE", "GN", "GS", "IC", "IP", "LP", "NA", "NC", "NF", "NI", "NL", "NO",
    "NP", "NR", "NZ", "OC", "OE", "RC", "SA", "SC", "SE", "SF", "SG", "SI", "SL", "SO", "SP", "SR", "SZ", "ZC",
})
_COH_NUMBER = re.compile(r"^([A-Z]{2})?(\d{1,8})(R?)$")  # societies end in R: IP02740R
_PPON = re.compile(r"^(P[A-Z]{3})-?(\d{4})-?([A-Z]{4})$")
_CHARITY = re.compile(r"^0*(\d{5,7})(-\d{1,2})?$")
_NON_DIGIT = re.compile(r"\D")

_TRADING_AS = re.compile(r"\s+(?:t/as?|trading\s+as|t\.a\.)\s+|\s+t/a$", re.IGNORECASE)
_APOSTROPHES = re.compile(r"['\u2019`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Trailing legal forms and the form class each tells: same-named companies of different forms
# (Bevan Brittan LLP and Bevan Brittan Limited) are different legal entities.
_FORMS = {
    "limited": "ltd", "ltd": "ltd", "plc": "plc", "llp": "llp", "lp": "lp", "cic": "cic", "cio": "cio",
    "inc": "inc", "incorporated": "inc", "llc": "llc", "gmbh": "gmbh", "ag": "ag", "sa": "sa", "sas": "sas",
    "bv": "bv", "nv": "nv", "ab": "ab", "as": "as", "oy": "oy", "srl": "srl", "spa": "spa",
}
_LONG_FORMS = {
    ("public", "limited", "company"): "plc", ("limited", "liability", "partnership"): "llp",
    ("community", "interest", "company"): "cic", ("charitable", "incorporated", "organisation"): "cio",
}
_COMPANY_WORDS = frozenset({"co", "company"})  # "Co Ltd", "Company Limited": part of the form, not the name


def _infer_scheme(id_text: str) -> tuple[str, str] | None:
    """Split an id written as "GB-COH-01234567" (scheme inside the id) into scheme and value."""
    for alias in sorted(_SCHEME_ALIASES, key=len, reverse=True):
        if id_text.startswith(alias) and id_text[len(alias) : len(alias) + 1] in ("-", ":", "/"):
            return _SCHEME_ALIASES[alias], id_text[len(alias) + 1 :]
    return None


def _strip_scheme(canonical: str, id_text: str) -> str:
    """Drop a repeated scheme prefix inside the id: "GB-COH-01234567", "GB-COH:01234567"."""
    inferred = _infer_scheme(id_text)
    return inferred[1] if inferred and inferred[0] == canonical else id_text


def _companies_house(id_text: str) -> str | None:
    """Eight characters with zeros restored ("SC033518", "00974438", "IP02740R"); None for VAT-like or zero ids."""
    match = _COH_NUMBER.match(id_text)
    if not match:
        return None
    prefix, digits, suffix = match.group(1) or "", match.group(2).lstrip("0"), match.group(3)
    width = 8 - len(prefix) - len(suffix)
    if (prefix and prefix not in _COH_PREFIXES) or (suffix and prefix not in ("IP", "SP", "NP")):
        return None
    if not digits or len(digits) > width:
        return None
    return prefix + digits.zfill(width) + suffix


def _registered(canonical: str, id_text: str) -> tuple[str, str] | None:
    """Register-specific clean-up; None when the value cannot be a number of that register."""
    if canonical == "GB-COH":
        value = _companies_house(id_text)
        return (canonical, value) if value else None
    if canonical == "GB-CHC" and id_text.startswith(("SC", "NI")):  # Scottish (OSCR) and Northern Irish charities
        canonical = "GB-SC" if id_text.startswith("SC") else "GB-NIC"
    if canonical == "GB-CHC":
        charity = _CHARITY.match(id_text)
        return (canonical, charity.group(1) + (charity.group(2) or "")) if charity else None
    if canonical == "GB-SC":
        digits = id_text.removeprefix("SC")
        return (canonical, "SC" + digits.zfill(6)) if digits.isdecimal() and len(digits) <= 6 and int(digits) else None
    if canonical == "GB-NIC":
        digits = id_text.removeprefix("NIC").removeprefix("NI")
        return (canonical, digits.lstrip("0")) if digits.isdecimal() and int(digits) else None
    if canonical == "GB-PPON":
        ppon = _PPON.match(id_text)
        return (canonical, "-".join(ppon.groups())) if ppon else (canonical, id_text)
    if canonical == "XI-DUNS":
        digits = _NON_DIGIT.sub("", id_text)
        return (canonical, digits.zfill(9)) if digits and len(digits) <= 9 and int(digits) else None
    return canonical, id_text


def normalise_identifier(scheme: object, identifier: object) -> tuple[str, str] | None:
    """(scheme, id) in canonical form, or None when either part is missing or the id is really a name."""
    if identifier is None:
        return None
    id_text = re.sub(r"\s+", "", str(identifier)).upper()
    scheme_text = "" if scheme is None else str(scheme).strip().upper()
    if not scheme_text:
        inferred = _infer_scheme(id_text)
        if inferred is None:
            return None
        scheme_text, id_text = inferred
    if not id_text:
        return None
    canonical = _SCHEME_ALIASES.get(scheme_text, scheme_text)
    id_text = _strip_scheme(canonical, id_text)
    return _registered(canonical, id_text) if id_text else None


_BARE_COH = re.compile(r"^(?:[A-Z]{2}\d{6}|\d{6,8}|IP\d{5}R)$")


def parse_identifier(text: str) -> tuple[str, str] | None:
    """An identifier as a person types it: "GB-COH-01234567", "GB-PPON-PBTM-5917-ZXVM", "OC301540", "PBTM-5917-ZXVM"."""
    compact = re.sub(r"\s+", "", text).upper()
    if _PPON.match(compact):
        return normalise_identifier("GB-PPON", compact)
    if _BARE_COH.match(compact):
        return normalise_identifier("GB-COH", compact)
    return normalise_identifier(None, compact)


@dataclass(frozen=True)
class NameParts:
    """A name taken apart for matching: the folded key, its legal form class, and a trading name's key."""

    key: str | None
    form: str | None = None
    trading: str | None = None

    @property
    def compact(self) -> str | None:
        """The key without spaces, so "calfordseaden" meets "Calford Seaden"."""
        return self.key.replace(" ", "") if self.key else None


def _fold(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _APOSTROPHES.sub("", text).replace(".", "")
    text = text.replace("&", " and ").replace("+", " and ")
    return [w for w in _NON_WORD.sub(" ", text).split() if w != "the"]


def _strip_forms(words: list[str]) -> tuple[list[str], str | None]:
    """Remove trailing legal forms ("Co Ltd", "LLP", "Public Limited Company"); returns the words and the form."""
    form = None
    while len(words) > 1:
        long_form = _LONG_FORMS.get(tuple(words[-3:])) if len(words) > 3 else None
        if long_form:
            words, form = words[:-3], form or long_form
        elif words[-1] in _FORMS:
            words, form = words[:-1], form or _FORMS[words[-1]]
        elif words[-1] in _COMPANY_WORDS:
            words = words[:-1]
        else:
            break
    return words, form


@lru_cache(maxsize=200_000)
def name_parts(name: str) -> NameParts:
    """Fold a raw organisation name into its matching key, legal form and trading-name key."""
    legal, trading = _split_trading(html.unescape(name))
    words, form = _strip_forms(_fold(legal))
    trading_words, _ = _strip_forms(_fold(trading)) if trading else ([], None)
    return NameParts(" ".join(words) or None, form, " ".join(trading_words) or None)


def _split_trading(name: str) -> tuple[str, str]:
    """"X Ltd t/a Y" → ("X Ltd", "Y"): the legal entity comes first."""
    parts = _TRADING_AS.split(name, maxsplit=1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else (name, "")


def normalise_name(name: object) -> str | None:
    """A key for matching organisation names: case, accents, punctuation, '&', 'the' and legal suffixes folded."""
    return None if name is None else name_parts(str(name)).key


def org_iri(identifier: tuple[str, str] | None, name: object) -> NamedNode | None:
    """The organisation's IRI: by identifier when it has one, else by normalised name, else None."""
    if identifier is not None:
        return org_iri_from_identifier(*identifier)
    key = normalise_name(name)
    return org_iri_from_name(key.replace(" ", "-")) if key else None
