"""Stream OCDS releases out of files, directories and stdin, whatever their packaging.

Memory model: JSON Lines are read one line at a time and parsed with orjson; packages and other
multi-line JSON are parsed with ijson (the yajl2_c backend when it is compiled, which ijson picks by
itself), so a package of any size costs one release at a time. Gzip is detected by its magic bytes.

Every line or packaged release read becomes exactly one yielded item, a `SourceRelease` or a
`Rejected`, so a caller can check that read == loaded + quarantined. The exceptions: a line or value
that is a package yields one item per release in it, blank lines yield nothing, and a file that
stops early (truncated gzip, cut JSON) ends with one `Rejected` saying where it stopped.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "one.jsonl")
>>> _ = open(path, "w").write('{"ocid": "ocds-a-1", "id": "1"}\\n{"id": "2"}\\n')
>>> [(type(item).__name__, item.where.line) for item in read_releases([path])]
[('SourceRelease', 1), ('Rejected', 2)]
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ijson
import orjson

from ingest.errors import InputNotFound, InputUnreadable

__all__ = ["STDIN", "SUFFIXES", "Item", "Located", "Rejected", "SourceRelease", "iter_inputs", "read_releases"]

STDIN = "<stdin>"  # the source name of what is read from standard input
SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 16
# A first line longer than this is not treated as JSON Lines but streamed with ijson, so that a
# huge package written on one line is never held in memory.
_FIRST_LINE_MAX = 1 << 22
# How far to read ahead to find the first value's shape (e.g. past a package's metadata).
_SNIFF_MAX = 1 << 20
_RAW_MAX = 2000
# Keys that mark an object as an OCDS release even when its ocid is missing.
_RELEASE_KEYS = frozenset(("id", "date", "tag", "initiationType", "parties", "buyer", "planning", "tender"))
_RELEASE_KEYS |= {"awards", "contracts", "language", "relatedProcesses"}


def _as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Read bytes that are not UTF-8 as Windows-1252, where UK publishers' stray bytes come from (0xA3 is £ there)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("cp1252", "replace"), error.end


_REPAIR = "missionkg-cp1252"
codecs.register_error(_REPAIR, _as_windows_1252)


@dataclass(frozen=True, slots=True)
class Located:
    """Where an item came from: the path as given, its line (JSON Lines) and a pointer inside it."""

    source: str
    line: int | None
    pointer: str | None


Linked = tuple[tuple[str, str | None, tuple[str, ...]], ...]  # (url, date, tags) of each release a record links to


@dataclass(frozen=True, slots=True)
class SourceRelease:
    """An OCDS release read from the input; `kind` says if it was a record's compiledRelease, and `linked` holds
    (url, date, tags) of each release its record only links to: the history that compiledRelease stands for."""

    release: dict[str, Any]
    where: Located
    kind: Literal["release", "compiledRelease"]
    linked: Linked = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input that cannot become a release, with a short reason code and a sentence for people."""

    where: Located
    reason: str
    detail: str
    raw: str | None


Item = SourceRelease | Rejected


def iter_inputs(paths: Sequence[str]) -> Iterator[str]:
    """Expand directories into the OCDS files under them (sorted); raise InputNotFound up front."""
    expanded: list[str] = []
    for path in paths:
        if path == "-":
            expanded.append(path)
        elif os.path.isdir(path):
            found = sorted(str(f) for f in Path(path).rglob("*") if f.name.lower().endswith(SUFFIXES) and f.is_file())
            if not found:
                raise InputNotFound(f"{path} holds no {', '.join(SUFFIXES)} files; check the directory")
            expanded.extend(found)
        elif os.path.exists(path):  # a file, or a pipe such as <(zcat ...)
            expanded.append(path)
        else:
            raise InputNotFound(f"{path} does not exist; check the path (use - for standard input)")
    for path in expanded:
        if path != "-" and not os.access(path, os.R_OK):
            raise InputUnreadable(f"{path} cannot be read; check its permissions")
    unique: list[str] = []
    seen: set[str] = set()
    for path in expanded:  # a file named twice (also inside a directory given) is read once
        real = os.path.realpath(path) if path != "-" else None
        if real is None or real not in seen:
            unique.append(path)
            seen.add(real or "")
    return iter(unique)


def read_releases(paths: Sequence[str], *, root_path: str | None = None) -> Iterator[Item]:
    """Yield every release (or rejection) in the inputs; `root_path` overrides the ijson prefix.

    Args:
        paths: files, directories (searched for `SUFFIXES`) or "-" for standard input.
        root_path: an ijson prefix such as "releases.item" applied to every file instead of
            detecting each file's shape.
    """
    for path in iter_inputs(paths):
        yield from _read_path(path, root_path)


def _read_path(path: str, root_path: str | None) -> Iterator[Item]:
    """Open one input, undo gzip if its magic bytes say so, and read what it holds."""
    with ExitStack() as stack:
        if path == "-":
            source, raw = STDIN, sys.stdin.buffer
        else:
            try:
                source, raw = path, stack.enter_context(open(path, "rb"))
            except OSError as exc:
                raise InputUnreadable(f"{path} cannot be opened ({exc.strerror}); check its permissions") from exc
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(raw)  # type: ignore[arg-type]  # e.g. a BytesIO standing in for stdin
        data = gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == _GZIP_MAGIC else raw
        src = _Source(data)
        yield from _read_decoded(io.BufferedReader(src, _CHUNK), src, source, root_path)


class _Source(io.RawIOBase):
    """Bytes from `inner` after `head`; a read fault ends the stream and is kept in `fault`."""

    def __init__(self, inner: Any, head: bytes = b"", *, repair_utf8: bool = False) -> None:
        super().__init__()
        self._inner = inner
        self._queued = head
        self._pending = b""
        self._eof = False
        # yajl rejects invalid UTF-8, and some publishers have stray bytes: read them as Windows-1252.
        self._decoder = codecs.getincrementaldecoder("utf-8")(_REPAIR) if repair_utf8 else None
        self.fault: BaseException | None = None

    def readable(self) -> bool:
        """Say that this stream can be read."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` from the pending bytes, reading one more chunk when none are left."""
        while not self._pending and not self._eof:
            self._pending = self._next_chunk(len(buffer))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _next_chunk(self, size: int) -> bytes:
        """Return the queued head, else one read1() of the inner stream; b"" marks the end."""
        if self._queued:
            chunk, self._queued = self._queued, b""
        else:
            try:
                # read1 makes one call below, so a gzip fault cannot swallow lines already inflated.
                chunk = self._inner.read1(size)
            except (OSError, EOFError, zlib.error) as exc:
                self.fault, chunk = exc, b""
        self._eof = not chunk
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk, final=self._eof).encode()
        return chunk


def _read_decoded(lines: io.BufferedReader, src: _Source, source: str, root_path: str | None) -> Iterator[Item]:
    """Pick JSON Lines or streamed JSON from the first non-blank line, then read the rest."""
    number, first = 1, lines.readline(_FIRST_LINE_MAX).removeprefix(_BOM)
    while first and not first.strip():
        number, first = number + 1, lines.readline(_FIRST_LINE_MAX)
    stripped = first.strip()
    if not stripped:
        if src.fault is not None:
            yield _fault(src.fault, Located(source, None, None), "before any data", None)
        else:
            yield Rejected(Located(source, None, None), "empty-file", f"{source} is empty", None)
    elif stripped[:1] not in (b"{", b"["):
        detail = f"{source} is not JSON: line {number} starts with neither {{ nor ["
        yield Rejected(Located(source, number, None), "not-ocds", detail, _clip(first))
    elif (
        root_path is None and stripped[-1:] in (b"}", b"]") and (first.endswith(b"\n") or len(first) < _FIRST_LINE_MAX)
    ):
        yield from _read_lines(first, number, lines, src, source)
    else:
        yield from _read_values(first, lines, src, source, root_path)


def _read_lines(first: bytes, start: int, lines: io.BufferedReader, src: _Source, source: str) -> Iterator[Item]:
    """Parse JSON Lines one line at a time; a bad line is rejected and reading goes on."""
    number = start
    for number, line in enumerate(itertools.chain((first,), lines), start):
        if not line.strip():
            continue
        try:
            values = _parse_line(line)
        except ValueError as exc:
            where = Located(source, number, None)
            if src.fault is not None and not line.endswith(b"\n"):
                yield _fault(src.fault, where, f"in line {number}, after line {number - 1}", _clip(line))
                return
            yield Rejected(where, "malformed-json", f"line {number} is not valid JSON: {exc}", _clip(line))
            continue
        if len(values) == 1:
            yield from _expand(values[0], source, number, None)
        else:  # several JSON values written on one line
            for index, value in enumerate(values):
                yield from _expand(value, source, number, str(index))
    if src.fault is not None:
        yield _fault(src.fault, Located(source, number + 1, None), f"after line {number}", None)


def _parse_line(line: bytes) -> list[Any]:
    """Parse one line into its JSON values, reading bytes that are not UTF-8 as Windows-1252; raise ValueError if malformed."""
    try:
        return [orjson.loads(line)]
    except orjson.JSONDecodeError:
        text = line.decode("utf-8", _REPAIR).strip()
    try:
        return [orjson.loads(text)]
    except orjson.JSONDecodeError as exc:
        error = exc
    try:  # concatenated values, or escapes orjson refuses such as a lone surrogate
        return list(ijson.items(io.BytesIO(text.encode()), "", multiple_values=True, use_float=True))
    except ijson.JSONError:
        raise ValueError(str(error)) from error


def _read_values(
    first: bytes, lines: io.BufferedReader, src: _Source, source: str, root_path: str | None
) -> Iterator[Item]:
    """Stream multi-line or concatenated JSON with ijson, at a prefix sniffed from the first value."""
    head, prefix = first, root_path if root_path is not None else _sniff(first)
    while prefix is None:
        chunk = lines.read1(_CHUNK) if len(head) < _SNIFF_MAX else b""
        head += chunk
        prefix = _sniff(head) if chunk else ""
    steps = prefix.split(".") if prefix else []
    base = "/".join(steps[:-1] if steps[-1:] == ["item"] else steps) or None
    handle: Callable[[Any, str, int | None, str | None], Iterator[Item]]
    if prefix.endswith("records.item"):
        handle = _record
    elif prefix.endswith("releases.item"):
        handle = _release
    else:
        handle = _expand
    done = 0
    try:
        # use_float gives floats, not Decimal; yajl2_c then refuses integers beyond 64 bits, which
        # ends the file with one malformed-json rejection (https://github.com/ICRAR/ijson/issues/153).
        for value in ijson.items(_Source(lines, head, repair_utf8=True), prefix, multiple_values=True, use_float=True):
            yield from handle(value, source, None, _join(base, str(done)))
            done += 1
    except ijson.JSONError as exc:
        if src.fault is None:
            pointer = _join(base, str(done))
            detail = (f"invalid JSON at {pointer}: {_first_line(exc)}; nothing after it in {source} was read "
                      f"(a JSON parser cannot find where the next value starts): mend the file and build it again")
            yield Rejected(Located(source, None, pointer), "malformed-json", detail, None)
            return
    if src.fault is not None:
        pointer = _join(base, str(done))
        yield _fault(src.fault, Located(source, None, pointer), f"at {pointer}", None)


def _sniff(head: bytes) -> str | None:
    """Return the ijson prefix that fits the first JSON value in `head`, or None if it is too short."""
    events = ijson.parse(io.BytesIO(head.decode("utf-8", _REPAIR).encode()), multiple_values=True)
    try:
        for prefix, event, value in events:
            if prefix == "" and event == "start_array":
                return "item"
            if prefix == "" and (event == "end_map" or (event == "map_key" and value == "ocid")):
                return ""  # a release or a record: take each top-level value whole
            if event == "start_array" and prefix in ("releases", "records"):
                return f"{prefix}.item"
    except ijson.JSONError:
        return None  # cut mid-value (or malformed, which the real parse will report)
    return None


def _expand(value: Any, source: str, line: int | None, pointer: str | None) -> Iterator[Item]:
    """Yield what one top-level value holds: a release, a record, an array, or a package's releases."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expand(item, source, line, _join(pointer, str(index)))
    elif isinstance(value, dict) and isinstance(value.get("records"), list):
        for index, record in enumerate(value["records"]):
            yield from _record(record, source, line, _join(pointer, f"records/{index}"))
    elif isinstance(value, dict) and (isinstance(value.get("releases"), list) or isinstance(value.get("compiledRelease"), dict)):
        if "ocid" in value or not isinstance(value.get("releases"), list):  # a record on its own, as ocdskit's is_record() has it
            yield from _record(value, source, line, pointer)
        else:
            for index, release in enumerate(value["releases"]):
                yield from _release(release, source, line, _join(pointer, f"releases/{index}"))
    else:
        yield _check(value, Located(source, line, pointer), "release")


def _release(value: Any, source: str, line: int | None, pointer: str | None) -> Iterator[Item]:
    """Yield one packaged release, checked."""
    yield _check(value, Located(source, line, pointer), "release")


def _record(record: Any, source: str, line: int | None, pointer: str | None) -> Iterator[Item]:
    """Yield a record's embedded releases, else its compiledRelease, else one rejection."""
    where = Located(source, line, pointer)
    if not isinstance(record, dict):
        yield _check(record, where, "release")
        return
    releases = record["releases"] if isinstance(record.get("releases"), list) else []
    embedded = [(index, release) for index, release in enumerate(releases) if not _is_linked(release)]
    if embedded:
        for index, release in embedded:
            yield _check(release, Located(source, line, _join(pointer, f"releases/{index}")), "release")
    elif isinstance(record.get("compiledRelease"), dict):
        linked = tuple(_linked(release) for release in releases if _is_linked(release))
        yield _check(
            record["compiledRelease"], Located(source, line, _join(pointer, "compiledRelease")), "compiledRelease", linked
        )
    else:
        has = "only linked releases" if releases else "no releases"
        detail = f"record {record.get('ocid')!r} has {has} and no compiledRelease, so no release to load"
        yield Rejected(where, "record-without-release", detail, _dump(record))


def _is_linked(release: Any) -> bool:
    """Say whether a record's release only links to one published elsewhere (url, date, tag)."""
    return isinstance(release, dict) and "url" in release and "id" not in release and "ocid" not in release


def _linked(release: dict[str, Any]) -> tuple[str, str | None, tuple[str, ...]]:
    """(url, date, tags) of a linked release, as far as it states them."""
    date, tags = release.get("date"), release.get("tag")
    tags = tags if isinstance(tags, list) else [tags] if tags else []
    return str(release["url"]), date if isinstance(date, str) else None, tuple(str(tag) for tag in tags)


def _check(value: Any, where: Located, kind: Literal["release", "compiledRelease"], linked: Linked = ()) -> Item:
    """Accept an object with a non-empty string ocid; reject anything else with its reason."""
    if isinstance(value, dict):
        ocid = value.get("ocid")
        if isinstance(ocid, str) and ocid.strip():
            if ocid != ocid.strip():  # " ocds-x-1 " is ocds-x-1, not a process of its own
                value = {**value, "ocid": ocid.strip()}
            return SourceRelease(value, where, kind, linked)
        if value.keys() & _RELEASE_KEYS:
            detail = (
                f"release {value.get('id')!r} has no ocid" if ocid is None else f"release has an unusable ocid {ocid!r}"
            )
            return Rejected(where, "missing-ocid", detail, _dump(value))
        return Rejected(where, "not-ocds", "a JSON object with no ocid and no OCDS release fields", _dump(value))
    return Rejected(
        where, "not-ocds", f"a JSON {type(value).__name__} where an OCDS release object belongs", _dump(value)
    )


def _fault(exc: BaseException, where: Located, place: str, raw: str | None) -> Rejected:
    """Reject the rest of a file whose bytes stopped coming: a cut or corrupt gzip, or an I/O error."""
    if isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile):
        return Rejected(where, "unreadable", f"reading {where.source} failed {place}: {exc}", raw)
    detail = f"the gzip data of {where.source} is cut short or corrupt {place} ({exc}); what came before was read"
    return Rejected(where, "truncated-gzip", detail, raw)


def _join(base: str | None, tail: str) -> str:
    """Append a step to a pointer."""
    return tail if base is None else f"{base}/{tail}"


def _first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message (yajl's messages span several lines)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _clip(data: bytes) -> str:
    """Decode raw input for a quarantine record, cut to about 2000 characters."""
    return data[: _RAW_MAX * 4].decode("utf-8", _REPAIR).rstrip("\r\n")[:_RAW_MAX]


def _dump(value: Any) -> str:
    """Serialise a rejected value for a quarantine record, cut to about 2000 characters."""
    return json.dumps(value, ensure_ascii=False, default=str)[:_RAW_MAX]
