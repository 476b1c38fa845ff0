"""Tests for ingest.readers: every input shape, every kind of bad input, and the real data."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import shutil
import sys
import tracemalloc
import types
from pathlib import Path

import orjson
import pytest

from ingest.errors import InputNotFound, InputUnreadable
from ingest.readers import Item, Located, Rejected, SourceRelease, iter_inputs, read_releases

FIXTURES = Path(__file__).parent / "data" / "readers"


def summary(items: list[Item]) -> list[tuple]:
    """Reduce items to comparable tuples: (line, pointer, kind or reason, ocid or None)."""
    out = []
    for item in items:
        if isinstance(item, SourceRelease):
            out.append((item.where.line, item.where.pointer, item.kind, item.release["ocid"]))
        else:
            out.append((item.where.line, item.where.pointer, item.reason, None))
    return out


def read(*paths: str | Path, **kwargs) -> list[Item]:
    """Read everything from the given paths into a list."""
    return list(read_releases([str(p) for p in paths], **kwargs))


def jsonl(n: int, prefix: str = "ocds-test") -> bytes:
    """Return n JSON Lines releases with varied, poorly compressible text."""
    lines = []
    for i in range(n):
        noise = hashlib.sha256(str(i).encode()).hexdigest() * 4
        lines.append(orjson.dumps({"ocid": f"{prefix}-{i:03}", "id": str(i), "tag": ["tender"], "note": noise}))
    return b"\n".join(lines) + b"\n"


# --- shapes -------------------------------------------------------------------------------------


def test_release_package_streams_each_release_with_its_pointer():
    items = read(FIXTURES / "release_package.json")
    assert summary(items) == [
        (None, "releases/0", "release", "ocds-abc-001"),
        (None, "releases/1", "release", "ocds-abc-002"),
        (None, "releases/2", "missing-ocid", None),
    ]
    assert items[0].where.source == str(FIXTURES / "release_package.json")
    # use_float: amounts are floats, not Decimal
    assert items[1].release["awards"][0]["value"]["amount"] == 1500.5
    assert type(items[1].release["awards"][0]["value"]["amount"]) is float
    assert items[2].detail == "release '003-no-ocid' has no ocid"


def test_record_package_yields_embedded_releases_then_compiled_release_then_rejects():
    items = read(FIXTURES / "record_package.json")
    assert summary(items) == [
        # the linked release at records/0/releases/1 is a reference, not a release
        (None, "records/0/releases/0", "release", "ocds-abc-010"),
        (None, "records/0/releases/2", "release", "ocds-abc-010"),
        (None, "records/1/compiledRelease", "compiledRelease", "ocds-abc-011"),
        (None, "records/2", "record-without-release", None),
        (None, "records/3/compiledRelease", "compiledRelease", "ocds-abc-013"),
    ]
    assert [i.release["id"] for i in items if isinstance(i, SourceRelease)] == [
        "010-1",
        "010-3",
        "011-compiled",
        "013-compiled",
    ]
    assert "'ocds-abc-012' has only linked releases and no compiledRelease" in items[3].detail
    # what a compiledRelease stands for: the releases its record links to
    assert items[2].linked == (("https://example.org/releases/011-1.json", "2024-03-01T00:00:00Z", ("tender",)),)
    assert items[4].linked == ()
    assert '"ocid": "ocds-abc-012"' in items[3].raw


def test_bare_release_file():
    items = read(FIXTURES / "bare_release.json")
    assert summary(items) == [(None, "0", "release", "ocds-abc-020")]
    assert items[0].release["buyer"] == {"name": "Example NHS Trust"}


def test_json_lines_keeps_reading_past_bad_lines_with_right_line_numbers():
    items = read(FIXTURES / "releases.jsonl")
    assert summary(items) == [
        (1, None, "release", "ocds-abc-030"),
        (2, None, "release", "ocds-abc-031"),
        # line 3 is blank: skipped, but still counted
        (4, None, "malformed-json", None),
        (5, None, "missing-ocid", None),
        (6, None, "missing-ocid", None),
        (7, None, "not-ocds", None),
        (8, "0", "not-ocds", None),
        (8, "1", "not-ocds", None),
        (9, None, "release", "ocds-abc-035"),
    ]
    bad = items[2]
    assert bad.raw == '{"ocid": "ocds-abc-032", "id": "032", "tag": ["award"], "title": '
    assert bad.detail.startswith("line 4 is not valid JSON: ")
    assert items[4].detail == "release has an unusable ocid ''"
    assert items[5].raw == '{"foo": 1}'


def test_json_lines_of_packages_expand_into_releases():
    assert summary(read(FIXTURES / "packages.jsonl")) == [
        (1, "releases/0", "release", "ocds-abc-040"),
        (1, "releases/1", "release", "ocds-abc-041"),
        (2, None, "release", "ocds-abc-042"),
        (3, "records/0/releases/0", "release", "ocds-abc-043"),
    ]


def test_concatenated_json_values():
    assert summary(read(FIXTURES / "concatenated.json")) == [
        (None, "0", "release", "ocds-abc-050"),
        (None, "1", "release", "ocds-abc-051"),
        (None, "2/releases/0", "release", "ocds-abc-052"),
    ]


def test_concatenated_values_on_one_line(tmp_path):
    path = tmp_path / "one_line.json"
    path.write_text('{"ocid": "ocds-a-1", "id": "1"}{"ocid": "ocds-a-2", "id": "2"} {"id": "3"}\n')
    assert summary(read(path)) == [
        (1, "0", "release", "ocds-a-1"),
        (1, "1", "release", "ocds-a-2"),
        (1, "2", "missing-ocid", None),
    ]


def test_top_level_array_of_releases_and_packages(tmp_path):
    path = tmp_path / "array.json"
    path.write_text('[\n {"ocid": "ocds-a-1", "id": "1"},\n {"releases": [{"ocid": "ocds-a-2", "id": "2"}]}\n]\n')
    assert summary(read(path)) == [
        (None, "0", "release", "ocds-a-1"),
        (None, "1/releases/0", "release", "ocds-a-2"),
    ]


def test_minified_package_on_one_line(tmp_path):
    path = tmp_path / "package.json"
    path.write_bytes(orjson.dumps({"uri": "u", "releases": [{"ocid": "ocds-a-1", "id": "1"}, {"ocid": "ocds-a-2"}]}))
    assert summary(read(path)) == [(1, "releases/0", "release", "ocds-a-1"), (1, "releases/1", "release", "ocds-a-2")]


def test_package_metadata_longer_than_one_read_is_still_sniffed(tmp_path):
    releases = [{"ocid": f"ocds-a-{i}", "id": str(i)} for i in range(3)]
    package = {"uri": "u", "extensions": ["x" * 100] * 2000, "releases": releases}
    path = tmp_path / "package.json"
    path.write_bytes(orjson.dumps(package, option=orjson.OPT_INDENT_2))
    assert [i.where.pointer for i in read(path)] == ["releases/0", "releases/1", "releases/2"]


def test_root_path_overrides_detection(tmp_path):
    path = tmp_path / "wrapped.json"
    path.write_text('{"data": {"items": [{"ocid": "ocds-a-1", "id": "1"}, {"ocid": "ocds-a-2", "id": "2"}]}}\n')
    assert summary(read(path, root_path="data.items.item")) == [
        (None, "data/items/0", "release", "ocds-a-1"),
        (None, "data/items/1", "release", "ocds-a-2"),
    ]
    # without the override the wrapper is one non-OCDS object
    assert [i.reason for i in read(path)] == ["not-ocds"]


def test_gzipped_json_lines(tmp_path):
    path = tmp_path / "releases.jsonl.gz"
    path.write_bytes(gzip.compress((FIXTURES / "releases.jsonl").read_bytes()))
    assert summary(read(path)) == summary(read(FIXTURES / "releases.jsonl"))


def test_gzip_is_detected_by_magic_bytes_not_extension(tmp_path):
    path = tmp_path / "package.json"
    path.write_bytes(gzip.compress((FIXTURES / "record_package.json").read_bytes()))
    assert summary(read(path)) == summary(read(FIXTURES / "record_package.json"))


def test_directory_is_expanded_recursively_in_sorted_order(tmp_path):
    shutil.copy(FIXTURES / "bare_release.json", tmp_path / "b.json")
    (tmp_path / "a").mkdir()
    shutil.copy(FIXTURES / "packages.jsonl", tmp_path / "a" / "packages.ndjson")
    (tmp_path / "a" / "c.jsonl.gz").write_bytes(gzip.compress(b'{"ocid": "ocds-gz-1", "id": "1"}\n'))
    (tmp_path / "notes.txt").write_text("not an input")
    (tmp_path / "a" / "data.csv").write_text("ocid\n")
    assert list(iter_inputs([str(tmp_path)])) == [
        str(tmp_path / "a" / "c.jsonl.gz"),
        str(tmp_path / "a" / "packages.ndjson"),
        str(tmp_path / "b.json"),
    ]
    items = read(tmp_path)
    assert [(i.where.source, i.release["ocid"]) for i in items] == [
        (str(tmp_path / "a" / "c.jsonl.gz"), "ocds-gz-1"),
        *[(str(tmp_path / "a" / "packages.ndjson"), f"ocds-abc-04{n}") for n in range(4)],
        (str(tmp_path / "b.json"), "ocds-abc-020"),
    ]


def test_inputs_keep_their_order_and_dash_means_stdin(tmp_path):
    first, second = tmp_path / "z.json", tmp_path / "a.json"
    first.write_text("{}")
    second.write_text("{}")
    assert list(iter_inputs([str(first), "-", str(second)])) == [str(first), "-", str(second)]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_stdin(monkeypatch, compress):
    data = (FIXTURES / "packages.jsonl").read_bytes()
    monkeypatch.setattr(
        sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(gzip.compress(data) if compress else data))
    )
    items = read("-")
    assert {i.where.source for i in items} == {"<stdin>"}
    assert summary(items) == summary(read(FIXTURES / "packages.jsonl"))


def test_stdin_that_is_a_buffered_reader_streams_a_package(monkeypatch):
    data = (FIXTURES / "release_package.json").read_bytes()
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BufferedReader(io.BytesIO(data))))
    assert [i.where.pointer for i in read("-")] == ["releases/0", "releases/1", "releases/2"]


def test_bytes_that_are_not_utf8_are_read_as_windows_1252(tmp_path):
    # A line mixing UTF-8 (the first £) with Windows-1252 (é, then £ as 0xA3 and a curly quote as 0x92).
    lines = tmp_path / "cp1252.jsonl"
    lines.write_bytes(b'{"ocid": "ocds-a-1", "id": "1", "title": "' + "£1".encode() + b' Caf\xe9 \xa3500 Buyer\x92s"}\n')
    package = tmp_path / "cp1252.json"
    package.write_bytes(b'{\n"releases": [{"ocid": "ocds-a-2", "title": "Caf\xe9 \xa3500 \x81"}]}\n')
    assert [i.release["title"] for i in read(lines, package)] == ["£1 Café £500 Buyer’s", "Café £500 \ufffd"]
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b'{"ocid": "ocds-a-3"}\n{"ocid": "ocds-a-4", "title": "\xa3500" ]\n')
    assert [getattr(i, "raw", None) for i in read(broken)] == [None, '{"ocid": "ocds-a-4", "title": "£500" ]']


def test_byte_order_mark_and_crlf_are_tolerated(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"ocid": "ocds-a-1", "id": "1"}\r\n\r\n{"ocid": "ocds-a-2", "id": "2"}\r\n')
    assert summary(read(path)) == [(1, None, "release", "ocds-a-1"), (3, None, "release", "ocds-a-2")]


def test_lone_surrogate_escape_is_read(tmp_path):
    path = tmp_path / "surrogate.jsonl"
    path.write_bytes(b'{"ocid": "ocds-a-1", "title": "x\\ud800y"}\n')
    assert summary(read(path)) == [(1, None, "release", "ocds-a-1")]


# --- bad input ----------------------------------------------------------------------------------


def test_non_ocds_json_and_non_json_files_are_rejected_once():
    items = read(FIXTURES / "not_ocds.json", FIXTURES / "not_json.csv")
    assert summary(items) == [(None, "0", "not-ocds", None), (1, None, "not-ocds", None)]
    assert items[1].raw == "ocid,id,title"
    assert items[1].detail.endswith("line 1 starts with neither { nor [")


@pytest.mark.parametrize(
    "content",
    [b"", b"  \n\n\t\n", gzip.compress(b""), gzip.compress(b"\n\n")],
    ids=["zero-bytes", "whitespace", "empty-gzip", "blank-gzip"],
)
def test_empty_file_is_one_rejection(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    items = read(path)
    assert items == [Rejected(Located(str(path), None, None), "empty-file", f"{path} is empty", None)]


def test_truncated_gzip_keeps_lines_before_the_cut(tmp_path):
    data = jsonl(200)
    compressed = gzip.compress(data)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    items = read(path)
    *good, last = items
    assert 50 < len(good) < 150
    assert summary(good) == [(n + 1, None, "release", f"ocds-test-{n:03}") for n in range(len(good))]
    assert last.reason == "truncated-gzip"
    assert last.where.line == len(good) + 1
    assert f"after line {len(good)}" in last.detail
    cut_line = data.decode().splitlines()[len(good)]
    assert last.raw and cut_line.startswith(last.raw) and last.raw != cut_line  # kept for the quarantine file


def test_gzip_cut_inside_its_trailer_still_reports_truncation(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(3))[:-4])
    items = read(path)
    assert summary(items) == [
        (1, None, "release", "ocds-test-000"),
        (2, None, "release", "ocds-test-001"),
        (3, None, "release", "ocds-test-002"),
        (4, None, "truncated-gzip", None),
    ]
    assert "after line 3" in items[-1].detail


def test_gzip_cut_before_any_line(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(3))[:12])
    assert [(i.reason, i.where.line) for i in read(path)] == [("truncated-gzip", None)]


def test_truncated_gzip_package_keeps_releases_before_the_cut(tmp_path):
    releases = [orjson.loads(line) for line in jsonl(200).splitlines()]
    compressed = gzip.compress(orjson.dumps({"uri": "u", "releases": releases}, option=orjson.OPT_INDENT_2))
    path = tmp_path / "package.json.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    *good, last = read(path)
    assert 50 < len(good) < 150
    assert [i.release["ocid"] for i in good] == [f"ocds-test-{n:03}" for n in range(len(good))]
    assert (last.reason, last.where.pointer) == ("truncated-gzip", f"releases/{len(good)}")


def test_truncated_plain_package_is_malformed_at_the_pointer_reached(tmp_path):
    text = (FIXTURES / "release_package.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"ocid": "ocds-abc-002"') + 10])
    items = read(path)
    assert summary(items) == [
        (None, "releases/0", "release", "ocds-abc-001"),
        (None, "releases/1", "malformed-json", None),
    ]
    assert items[-1].detail.startswith("invalid JSON at releases/1: ")


def test_missing_path_raises_before_anything_is_read(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"ocid": "ocds-a-1", "id": "1"}\n')
    missing = tmp_path / "nope.jsonl"
    releases = read_releases([str(good), str(missing)])
    with pytest.raises(InputNotFound, match=re.escape(f"{missing} does not exist; check the path")):
        next(releases)


def test_an_ocid_with_spaces_around_it_is_the_same_process(tmp_path):
    path = tmp_path / "spaced.jsonl"
    path.write_bytes(orjson.dumps({"ocid": " ocds-sp-1\t", "id": "1"}) + b"\n" + orjson.dumps({"ocid": "ocds-sp-1", "id": "2"}) + b"\n")
    assert [item.release["ocid"] for item in read(path)] == ["ocds-sp-1", "ocds-sp-1"]


def test_a_file_named_twice_is_read_once(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(jsonl(2))
    given = [str(tmp_path), str(tmp_path / "a.jsonl"), f"{tmp_path}/./a.jsonl", "-", "-"]
    assert list(iter_inputs(given)) == [str(tmp_path / "a.jsonl"), "-", "-"]


def test_suffixes_in_capitals_are_inputs_too(tmp_path):
    (tmp_path / "X.JSONL").write_bytes(jsonl(1, "ocds-caps"))
    (tmp_path / "y.json.GZ").write_bytes(gzip.compress(jsonl(1, "ocds-gzcaps")))
    assert list(iter_inputs([str(tmp_path)])) == [str(tmp_path / "X.JSONL"), str(tmp_path / "y.json.GZ")]


def test_a_record_with_only_a_compiled_release_loads_it(tmp_path):
    record = {"ocid": "ocds-rec-1", "compiledRelease": {"ocid": "ocds-rec-1", "id": "c", "tender": {"title": "Gritting"}}}
    path = tmp_path / "record.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    [item] = read(path)
    assert isinstance(item, SourceRelease) and item.kind == "compiledRelease" and item.release["tender"]["title"] == "Gritting"
    path.write_bytes(orjson.dumps({"releases": None, **record}) + b"\n")  # a releases key that holds no list
    [item] = read(path)
    assert isinstance(item, SourceRelease) and item.kind == "compiledRelease"


def test_directory_without_inputs_raises(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(InputNotFound, match="holds no .json"):
        list(iter_inputs([str(tmp_path)]))


def test_unreadable_path_raises(tmp_path, monkeypatch):
    path = tmp_path / "secret.json"
    path.write_text("{}")
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # root could read a chmod 000 file
    with pytest.raises(InputUnreadable, match=re.escape(f"{path} cannot be read; check its permissions")):
        list(iter_inputs([str(path)]))


class FailingStream(io.RawIOBase):
    """A byte stream that serves some data, then fails like a disk or network error."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.data:
            raise OSError(5, "Input/output error")
        size = min(len(buffer), len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


def test_read_error_midway_is_rejected_as_unreadable(monkeypatch):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=FailingStream(jsonl(2))))
    items = read("-")
    assert summary(items) == [
        (1, None, "release", "ocds-test-000"),
        (2, None, "release", "ocds-test-001"),
        (3, None, "unreadable", None),
    ]
    assert items[-1].detail == "reading <stdin> failed after line 2: [Errno 5] Input/output error"


def test_integers_beyond_64_bits_in_json_lines_become_floats(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text('{"ocid": "ocds-a-1", "id": 123456789012345678901234567890}\n')
    assert read(path)[0].release["id"] == pytest.approx(1.2345678901234568e29)


def test_a_large_package_is_streamed_in_flat_memory(tmp_path):
    releases = [{"ocid": f"ocds-a-{i}", "id": str(i), "tender": {"title": "x" * 1000}} for i in range(5000)]
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps({"uri": "u", "releases": releases}, option=orjson.OPT_INDENT_2))
    del releases
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_releases([str(path)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 5000
    assert peak < 2_000_000, f"peak {peak:,} bytes for a {path.stat().st_size:,}-byte package"


# --- real data ----------------------------------------------------------------------------------


def test_real_files_yield_one_release_per_line_and_nothing_rejected(real_files: list[Path]) -> None:
    for path in real_files:
        lines = gzip.decompress(path.read_bytes()).split(b"\n")
        expected = [(n, None, "release", orjson.loads(line)["ocid"]) for n, line in enumerate(lines, 1) if line.strip()]
        items = read(path)
        assert summary(items) == expected, path.name
        assert all(i.where.source == str(path) for i in items)


def test_module_docstring_example_runs():
    import doctest

    from ingest import readers

    assert doctest.testmod(readers).failed == 0
