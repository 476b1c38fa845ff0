"""Repair the text quirks publishers leave in notices: HTML entities, mojibake, literal "rn" line breaks."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import ftfy

# The characters the repairs below look for, shared by their patterns and by the quick test for any of them.
_MOJIBAKE_CHARS = "ÂÃâ"
_ODD_SPACES = "\t\u00a0\u202f\u2009"
_BREAKS = "\n\r"
_MOJIBAKE = re.compile(f"[{_MOJIBAKE_CHARS}]")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MESSY = re.compile(f"[{_BREAKS}{_ODD_SPACES}]| {{2}}")
# "rn" after ".", ":" or ";", "rnrn", or "rn" before spaces; written to start with "rn", which re finds fast.
_RN_SIGNAL = re.compile(r"rn(?:rn| {2,}|(?<=[.:;]rn))")
# A run of letters holding "rn": where "\r\n" lost its backslashes it sticks to the words around it
# ("Housesrn Bungalowsrn", "PACKAGErnrnA47", "***rnContract"), so each "rn" in such a run is judged in place.
_RN_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]*rn[A-Za-z]*")
# English words that end in "rn", so "modern slavery" or "Northern Ireland" keep their letters. Longer words
# ending in one of the _RN_ROOTS are kept too ("Blackburn", "downturn", "newborn").
_RN_WORDS = frozenset({
    "barn", "darn", "yarn", "tarn", "earn", "learn", "yearn", "relearn", "fern", "kern", "tern", "stern", "intern",
    "extern", "modern", "postmodern", "pattern", "lantern", "cistern", "cavern", "tavern", "govern", "misgovern",
    "concern", "unconcern", "discern", "eastern", "western", "northern", "southern", "return", "turn", "urn",
    "churn", "spurn", "burn", "born", "unborn", "reborn", "corn", "horn", "torn", "worn", "sworn", "shorn",
    "thorn", "adorn", "scorn", "acorn", "forlorn", "unicorn", "popcorn", "stubborn", "cairn", "bairn", "mourn",
    "sojourn", "saturn", "auburn", "hepburn", "osborn", "bjorn",
})
_RN_ROOTS = ("burn", "bourn", "turn", "born", "learn", "modern", "pattern", "northern", "southern", "eastern",
             "western", "return", "govern", "concern")
# A run of spaces, tabs and no-break spaces becomes one space: the others become spaces, then runs of spaces one
# (two passes that each scan fast, where one pattern for both tried a match at every space).
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
_SPACE_RUN = re.compile("  +")  # not " {2,}": a literal prefix lets re skip ahead
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
# Any character one of the repairs looks for (two spaces are tested apart): most values have none and are only
# stripped.
_QUIRK = re.compile(f"[&{_MOJIBAKE_CHARS}{_BREAKS}{_ODD_SPACES}]")


def has_literal_rn(text: str) -> bool:
    """Whether a text shows the lost-backslash line-break quirk at all."""
    return bool(_RN_SIGNAL.search(text))


def _is_rn_word(word: str) -> bool:
    lowered = word.lower()
    return lowered in _RN_WORDS or lowered.endswith(_RN_ROOTS)


def _split_rn(match: re.Match[str]) -> str:
    """Turn the lost line breaks in one run of letters back into newlines, keeping words that end in "rn".

    An "rn" is a break when it starts the run (after punctuation, a digit or a space), when it repeats
    ("rnrn"), when it ends the run or comes before a capital, unless the letters before it make a word
    ending in "rn". A single "rn" between lower-case letters stays ("international", "government").
    """
    token = match.group(0)
    out: list[str] = []
    word_start = 0  # where the current word begins in `token`
    i = 0
    while True:
        at = token.find("rn", i)
        if at < 0:
            break
        end = at
        while token.startswith("rn", end):
            end += 2
        runs = (end - at) // 2
        word = token[word_start:at]
        following = token[end : end + 1]
        if word and _is_rn_word(word + "rn"):
            runs -= 1  # the first "rn" ends a real word
            at += 2
        if runs and (runs > 1 or not word or not following or following.isupper()):
            out.append(token[word_start:at] + "\n" * runs)
            word_start = end
        i = end
    out.append(token[word_start:])
    return "".join(out)


def repair_literal_rn(text: str) -> str:
    """Restore line breaks written as a bare "rn" (a "\\r\\n" whose backslashes were lost), keeping real words."""
    return _RN_WORD.sub(_split_rn, text) if "rn" in text else text


def clean_text(value: object, *, literal_rn: bool = False) -> str | None:
    """Readable text: entities decoded (twice-encoded ones too), mojibake repaired, spaces collapsed; None for empty values."""
    if value is None:
        return None
    text = value if type(value) is str else str(value)
    if not literal_rn and "  " not in text and not _QUIRK.search(text):  # a lone class: re scans for it fast
        return text.strip() or None
    return _repaired(text, literal_rn)


# Remembered: notices repeat their boilerplate, and a description is cleaned for its statement and again for
# social-value commitments.
@lru_cache(maxsize=1 << 13)
def _repaired(text: str, literal_rn: bool) -> str | None:
    """`clean_text` of a text that shows a quirk."""
    for _ in range(3):  # "&amp;amp;" is "&" encoded twice
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    if not text.isascii() and _MOJIBAKE.search(text):
        text = ftfy.fix_text(text, unescape_html=False)
    if literal_rn:
        text = repair_literal_rn(text)
    if not _MESSY.search(text):
        return text.strip() or None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text or not text.isascii():
        text = _ODD_SPACE.sub(" ", text)
    text = _SPACE_RUN.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", "\n".join([line.strip() for line in text.split("\n")]))
    text = text.strip()
    return text or None
