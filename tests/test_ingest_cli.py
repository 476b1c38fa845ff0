"""`missionkg build` and `missionkg validate` end to end on the real notices of ../shared/data/ocds."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from ingest.stages import STAGES
from kg.settings import Settings
from kg.store import open_store

FIXTURES = Path(__file__).parent / "data" / "ingest"
# the real graph keeps the organisation links (cheap) but not the embedding stages
SKIP = [arg for name, _ in STAGES if name != "organisations" for arg in ("--skip", name)]
SKIP_ALL = [arg for name, _ in STAGES for arg in ("--skip", name)]
SUMMARY_KEYS = {
    "releases_read", "releases_loaded", "releases_quarantined", "releases_skipped", "processes", "organisations",
    "triples", "seconds", "quarantine_reasons", "quarantine_file",
}


def missionkg(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def real_build(real_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    data_dir = tmp_path_factory.mktemp("real-cli")
    return data_dir, missionkg("build", *real_files, "--data-dir", data_dir, "--json", *SKIP)


@pytest.fixture(scope="module")
def summary(real_build: tuple[Path, subprocess.CompletedProcess[str]]) -> dict[str, Any]:
    _, result = real_build
    assert result.returncode in (0, 3), result.stderr
    return json.loads(result.stdout)  # standard output holds the JSON document and nothing else


def test_build_reads_every_line_of_the_real_files(real_files, summary, real_build):
    lines, ocids = 0, set()
    for path in real_files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                lines += 1
                ocids.add(json.loads(line)["ocid"])
    assert summary["releases_read"] == lines
    assert summary["releases_read"] == summary["releases_loaded"] + summary["releases_quarantined"] + summary["releases_skipped"]
    assert summary["processes"] == summary["processes_mapped"] == len(ocids)
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["triples"] > 100_000 and summary["organisations"] > 1_000
    # exit code and quarantine agree, and every quarantined record says where it was and why
    data_dir, result = real_build
    entries = [json.loads(line) for line in (data_dir / "quarantine.jsonl").read_text().splitlines()]
    assert len(entries) == summary["releases_quarantined"] and result.returncode == (3 if entries else 0)
    for entry in entries:
        assert entry["source"] in {str(p) for p in real_files} and entry["reason"] and entry["detail"]
        assert isinstance(entry["line"], int)


def test_validate_reports_no_violations_on_the_real_graph(real_build, summary):
    data_dir, _ = real_build
    result = missionkg("validate", "--data-dir", data_dir, "--json")
    report = json.loads(result.stdout)
    assert report["violations"] == 0, report["examples"][:5]
    assert report["by_shape"] == {} and report["focus_nodes"] > 10_000
    assert result.returncode == 0


def test_real_graph_holds_only_strictly_valid_rdf(real_build, summary):
    """The build loads N-Quads leniently for speed; what it loaded must still parse strictly."""
    data_dir, _ = real_build
    store = open_store(Settings(data_dir=data_dir), read_only=True)
    try:
        dump = store.raw.dump(format=ox.RdfFormat.N_QUADS)
        count = store.count_quads()
    finally:
        store.close()
    assert sum(1 for _ in ox.parse(dump, format=ox.RdfFormat.N_QUADS)) == count == summary["triples"]


def test_country_option_skips_foreign_processes(shared_data, tmp_path):
    files = [shared_data / "ocds" / f"{name}.jsonl.gz" for name in ("NONUK_international_2020__spendnetwork_openopps", "uk_find_a_tender_2026__samples")]
    result = missionkg("build", *files, "--data-dir", tmp_path, "--country", "gb", "--json", *SKIP_ALL)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["releases_skipped"] > 1_000 and summary["releases_loaded"] >= 6
    assert summary["releases_read"] == summary["releases_loaded"] + summary["releases_skipped"]


def test_human_summary_goes_to_standard_error(tmp_path):
    result = missionkg("build", FIXTURES / "bad_lines.jsonl", "--data-dir", tmp_path, *SKIP_ALL)
    assert result.returncode == 3 and result.stdout == ""
    text = " ".join(result.stderr.split())
    assert "read 9 releases: 2 loaded, 7 quarantined, 0 skipped" in text
    assert f"see {tmp_path / 'quarantine.jsonl'}" in text


def test_unknown_stage_is_refused(tmp_path):
    result = missionkg("build", FIXTURES / "good.jsonl", "--data-dir", tmp_path, "--skip", "nonsense")
    assert result.returncode != 0 and result.stdout == ""
    assert "unknown stage nonsense" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("build", FIXTURES / "good.jsonl", "--root-path", "data.item"), "--root-path 'data.item' matched nothing"),
        (("build", FIXTURES / "good.jsonl", "--country", "XX"), "--country 'XX' is not one addresses are recognised as"),
        (("demo-data", "--n", "2", "-o", "."), "is a directory"),
        (("demo-data", "--n", "2", "--shape", "bogus"), "'bogus' is not one of"),
    ],
)
def test_mistakes_get_one_line_and_a_failing_exit(tmp_path, args, words):
    result = missionkg(*args, "--data-dir", tmp_path, *SKIP_ALL) if args[0] == "build" else missionkg(*args)
    assert result.returncode == 2 and words in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
