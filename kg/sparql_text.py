"""SPARQL text as a tokenizer sees it: what lies inside strings, IRIs and comments is never syntax.

Checks that look for a keyword in a query (SERVICE, FROM, an update, PREFIX) run over `syntax_views`, so that
a keyword written in a literal or an IRI is not taken for one, and one written with \\u escapes is.
"""

from __future__ import annotations

import re

# Strings (long before short), IRIs and comments, in the order SPARQL's own tokenizer would see them.
_OPAQUE = re.compile(
    r"""'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\""""
    r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n\r]*""",
    re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def blank_opaque(text: str) -> str:
    """The query with every string, IRI and comment replaced by an empty one, so only syntax remains."""
    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        return " " if token.startswith("#") else (" <> " if token.startswith("<") else ' "" ')

    return _OPAQUE.sub(blank, text)


def unescape_codepoints(text: str) -> str:
    """SPARQL 1.1 lets \\uXXXX escapes stand anywhere; check the text as a parser that expands them would see it."""
    def expand(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF else match.group(0)

    return _CODEPOINT.sub(expand, text)


def syntax_views(text: str) -> list[str]:
    """The query's syntax as written and with its \\u escapes expanded (a parser expands them anywhere)."""
    return [blank_opaque(text), blank_opaque(unescape_codepoints(text))]
