"""Repair the text quirks publishers leave in notices: HTML entities, mojibake, literal "rn" line breaks."""

from __future__ import annotations

import html
import re

import ftfy

_MOJIBAKE = re.compile("[ÂÃâ]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MESSY = re.compile(r"[\n\r\t\u00a0\u202f\u2009]| {2}")
# "\r\n" that lost its backslashes: trusted only after punctuation, before another break, a bullet or an indent,
# because many English words end in "rn" ("modern slavery", "pattern").
_LITERAL_RN = re.compile(r"(?<=[.:;!?)\]])rn|rn(?=rn|\s{2,}|-\s|•)|(?<=\s)rn(?=\S)")
_RN_SIGNAL = re.compile(r"[.:;]rn|rnrn|rn {2,}")
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2009]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def has_literal_rn(text: str) -> bool:
    """Whether a text shows the lost-backslash line-break quirk at all."""
    return bool(_RN_SIGNAL.search(text))


def clean_text(value: object, *, literal_rn: bool = False) -> str | None:
    """Readable text: entities decoded, mojibake repaired, spaces collapsed; None for empty values."""
    if value is None:
        return None
    text = str(value)
    if _ENTITY.search(text):
        text = html.unescape(text)
    if _MOJIBAKE.search(text):
        text = ftfy.fix_text(text, unescape_html=False)
    if literal_rn:
        text = _LITERAL_RN.sub("\n", text)
    if not _MESSY.search(text):
        return text.strip() or None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BLANK_LINES.sub("\n\n", "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")))
    text = text.strip()
    return text or None
