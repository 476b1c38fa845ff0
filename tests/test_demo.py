"""The invented demo-data generator: determinism, counts, process shapes, publisher styles and writers."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from ingest.demo import (
    _CPV,
    _PHRASES,
    MISSIONS,
    NONE,
    OCID_PREFIX,
    TEMPLATES,
    _pools,
    demo_package_metadata,
    generate_labelled,
    generate_releases,
    write_demo,
)

N = 2000
RELEASE_FIELDS = {"ocid", "id", "date", "tag", "initiationType", "parties", "buyer", "planning", "tender", "awards",
                  "contracts", "language", "relatedProcesses"}
STAGE_ORDER = {"planning": 0, "tender": 1, "award": 2}


def _dt(value: str) -> datetime:
    """Parse an OCDS date-time."""
    return datetime.fromisoformat(value)


@pytest.fixture(scope="module")
def labelled() -> list:
    """2000 labelled releases from one seed."""
    return list(generate_labelled(N, seed=7))


@pytest.fixture(scope="module")
def processes(labelled: list) -> dict[str, list]:
    """Releases grouped by OCID, with the label of each process."""
    by: dict[str, list] = defaultdict(list)
    for label, rel in labelled:
        by[rel["ocid"]].append((label, rel))
    return by


def test_same_seed_same_releases_other_seed_different() -> None:
    first = json.dumps(list(generate_releases(300, seed=1)))
    assert first == json.dumps(list(generate_releases(300, seed=1)))
    assert first != json.dumps(list(generate_releases(300, seed=2)))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 150, 1001])
def test_yields_exactly_n_releases(n: int) -> None:
    assert sum(1 for _ in generate_releases(n, seed=3)) == n


def test_every_release_has_the_required_fields_and_is_json(labelled: list) -> None:
    ids = set()
    for _, rel in labelled:
        assert rel["ocid"].startswith(OCID_PREFIX)
        assert rel["id"] and rel["tag"] and rel["initiationType"] == "tender" and rel["language"] == "en"
        assert set(rel) <= RELEASE_FIELDS  # no top-level extension fields such as "publisher"
        assert _dt(rel["date"]).year >= 2019
        assert json.loads(json.dumps(rel)) == rel
        ids.add(rel["id"])
    assert len(ids) == N


def test_releases_share_no_mutable_objects() -> None:
    seen: set[int] = set()
    rels = list(generate_releases(400, seed=5))

    def walk(node: object) -> None:
        if isinstance(node, dict | list):
            assert id(node) not in seen
            seen.add(id(node))
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    for rel in rels:
        walk(rel)


def test_a_quarter_of_ocids_have_several_releases_in_order(processes: dict[str, list]) -> None:
    multi = [[rel for _, rel in p] for p in processes.values() if len(p) > 1]
    assert 0.18 <= len(multi) / len(processes) <= 0.32
    assert max(len(p) for p in processes.values()) == 3
    for rels in multi:
        dates = [_dt(r["date"]) for r in rels]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        stages = [STAGE_ORDER[r["tag"][0]] for r in rels]
        assert stages == sorted(set(stages))
        assert len({r["id"] for r in rels}) == len(rels)
        if rels[-1]["tag"][0] == "award":
            assert rels[-1]["awards"] and rels[-1]["tender"]["status"] == "complete"
            assert all("awards" not in r and r["tender"]["status"] in ("planning", "planned", "active") for r in rels[:-1])


def test_ocids_never_collide_at_scale() -> None:
    stages: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, object] = {}
    for label, rel in generate_labelled(30_000, seed=13):
        assert labels.setdefault(rel["ocid"], label) == label
        stages[rel["ocid"]].append(rel["tag"][0])
    assert all(s == sorted(set(s), key=STAGE_ORDER.__getitem__) for s in stages.values())


def test_award_dates_follow_the_tender_period(labelled: list) -> None:
    awards = [rel for _, rel in labelled if "awards" in rel]
    assert len(awards) > 200
    for rel in awards:
        end = _dt(rel["tender"]["tenderPeriod"]["endDate"])
        for award in rel["awards"]:
            assert end < _dt(award["date"]) <= _dt(rel["date"])
            assert _dt(award["date"]) < _dt(award["contractPeriod"]["startDate"]) < _dt(award["contractPeriod"]["endDate"])


def test_stream_is_in_date_order_and_spans_2019_to_2026(labelled: list) -> None:
    days = [rel["date"][:10] for _, rel in labelled]
    assert days == sorted(days)
    assert {int(d[:4]) for d in days} == set(range(2019, 2027))


def test_start_moves_the_dates() -> None:
    assert min(rel["date"] for rel in generate_releases(200, seed=1, start=date(2024, 1, 1))) >= "2024-01-01"


def test_every_mission_none_and_template_is_represented(processes: dict[str, list]) -> None:
    labels = [p[0][0] for p in processes.values()]
    missions = Counter(label.mission for label in labels)
    assert set(missions) == {*MISSIONS, NONE}
    assert 0.28 <= missions[NONE] / len(labels) <= 0.42
    assert all(missions[m] / len(labels) >= 0.08 for m in MISSIONS)
    assert {label.template for label in labels} == {t.key for t in TEMPLATES}


def test_template_text_and_cpv_match_the_mission(processes: dict[str, list]) -> None:
    by_key = {t.key: t for t in TEMPLATES}
    for process in processes.values():
        label, rel = process[0]
        template = by_key[label.template]
        assert template.what in rel["tender"]["description"]
        assert {c["id"] for c in _classifications(rel)} <= set(template.cpv)


def _classifications(rel: dict) -> list[dict]:
    """Every CPV classification on a release, whichever field its publisher style uses."""
    tender = rel["tender"]
    found = [tender["classification"]] if "classification" in tender else []
    for item in tender.get("items", []):
        found += [item["classification"]] if "classification" in item else []
        found += item.get("additionalClassifications", [])
    return found


def test_publisher_styles(processes: dict[str, list]) -> None:
    shapes: dict[str, list] = defaultdict(list)
    for process in processes.values():
        shapes[process[0][0].shape].append(process)
    assert {k: len(v) / len(processes) > 0.1 for k, v in shapes.items()} == {"cf": True, "fts": True, "s2w": True}
    region_names = {"North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
                    "East of England", "London", "South East", "South West", "Wales", "Scotland", "Northern Ireland"}
    for _, rel in (pair for p in shapes["cf"] for pair in p):
        assert rel["buyer"]["id"] and rel["buyer"]["name"]
        assert set(rel["tender"]["suitability"]) == {"sme", "vcse"}
        for item in rel["tender"]["items"]:
            assert item["classification"]["scheme"] == "CPV" and item["classification"]["description"]
            assert item["deliveryAddresses"][0]["region"] in region_names
    sv_criteria = 0
    for process in shapes["fts"]:
        label, rel = process[0]
        buyer = next(p for p in rel["parties"] if "buyer" in p["roles"])
        assert buyer["id"] == rel["buyer"]["id"] and buyer["identifier"]["scheme"] == "GB-PPON"
        assert re.fullmatch(r"UK[C-N]\d", rel["tender"]["items"][0]["deliveryAddresses"][0]["region"])
        lots = rel["tender"]["lots"]
        assert [lot["id"] for lot in lots] == [str(i) for i in range(1, len(lots) + 1)]
        criteria = [c for lot in lots for c in lot["awardCriteria"]["criteria"] if c["name"] == "Social Value"]
        assert bool(criteria) == label.social_value
        assert all(c["numbers"][0]["number"] == 10 for c in criteria)
        for lot in lots:
            assert sum(c["numbers"][0]["number"] for c in lot["awardCriteria"]["criteria"]) == 100
        sv_criteria += bool(criteria)
    assert 0.2 <= sv_criteria / len(shapes["fts"]) <= 0.4
    descriptions = [p[0][1]["tender"]["description"] for p in shapes["s2w"]]
    benefits = sum("Community Benefits:" in d for d in descriptions) / len(descriptions)
    none_clause = sum("No community benefit requirements" in d for d in descriptions) / len(descriptions)
    assert 0.4 <= benefits <= 0.6 and 0.04 <= none_clause <= 0.18


def test_social_value_wording_in_about_30_percent(processes: dict[str, list]) -> None:
    sv_sentences = _PHRASES["sv"]
    flags = []
    for process in processes.values():
        label, rel = process[0]
        text = rel["tender"]["description"]
        has_criterion = any(c["name"] == "Social Value" for lot in rel["tender"].get("lots", [])
                            for c in lot.get("awardCriteria", {}).get("criteria", []))
        evidence = has_criterion or "Community Benefits:" in text or any(s in text for s in sv_sentences)
        assert evidence == label.social_value
        flags.append(label.social_value)
    assert 0.22 <= sum(flags) / len(flags) <= 0.40


def test_values_in_pounds_some_missing_some_zero(labelled: list) -> None:
    values = [rel["tender"].get("value") for _, rel in labelled]
    missing = sum(v is None for v in values) / len(values)
    assert 0.05 <= missing <= 0.2
    present = [v for v in values if v is not None]
    assert all(v["currency"] == "GBP" and v["amount"] >= 0 for v in present)
    assert any(v["amount"] == 0 for v in present) and max(v["amount"] for v in present) > 1_000_000


def test_pools_of_invented_buyers_and_suppliers(labelled: list) -> None:
    pools = _pools()
    assert all(280 <= len(b) <= 300 for b in pools.buyers.values()) and all(pools.welsh.values())
    assert len(pools.suppliers) == 2000
    assert any(s.sme for s in pools.suppliers) and any(s.vcse for s in pools.suppliers)
    refs = [s for _, rel in labelled for a in rel.get("awards", []) for s in a["suppliers"]]
    assert any(re.fullmatch(r"GB-COH-0\d{7}", s.get("id", "")) for s in refs)
    assert any("id" not in s for s in refs)


def test_package_metadata_marks_the_data_invented() -> None:
    meta = demo_package_metadata()
    assert set(meta) == {"publisher", "license", "publicationPolicy", "version", "uri"}
    assert meta["publisher"] == {"name": "missionkg demo data (invented, not real notices)"}
    assert meta["license"] is None and meta["version"] == "1.1" and "fictional" in meta["publicationPolicy"]


def _read(path: Path) -> str:
    """A written file's text, un-gzipped when needed."""
    raw = path.read_bytes()
    return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("shape", ["jsonl", "release-package", "record-package"])
def test_write_demo_shapes_are_readable(tmp_path: Path, shape: str, gz: bool) -> None:
    path = tmp_path / ("demo.jsonl" if shape == "jsonl" else "demo.json")
    path = path.with_name(path.name + ".gz") if gz else path
    assert write_demo(path, 120, seed=4, shape=shape) == 120  # type: ignore[arg-type]
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == gz
    expected = list(generate_releases(120, seed=4))
    text = _read(path)
    if shape == "jsonl":
        assert [json.loads(line) for line in text.splitlines()] == expected
        return
    doc = json.loads(text)
    assert {"uri", "publisher", "publishedDate", "version"} <= set(doc) and "invented" in doc["publisher"]["name"]
    if shape == "release-package":
        assert doc["releases"] == expected
    else:
        assert all(r["ocid"] == rec["ocid"] for rec in doc["records"] for r in rec["releases"])
        assert len({rec["ocid"] for rec in doc["records"]}) == len(doc["records"])
        got = [r for rec in doc["records"] for r in rec["releases"]]
        assert sorted(got, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])


def test_write_demo_to_stdout_and_gzip_flag(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert write_demo(None, 5, seed=1) == 5
    assert len(capsysbinary.readouterr().out.splitlines()) == 5
    assert write_demo("-", 3, seed=1, gzip=True) == 3
    assert len(gzip.decompress(capsysbinary.readouterr().out).splitlines()) == 3


def test_write_demo_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    write_demo(tmp_path / "a.jsonl.gz", 50, seed=9)
    write_demo(tmp_path / "b.jsonl.gz", 50, seed=9)
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()


def test_write_demo_rejects_an_unknown_shape(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_demo(tmp_path / "x.json", 1, shape="records")  # type: ignore[arg-type]


def test_cpv_codes_and_labels_are_the_real_ones(shared_data: Path) -> None:
    with open(shared_data / "reference" / "cpv_2008.csv", encoding="utf-8") as fh:
        reference = {row["code"]: row["label_en"] for row in csv.DictReader(fh)}
    assert {code: reference.get(code) for code in _CPV} == _CPV
    assert {code for t in TEMPLATES for code in t.cpv} <= set(_CPV)


def test_releases_validate_against_the_ocds_schema(shared_data: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((shared_data / "reference" / "ocds-1.1.5" / "release-schema.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [e.message for rel in generate_releases(400, seed=11) for e in validator.iter_errors(rel)]
    assert errors == []


def test_text_and_names_are_not_copied_from_real_notices(shared_data: Path) -> None:
    texts, buyers = [], set()
    for path in sorted((shared_data / "ocds").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rel = json.loads(line)
                tender = rel.get("tender") or {}
                texts += [str(tender.get("title") or ""), str(tender.get("description") or ""),
                          str(rel.get("description") or "")]
                buyers.add(str((rel.get("buyer") or {}).get("name") or "").strip().lower())
    corpus = " ".join(" ".join(t.split()) for t in texts).lower()
    ours = [p for items in _PHRASES.values() for p in items]
    ours += [s for t in TEMPLATES for s in (t.what, *t.details, *t.titles)]
    fragments = {s.split("{")[0].strip().lower() for s in ours}  # the fixed text before any placeholder
    # sentences and clauses of seven words or more (short service names such as titles may well coincide)
    assert [f for f in fragments if len(f.split()) >= 7 and f in corpus] == []
    ours_buyers = {b.name.lower() for kind in _pools().buyers.values() for b in kind}
    assert ours_buyers.isdisjoint(buyers)
