"""Split long texts into passages short enough for a sentence-embedding model to read whole.

MiniLM-style models read at most 256 word-piece tokens and silently drop the rest, so a long tender
description would be judged by its first paragraph alone. Instead we cut it into passages of at most
``max_tokens`` tokens, on sentence boundaries where possible, with a little overlap so that a phrase
split between two passages is still seen whole by one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

__all__ = ["Tokenizer", "split_passages"]

# Sentence ends (., !, ?, ;) followed by space, or any line break: descriptions use both.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*")
# Without a tokenizer, English prose averages about 1.3 word pieces per word for BERT vocabularies.
_TOKENS_PER_WORD = 1.3


class Tokenizer(Protocol):
    """Anything with a Hugging Face style ``tokenize`` (e.g. ``SentenceTransformer.tokenizer``)."""

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, without special tokens."""
        ...


def split_passages(
    text: str, *, max_tokens: int = 200, overlap: int = 32, tokenizer: Tokenizer | None = None
) -> list[str]:
    """Passages of at most ``max_tokens`` tokens covering ``text``: ``[text]`` if it fits, ``[]`` if blank.

    Args:
        text: the text to split.
        max_tokens: token budget of one passage; keep it below the model's limit (256 for MiniLM)
            since ``[CLS]``/``[SEP]`` and, without a tokenizer, the estimate need room.
        overlap: tokens repeated at the start of a passage from the end of the previous one.
        tokenizer: counts tokens exactly; without it tokens are estimated as words × 1.3.

    >>> split_passages("Road gritting. Winter only.", max_tokens=3, overlap=0)
    ['Road gritting.', 'Winter only.']
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ValueError(f"need max_tokens >= 1 and 0 <= overlap < max_tokens, got {max_tokens=}, {overlap=}")
    if not text.strip():
        return []
    cost = _counter(tokenizer)
    units: list[tuple[str, float]] = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE_END.split(text))):
        # More words than the budget cannot fit whatever the tokenizer: skip counting the whole sentence.
        size = cost(sentence) if len(sentence.split()) <= max_tokens else max_tokens + 1
        if size <= max_tokens:
            units.append((sentence, size))
        else:
            units.extend(_windows(sentence.split(), cost, max_tokens, overlap))
    if sum(size for _, size in units) <= max_tokens:
        return [text]
    return _pack(units, max_tokens, overlap)


def _counter(tokenizer: Tokenizer | None) -> Callable[[str], float]:
    if tokenizer is None:
        return lambda s: len(s.split()) * _TOKENS_PER_WORD
    return lambda s: len(tokenizer.tokenize(s))


def _windows(words: list[str], cost: Callable[[str], float], max_tokens: int, overlap: int) -> list[tuple[str, float]]:
    """Overlapping word windows over one sentence too long to be a passage by itself."""
    pieces: list[str] = []
    for word in words:
        # A word piece covers at least one character, so max_tokens characters always fit.
        if cost(word) > max_tokens:
            pieces.extend(word[i : i + max_tokens] for i in range(0, len(word), max_tokens))
        else:
            pieces.append(word)
    costs = [cost(p) for p in pieces]
    windows: list[tuple[str, float]] = []
    start = 0
    while True:
        end, size = start, 0.0
        # At least one piece per window, so even an estimate above a tiny budget makes progress.
        while end < len(pieces) and (end == start or size + costs[end] <= max_tokens):
            size += costs[end]
            end += 1
        windows.append((" ".join(pieces[start:end]), size))
        if end == len(pieces):
            return windows
        back, shared = end, 0.0
        while back > start + 1 and shared + costs[back - 1] <= overlap:
            back -= 1
            shared += costs[back]
        start = back


def _pack(units: list[tuple[str, float]], max_tokens: int, overlap: int) -> list[str]:
    """Greedily join sentences into passages, carrying trailing sentences worth ``overlap`` tokens over."""
    passages: list[str] = []
    current: list[tuple[str, float]] = []
    size = 0.0
    for unit in units:
        if current and size + unit[1] > max_tokens:
            passages.append(" ".join(s for s, _ in current))
            carried: list[tuple[str, float]] = []
            shared = 0.0
            for prev in reversed(current):
                if shared + prev[1] > overlap or shared + prev[1] + unit[1] > max_tokens:
                    break
                carried.insert(0, prev)
                shared += prev[1]
            current, size = carried, shared
        current.append(unit)
        size += unit[1]
    passages.append(" ".join(s for s, _ in current))
    return passages
