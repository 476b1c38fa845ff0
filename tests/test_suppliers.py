"""Supplier and buyer profiles over the graph built from the real notices, plus the missions path on a tiny graph."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import Literal, NamedNode, Quad
from typer.testing import CliRunner

from kg.errors import NotFound
from kg.namespaces import ID, MISSION_IDS, MKG, RDF_TYPE, mission_iri, process_graph, process_iri
from kg.settings import Settings
from kg.store import OxigraphStore
from kg.suppliers import buyer_profile, find_organisations, find_suppliers, supplier_profile, supplier_report

KPMG = f"{ID}org/GB-COH/OC301540"


@pytest.fixture(scope="module")
def store(real_settings: Settings) -> OxigraphStore:
    return OxigraphStore(real_settings.store_dir, read_only=True)


@pytest.mark.parametrize("query", ["kpmg", "KPMG LLP", "OC301540", "GB-COH-OC301540", f"{ID}org/name/kpmg"])
def test_find_suppliers_by_name_identifier_or_iri(store: OxigraphStore, query: str) -> None:
    found = find_suppliers(store, query, limit=5)
    assert found[0]["iri"] == KPMG and found[0]["name"] == "KPMG LLP"
    assert len({f["iri"] for f in found}) == len(found)  # one entry per real organisation


def test_find_keeps_look_alike_companies_apart(store: OxigraphStore) -> None:
    names = {f["name"]: f["iri"] for f in find_suppliers(store, "kpmg", limit=5)}
    assert names["Kpmg Audit Plc"] == f"{ID}org/GB-COH/03110745" != names["KPMG LLP"]


def test_supplier_profile_gathers_every_spelling(store: OxigraphStore) -> None:
    profile = supplier_profile(store, "OC301540")
    assert profile["iri"] == KPMG and f"{ID}org/name/kpmg" in profile["members"]
    assert {"KPMG LLP", "KPMG"} <= {n["name"] for n in profile["names"]}
    assert profile["identifiers"] == [{"scheme": "GB-COH", "id": "OC301540"}]
    assert profile["sme"] is False
    assert profile["award_count"] == len(profile["awards"]) >= 10 and not profile["awards_truncated"]
    assert all(a["ocid"] and a["award"].startswith(f"{ID}process/") and a["suppliers_on_award"] >= 1 for a in profile["awards"])
    mod = next(a for a in profile["awards"] if a["title"] == "CCS RM6187 Direct Award - LD Fresh Eyes Review")
    assert (mod["value"], mod["currency"], mod["date"][:10], mod["buyer_name"], mod["suppliers_on_award"]) == (
        196500.0, "GBP", "2024-01-18", "MINISTRY OF DEFENCE", 1)
    assert profile["total_value"]["GBP"] > profile["sole_supplier_value"]["GBP"] >= 196500.0
    assert "Pension Protection Fund" in {b["name"] for b in profile["buyers"]}
    assert sum(b["awards"] for b in profile["buyers"]) >= profile["award_count"]
    assert profile["cpv"][0]["code"] == "66170000" and profile["cpv"][0]["label"].startswith("Financial consultancy")
    assert all(m["mission"] in MISSION_IDS for m in profile["missions"])  # empty until the alignment stage has run


def test_profile_lists_are_bounded(store: OxigraphStore) -> None:
    profile = supplier_profile(store, KPMG, max_rows=2)
    assert len(profile["awards"]) == 2 and profile["awards_truncated"]
    assert len(profile["buyers"]) <= 2 and profile["award_count"] >= 10  # totals still count every award


def test_cross_register_supplier(store: OxigraphStore) -> None:
    """BiP Solutions: a PPON on Find a Tender, a Scottish company number on Contracts Finder, one organisation."""
    report = supplier_report(store, "PBTM-5917-ZXVM")
    assert report["iri"] == f"{ID}org/GB-COH/SC086146"
    assert {("GB-COH", "SC086146"), ("GB-PPON", "PBTM-5917-ZXVM")} <= {(i["scheme"], i["id"]) for i in report["identifiers"]}
    assert f"{ID}org/GB-PPON/PBTM-5917-ZXVM" in report["members"]


def test_supplier_report_by_name_and_not_found(store: OxigraphStore) -> None:
    report = supplier_report(store, "calford seaden")
    assert report["iri"] == f"{ID}org/GB-COH/OC315838"
    assert {"Calford Seaden", "calfordseaden"} <= {n["name"] for n in report["names"]}
    with pytest.raises(NotFound, match="no supplier matches 'zzqx nothing'"):
        supplier_report(store, "zzqx nothing")
    with pytest.raises(NotFound):
        supplier_profile(store, f"{ID}org/name/not-an-organisation")


def test_buyer_profile(store: OxigraphStore) -> None:
    buyer = find_organisations(store, "Pension Protection Fund", role="buyer")[0]
    profile = buyer_profile(store, buyer["iri"])
    assert profile["names"][0]["name"] == "Pension Protection Fund"
    assert profile["process_count"] >= profile["award_count"] >= 1 and profile["awarded_value"]["GBP"] > 0
    suppliers = {s["name"]: s for s in profile["suppliers"]}
    assert suppliers["KPMG LLP"]["iri"] == KPMG and suppliers["KPMG LLP"]["sme"] is False
    assert 0 < profile["sme_award_share"] < 1
    assert profile["cpv"][0] == {"code": "66520000", "label": "Pension services", "processes": 3}


def test_missions_served_when_alignments_exist() -> None:
    store = OxigraphStore(None)
    process, supplier = process_iri("ocds-test-1"), NamedNode(f"{ID}org/GB-COH/01234567")
    award, graph = NamedNode(process.value + "/award/1"), process_graph("ocds-test-1")
    store.add_quads([
        Quad(process, RDF_TYPE, MKG.ContractingProcess, graph), Quad(process, MKG.ocid, Literal("ocds-test-1"), graph),
        Quad(process, MKG.hasAward, award, graph), Quad(award, MKG.supplier, supplier, graph),
        Quad(supplier, RDF_TYPE, MKG.Organisation, graph), Quad(supplier, MKG.name, Literal("Heat Pumps Ltd"), graph),
        Quad(process, MKG.advances, mission_iri("clean-energy")),
    ])
    profile = supplier_profile(store, supplier.value)
    assert profile["missions"] == [{"mission": "clean-energy", "label": None, "processes": 1}]
    assert profile["total_value"] == {} and profile["award_count"] == 1


def test_cli_supplier_json(real_settings: Settings) -> None:
    from kg.cli import app

    result = CliRunner().invoke(app, ["supplier", "GB-COH-OC301540", "--json", "--data-dir", str(real_settings.data_dir)])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)
    assert profile["iri"] == KPMG and profile["other_matches"] == []
