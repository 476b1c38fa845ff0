"""Organisation identity: normalised identifiers and names, and the one IRI each organisation gets."""

from __future__ import annotations

import re
import unicodedata

from pyoxigraph import NamedNode

from kg.namespaces import org_iri_from_identifier, org_iri_from_name

# org-id.guide scheme spellings seen in UK notices, folded to their canonical prefix.
_SCHEME_ALIASES = {
    "GB-COH": "GB-COH", "COH": "GB-COH", "GB_COH": "GB-COH", "COMPANIES HOUSE": "GB-COH",
    "GB-CHC": "GB-CHC", "CHC": "GB-CHC", "GB-SC": "GB-SC", "GB-NIC": "GB-NIC",
    "GB-PPON": "GB-PPON", "PPON": "GB-PPON", "GB-SRS": "GB-SRS", "GB-NHS": "GB-NHS",
    "GB-UKPRN": "GB-UKPRN", "GB-EDU": "GB-EDU", "GB-LAE": "GB-LAE", "GB-GOR": "GB-GOR",
    "US-DUNS": "XI-DUNS", "DUNS": "XI-DUNS", "XI-DUNS": "XI-DUNS",
}
_COH_NUMBER = re.compile(r"^(?:[A-Z]{2})?\d{1,8}$")
_LEGAL_SUFFIXES = re.compile(
    r"\b(limited|ltd|plc|llp|lp|llc|inc|incorporated|co|company|cic|cio|gmbh|ag|sa|sas|bv|nv|ab|as|oy|srl|spa)\b"
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise_identifier(scheme: object, identifier: object) -> tuple[str, str] | None:
    """(scheme, id) in canonical form, or None when either part is missing or the id is really a name."""
    if scheme is None or identifier is None:
        return None
    scheme_text = str(scheme).strip().upper()
    id_text = re.sub(r"\s+", "", str(identifier)).upper()
    if not scheme_text or not id_text:
        return None
    canonical = _SCHEME_ALIASES.get(scheme_text, scheme_text)
    if id_text.startswith(canonical + "-"):
        id_text = id_text[len(canonical) + 1 :]
    if canonical == "GB-COH":
        if not _COH_NUMBER.match(id_text):
            return None
        prefix = id_text[:2] if id_text[:2].isalpha() else ""
        id_text = prefix + id_text[len(prefix) :].zfill(8 - len(prefix))
    elif canonical == "GB-CHC" and id_text.startswith("SC"):
        canonical = "GB-SC"
    return canonical, id_text


def normalise_name(name: object) -> str | None:
    """A key for matching organisation names: case, accents, punctuation, '&', 'the' and legal suffixes folded."""
    if name is None:
        return None
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"\bt/a\b.*$", "", text)  # "X Ltd t/a Y": the legal entity comes first
    text = _NON_WORD.sub(" ", text)
    text = _LEGAL_SUFFIXES.sub(" ", text)
    words = [w for w in text.split() if w != "the"]
    return " ".join(words) or None


def org_iri(identifier: tuple[str, str] | None, name: object) -> NamedNode | None:
    """The organisation's IRI: by identifier when it has one, else by normalised name, else None."""
    if identifier is not None:
        return org_iri_from_identifier(*identifier)
    key = normalise_name(name)
    return org_iri_from_name(key.replace(" ", "-")) if key else None
