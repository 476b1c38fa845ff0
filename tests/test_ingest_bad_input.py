"""Bad input through `missionkg build`: every rejected record is quarantined with its reason and place, nothing
else is lost, and the exit code says what happened (0 clean, 3 some quarantined, 2 nothing usable)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from ingest.stages import STAGES
from kg.settings import Settings
from kg.store import open_store

FIXTURES = Path(__file__).parent / "data" / "ingest"
SKIP = [arg for name, _ in STAGES for arg in ("--skip", name)]  # ingest only


def missionkg_build(data_dir: Path, *inputs: Path | str) -> tuple[int, dict[str, Any] | None, str]:
    """Run `missionkg build ... --json` in a subprocess: (exit code, summary or None, standard error)."""
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", "build", *map(str, inputs), "--data-dir", str(data_dir), "--json", *SKIP],
        capture_output=True, text=True, timeout=300, check=False,
    )
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else None, result.stderr


def quarantined(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "quarantine.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def ocids(data_dir: Path) -> list[str]:
    store = open_store(Settings(data_dir=data_dir), read_only=True)
    try:
        return sorted(store.select("SELECT ?o WHERE { ?p a mkg:ContractingProcess ; mkg:ocid ?o }").column("o"))
    finally:
        store.close()


def balanced(summary: dict[str, Any]) -> bool:
    return summary["releases_read"] == summary["releases_loaded"] + summary["releases_quarantined"] + summary["releases_skipped"]


def test_each_bad_line_is_quarantined_with_its_reason_and_the_good_ones_load(tmp_path):
    source = FIXTURES / "bad_lines.jsonl"
    code, summary, stderr = missionkg_build(tmp_path, source)
    assert code == 3, stderr
    assert balanced(summary) and (summary["releases_read"], summary["releases_loaded"], summary["releases_quarantined"]) == (9, 2, 7)
    assert summary["quarantine_reasons"] == {
        "malformed-json": 1, "missing-ocid": 1, "not-ocds": 1, "impossible-date": 2, "negative-value": 1, "huge-value": 1,
    }
    entries = quarantined(tmp_path)
    assert [(e["source"], e["line"], e["reason"]) for e in entries] == [
        (str(source), 2, "malformed-json"),
        (str(source), 3, "missing-ocid"),
        (str(source), 4, "not-ocds"),
        (str(source), 5, "impossible-date"),
        (str(source), 6, "impossible-date"),
        (str(source), 7, "negative-value"),
        (str(source), 8, "huge-value"),
    ]
    details = {e["line"]: e["detail"] for e in entries}
    assert details[5] == "/date = '2024-02-30T10:00:00Z' is not a date between 1900 and 2199"
    assert details[6].startswith("/tender/tenderPeriod/endDate = '20245-01-01T00:00:00Z'")
    assert details[7] == "/awards/0/value/amount = -25000 is negative"
    assert details[8] == "/tender/value/amount = 4500000000000000.0 is above 1e+12"
    # each entry carries the record itself, so the rejected input can be fixed and loaded again
    lines = source.read_text().splitlines()
    for entry in entries:
        assert entry["raw"] and (entry["raw"] == lines[entry["line"] - 1] or json.loads(entry["raw"]) == json.loads(lines[entry["line"] - 1]))
    assert ocids(tmp_path) == ["ocds-mkgbad-001", "ocds-mkgbad-009"]


def test_shapes_that_used_to_crash_the_build_are_quarantined(tmp_path):
    def release(n: int, **fields: Any) -> str:
        return json.dumps({"ocid": f"ocds-mkgodd-{n}", "id": "1", "date": "2024-01-10T00:00:00Z", **fields})

    deep = "[" * 5000 + '"bottom"' + "]" * 5000  # written out: json.dumps itself stops near 1,000
    source = tmp_path / "odd.jsonl"
    source.write_text("\n".join([
        release(1, date=["2024-01-10"]), release(2, date={"when": "2024-01-10"}), release(3, tender={"items": []}).replace("[]", deep),
        release(4, date="2025-W11"), release(5, date="2025-03-11+01:00"),
    ]) + "\n")
    code, summary, stderr = missionkg_build(tmp_path / "data", source)
    assert code == 3 and "Traceback" not in stderr, stderr
    assert balanced(summary) and summary["quarantine_reasons"] == {"impossible-date": 3, "too-deep": 1}
    details = [e["detail"] for e in quarantined(tmp_path / "data")]
    assert details[0] == "/date = a JSON list where a date belongs" and details[2].startswith("/tender/items/0/0/0/")
    assert ocids(tmp_path / "data") == ["ocds-mkgodd-5"]
    store = open_store(Settings(data_dir=tmp_path / "data"), read_only=True)
    try:  # a day with a zone stays that day, not one o'clock
        [day] = store.select("SELECT (STR(?d) AS ?s) WHERE { ?r mkg:releaseDate ?d }").column("s")
    finally:
        store.close()
    assert day == "2025-03-11+01:00"


def test_a_syntax_error_in_a_package_says_the_rest_was_not_read(tmp_path):
    releases = [{"ocid": f"ocds-mkgpkg-{n}", "id": "1", "date": "2024-01-10T00:00:00Z"} for n in range(4)]
    text = json.dumps({"uri": "x", "releases": releases}, indent=1).replace('"ocds-mkgpkg-2"', '"ocds-mkg\\qpkg-2"')
    source = tmp_path / "package.json"
    source.write_text(text)
    code, _, _ = missionkg_build(tmp_path / "data", source)
    [entry] = quarantined(tmp_path / "data")
    assert code == 3 and entry["reason"] == "malformed-json" and entry["pointer"] == "releases/2"
    assert "nothing after it in" in entry["detail"] and ocids(tmp_path / "data") == ["ocds-mkgpkg-0", "ocds-mkgpkg-1"]


def test_truncated_gzip_keeps_every_complete_line_before_the_cut(tmp_path):
    lines = [
        json.dumps({"ocid": f"ocds-mkgcut-{i:04}", "id": str(i), "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
                    "tender": {"title": f"Notice {i}", "description": f"Works package {i * 7919 % 104729}"}})
        for i in range(400)
    ]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = data[: len(data) // 2]
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(cut)
    inflated = zlib.decompressobj(wbits=31).decompress(cut)
    complete = inflated.count(b"\n")
    assert 0 < complete < len(lines)

    code, summary, stderr = missionkg_build(tmp_path / "data", path, FIXTURES / "good.jsonl")
    assert code == 3, stderr
    assert balanced(summary)
    assert summary["releases_loaded"] == complete + 3 and summary["quarantine_reasons"] == {"truncated-gzip": 1}
    [entry] = quarantined(tmp_path / "data")
    assert (entry["source"], entry["reason"]) == (str(path), "truncated-gzip")
    assert entry["line"] in (complete + 1, complete + 2)  # the first line not read whole
    assert "cut short or corrupt" in entry["detail"]
    found = ocids(tmp_path / "data")
    assert len(found) == complete + 3 and f"ocds-mkgcut-{complete - 1:04}" in found


@pytest.mark.parametrize(
    ("fixture", "reason", "line"),
    [("not_ocds.json", "not-ocds", 1), ("empty.jsonl", "empty-file", None)],
)
def test_unusable_file_next_to_good_input_is_quarantined(tmp_path, fixture, reason, line):
    code, summary, stderr = missionkg_build(tmp_path, FIXTURES / fixture, FIXTURES / "good.jsonl")
    assert code == 3, stderr
    assert balanced(summary) and summary["releases_loaded"] == 3 and summary["quarantine_reasons"] == {reason: 1}
    [entry] = quarantined(tmp_path)
    assert (entry["source"], entry["line"], entry["reason"]) == (str(FIXTURES / fixture), line, reason)
    assert ocids(tmp_path) == ["ocds-mkggz-001", "ocds-mkggz-002", "ocds-mkggz-003"]


@pytest.mark.parametrize("fixture", ["not_ocds.json", "empty.jsonl"])
def test_nothing_readable_exits_2_with_one_line(tmp_path, fixture):
    code, summary, stderr = missionkg_build(tmp_path, FIXTURES / fixture)
    assert code == 2 and summary["releases_read"] == summary["releases_quarantined"] == 1  # --json still counts
    assert summary["quarantine_reasons"] == {quarantined(tmp_path)[0]["reason"]: 1}
    [message] = [line for line in stderr.splitlines() if line.strip()]
    assert message.startswith("Error: nothing readable in ") and str(FIXTURES / fixture) in message
    assert len(quarantined(tmp_path)) == 1  # and it says why


def test_missing_path_exits_2_with_one_line_and_writes_nothing(tmp_path):
    missing = tmp_path / "no-such-file.jsonl"
    code, summary, stderr = missionkg_build(tmp_path / "data", FIXTURES / "good.jsonl", missing)
    assert (code, summary) == (2, None)
    [message] = [line for line in stderr.splitlines() if line.strip()]
    assert message == f"Error: {missing} does not exist; check the path (use - for standard input)"
    assert not (tmp_path / "data" / "quarantine.jsonl").exists()


def test_clean_input_exits_0(tmp_path):
    code, summary, stderr = missionkg_build(tmp_path, FIXTURES / "good.jsonl")
    assert code == 0, stderr
    assert balanced(summary) and (summary["releases_loaded"], summary["releases_quarantined"]) == (3, 0)
    assert quarantined(tmp_path) == []


def test_rejections_of_each_piped_stream_are_kept(tmp_path):
    command = [sys.executable, "-m", "kg.cli", "build", "-", "--data-dir", str(tmp_path), "--json", *SKIP]
    for n in (1, 2, 2):  # two different streams on standard input, one bad line each, the second piped twice
        stream = f'{{"ocid": "ocds-mkgpipe-{n}", "id": "{n}", "date": "2024-01-0{n}T00:00:00Z"}}\n{{"id": "no ocid {n}"}}\n'
        result = subprocess.run(command, input=stream, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 3, result.stderr
    assert [(e["source"], e["line"], e["reason"], "no ocid" in e["raw"]) for e in quarantined(tmp_path)] == [
        ("<stdin>", 2, "missing-ocid", True), ("<stdin>", 2, "missing-ocid", True),
    ]
    assert [json.loads(e["raw"])["id"] for e in quarantined(tmp_path)] == ["no ocid 1", "no ocid 2"]
    assert ocids(tmp_path) == ["ocds-mkgpipe-1", "ocds-mkgpipe-2"]
