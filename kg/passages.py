"""Split long texts into passages short enough for a sentence-embedding model to read whole.

MiniLM-style models read at most 256 word-piece tokens and silently drop the rest, so a long tender
description would be judged by its first paragraph alone. Instead we cut it into passages of at most
``max_tokens`` tokens, on sentence boundaries where possible, with a little overlap so that a phrase
split between two passages is still seen whole by one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

__all__ = ["BatchTokenizer", "Tokenizer", "sentences", "split_many", "split_passages"]

# Sentence ends: a run of white space after ., !, ? or ; or holding a line break (descriptions use both).
# Spelt to begin with \s, so the regex engine skips to white space instead of trying every position: the
# same cuts as (?<=[.!?;])\s+|\s*\n\s* at well under half the cost.
_SENTENCE_END = re.compile(r"\s(?:(?<=[.!?;]\s)\s*|(?<=\n)\s*|[^\S\n]*\n\s*)")
# Without a tokenizer, English prose averages about 1.3 word pieces per word for BERT vocabularies.
_TOKENS_PER_WORD = 1.3

Counter = Callable[[Sequence[str]], Sequence[float]]


class Tokenizer(Protocol):
    """Anything with a Hugging Face style ``tokenize`` (e.g. ``SentenceTransformer.tokenizer``)."""

    def tokenize(self, text: str) -> list[str]:
        """Word pieces of ``text``, without special tokens."""
        ...


class BatchTokenizer(Tokenizer, Protocol):
    """A tokenizer that also counts the tokens of many texts in one call (e.g. ``kg.embeddings.FastTokenizer``)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Number of word pieces of each text, without special tokens."""
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
    return split_many([text], max_tokens=max_tokens, overlap=overlap, tokenizer=tokenizer)[0]


def split_many(
    texts: Sequence[str], *, max_tokens: int = 200, overlap: int = 32, tokenizer: Tokenizer | None = None
) -> list[list[str]]:
    """``split_passages`` of each text, counting the tokens of every distinct sentence in one batch.

    >>> split_many(["Road gritting. Winter only.", " "], max_tokens=3, overlap=0)
    [['Road gritting.', 'Winter only.'], []]
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ValueError(f"need max_tokens >= 1 and 0 <= overlap < max_tokens, got {max_tokens=}, {overlap=}")
    count = _counter(tokenizer)
    short = [_obviously_short(text, max_tokens, tokenizer) for text in texts]
    parts = [[] if fits else sentences(text) for text, fits in zip(texts, short, strict=True)]
    # More words than the budget cannot fit whatever the tokenizer: such a sentence is never counted whole.
    countable = list(dict.fromkeys(s for group in parts for s in group if len(s.split()) <= max_tokens))
    sizes = dict(zip(countable, count(countable), strict=True))
    return [
        ([text] if text.strip() else []) if fits else _split(text, group, sizes, count, max_tokens, overlap)
        for text, fits, group in zip(texts, short, parts, strict=True)
    ]


def _obviously_short(text: str, max_tokens: int, tokenizer: Tokenizer | None) -> bool:
    """Whether ``text`` surely fits without counting: a word piece covers at least one character of ASCII text."""
    return tokenizer is not None and len(text) <= max_tokens and text.isascii()


def sentences(text: str) -> list[str]:
    """The non-blank sentences of ``text``, stripped: cut after ``.``, ``!``, ``?`` or ``;`` and at line breaks.

    >>> sentences("Road gritting. Winter only;  spring too\\n\\nNo salt")
    ['Road gritting.', 'Winter only;', 'spring too', 'No salt']
    """
    return [s for s in (part.strip() for part in _SENTENCE_END.split(text)) if s]


def _counter(tokenizer: Tokenizer | None) -> Counter:
    if tokenizer is None:
        return lambda texts: [len(s.split()) * _TOKENS_PER_WORD for s in texts]
    batch = getattr(tokenizer, "count_tokens", None)
    if batch is not None:
        return batch
    return lambda texts: [len(tokenizer.tokenize(s)) for s in texts]


def _split(
    text: str, sentences: list[str], sizes: dict[str, float], count: Counter, max_tokens: int, overlap: int
) -> list[str]:
    """Passages of one text from its sentences and their token counts (absent when too many words to count)."""
    if not sentences:
        return []
    units: list[tuple[str, float]] = []
    for sentence in sentences:
        size = sizes.get(sentence, max_tokens + 1)
        if size <= max_tokens:
            units.append((sentence, size))
        else:
            units.extend(_windows(sentence.split(), count, max_tokens, overlap))
    if sum(size for _, size in units) <= max_tokens:
        return [text]
    return _pack(units, max_tokens, overlap)


def _windows(words: list[str], count: Counter, max_tokens: int, overlap: int) -> list[tuple[str, float]]:
    """Overlapping word windows over one sentence too long to be a passage by itself."""
    pieces: list[str] = []
    for word, size in zip(words, count(words), strict=True):
        # A word piece covers at least one character, so max_tokens characters always fit.
        if size > max_tokens:
            pieces.extend(word[i : i + max_tokens] for i in range(0, len(word), max_tokens))
        else:
            pieces.append(word)
    costs = list(count(pieces))
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
