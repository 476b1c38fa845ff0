"""Analytics on a hand-checked market: exact HHI, shares, entrants, centrality and paths; sensible figures on real data."""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from kg.analytics import (
    Scope,
    ScopeError,
    co_award_graph,
    communities,
    concentration,
    find_supplier,
    hhi,
    load_market,
    mission_graph,
    sme_share,
    supplier_paths,
    suppliers,
)
from kg.errors import NotFound
from kg.namespaces import (
    DCTERMS,
    GRAPH_ALIGNMENTS,
    GRAPH_ORG_LINKS,
    ID,
    MKG,
    RDF_TYPE,
    SKOS,
    XSD,
    process_graph,
    process_iri,
)
from kg.settings import Settings
from kg.store import OxigraphStore

ORG = f"{ID}org/test/"
B1, B2 = ORG + "b1", ORG + "b2"
S1, S2, S2B, S3, S4 = ORG + "s1", ORG + "s2", ORG + "s2-alias", ORG + "s3", ORG + "s4"
ORGS = {  # iri: (name, isSME, isVCSE); None = not stated
    B1: ("Northfield NHS Trust", None, None), B2: ("Southbury Council", None, None),
    S1: ("Acme Care Ltd", True, False), S2: ("Big Health plc", False, False), S2B: ("BIG HEALTH PLC", False, False),
    S3: ("Hope CIC", True, True), S4: ("Builder Ltd", None, None),
}
# ocid, title, buyer, {mission: (outcome or None, score)}, CPV, region, [(award id, suppliers, value, date, lot)]
PROCESSES: list[tuple[Any, ...]] = [
    ("t-1", "Outpatient clinics", B1, {"health": ("waiting-lists", 0.9)}, "85100000", "ukl", [("1", [S1], 100, "2022-03-01", None)]),
    ("t-2", "Hospital beds", B1, {"health": (None, 0.8)}, "85100000", None, [("1", [S2], 300, "2022-06-01", None)]),
    ("t-3", "Mental health support", B2, {"health": ("mental-health", 0.7)}, "85312000", None, [("1", [S1, S3], 200, "2023-01-10", None)]),
    ("t-4", "Road repairs", B2, {"growth": (None, 0.95)}, "45233140", "ukl18", [("1", [S4], 400, "2023-05-01", None)]),
    ("t-5", "Dressings", B1, {"health": (None, 0.6)}, "33140000", None, [("1", [S2B], None, "2023-02-01", None)]),
    ("t-6", "Legal advice", B2, {}, "79100000", None, [("1", [S4], (100, "EUR"), "2021-04-01", "x")]),
    ("t-7", "Office supplies", B1, {}, "30192000", None, [("a", [S2], None, "2020-05-01", "1"), ("b", [S4], None, "2020-05-01", "1")]),
]
# Tenderers stated on a tender ("t-1") or one of its lots ("t-7/1"); unstated elsewhere.
TENDERERS = {"t-1": 1, "t-2": 4, "t-3": 3, "t-6": 2, "t-7": 5, "t-7/1": 1}


def _lit(value: Any) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=XSD.boolean)
    if isinstance(value, (int, float)):
        return ox.Literal(f"{value:.2f}", datatype=XSD.decimal)
    return ox.Literal(value)


def market_quads() -> list[ox.Quad]:
    """The hand-made market as it would be mapped: one named graph per process, alignments and org links apart."""
    quads = []
    for ocid, title, buyer, missions, cpv, region, awards in PROCESSES:
        p, g = process_iri(ocid), process_graph(ocid)
        tender = ox.NamedNode(p.value + "/tender")

        def add(s: ox.NamedNode, pr: ox.NamedNode, o: ox.NamedNode | ox.Literal, g: ox.NamedNode = g) -> None:
            quads.append(ox.Quad(s, pr, o, g))

        add(p, RDF_TYPE, MKG.ContractingProcess)
        add(p, DCTERMS.title, _lit(title))
        add(p, MKG.buyer, ox.NamedNode(buyer))
        add(p, MKG.hasTender, tender)
        add(tender, MKG.classification, ox.NamedNode(f"{ID}cpv/{cpv}"))
        add(tender, MKG.mainClassification, ox.NamedNode(f"{ID}cpv/{cpv}"))
        if region:
            add(tender, MKG.deliveryRegion, ox.NamedNode(f"{ID}region/{region}"))
        add(p, MKG.publishedDate, ox.Literal(awards[0][3] + "T00:00:00Z", datatype=XSD.dateTime))
        for key, n in TENDERERS.items():
            holder, _, lot = key.partition("/")
            if holder == ocid:
                add(ox.NamedNode(tender.value + (f"/lot/{lot}" if lot else "")), MKG.numberOfTenderers, ox.Literal(str(n), datatype=XSD.integer))
        for award_id, suppliers_, value, date, lot in awards:
            award = ox.NamedNode(f"{p.value}/award/{award_id}")
            add(p, MKG.hasAward, award)
            add(award, MKG.awardDate, ox.Literal(date, datatype=XSD.date))
            if value is not None:
                amount, currency = value if isinstance(value, tuple) else (value, "GBP")
                add(award, MKG.value, ox.NamedNode(award.value + "/value"))
                add(ox.NamedNode(award.value + "/value"), MKG.amount, _lit(amount))
                add(ox.NamedNode(award.value + "/value"), MKG.currency, _lit(currency))
            if lot:
                add(award, MKG.awardsLot, ox.NamedNode(f"{tender.value}/lot/{lot}"))
            for supplier in suppliers_:
                add(award, MKG.supplier, ox.NamedNode(supplier))
        for org in {buyer, *(s for a in awards for s in a[1])}:
            name, sme, vcse = ORGS[org]
            add(ox.NamedNode(org), MKG.name, _lit(name))
            if sme is not None:
                add(ox.NamedNode(org), MKG.isSME, _lit(sme))
            if vcse is not None:
                add(ox.NamedNode(org), MKG.isVCSE, _lit(vcse))
        for mission, (outcome, score) in missions.items():
            node = ox.NamedNode(f"{ID}alignment/{ocid}/{mission}")
            quads.append(ox.Quad(p, MKG.advances, ox.NamedNode(f"{ID}mission/{mission}"), GRAPH_ALIGNMENTS))
            quads.append(ox.Quad(node, MKG.alignedProcess, p, GRAPH_ALIGNMENTS))
            quads.append(ox.Quad(node, MKG.mission, ox.NamedNode(f"{ID}mission/{mission}"), GRAPH_ALIGNMENTS))
            quads.append(ox.Quad(node, MKG.score, _lit(score), GRAPH_ALIGNMENTS))
            if outcome:
                quads.append(ox.Quad(node, MKG.outcome, ox.NamedNode(f"{ID}outcome/{mission}/{outcome}"), GRAPH_ALIGNMENTS))
    weaker = ox.NamedNode(f"{ID}alignment/t-1/health/prevention")  # a second, weaker outcome area for t-1
    quads += [ox.Quad(weaker, MKG.alignedProcess, process_iri("t-1"), GRAPH_ALIGNMENTS),
              ox.Quad(weaker, MKG.mission, ox.NamedNode(f"{ID}mission/health"), GRAPH_ALIGNMENTS),
              ox.Quad(weaker, MKG.outcome, ox.NamedNode(f"{ID}outcome/health/prevention"), GRAPH_ALIGNMENTS),
              ox.Quad(weaker, MKG.score, _lit(0.3), GRAPH_ALIGNMENTS)]
    quads.append(ox.Quad(ox.NamedNode(S2B), SKOS.exactMatch, ox.NamedNode(S2), GRAPH_ORG_LINKS))
    quads.append(ox.Quad(ox.NamedNode(f"{ID}mission/health"), SKOS.prefLabel, ox.Literal("Health", language="en"), ox.NamedNode(f"{ID}graph/vocab/missions")))
    return quads


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    """An in-memory store holding the hand-made market."""
    store = OxigraphStore(None)
    store.add_quads(market_quads())
    return store


def by_group(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {row["group"]: row for row in rows}


def test_hhi_scale() -> None:
    assert hhi([1.0]) == 10_000
    assert hhi([0.5, 0.5]) == 5_000


def test_health_market_concentration_by_value_and_count(store: OxigraphStore) -> None:
    market = load_market(store, Scope(mission="health"))
    # A3 goes to S1 and S3, so its 200 is split 100/100; A5 to an alias of S2 has no value.
    assert sorted((f.award.rsplit("/", 3)[1], f.supplier, f.value) for f in market.awards) == [
        ("t-1", S1, 100.0), ("t-2", S2, 300.0), ("t-3", S1, 100.0), ("t-3", S3, 100.0), ("t-5", S2, None)]
    [row] = concentration(market)
    # value shares S2 300/600, S1 200/600, S3 100/600: 50² + 33.3² + 16.7² = 3888.9
    assert row == {
        "group": "all", "label": "all", "awards": 4, "valued_awards": 3, "value": 600.0, "suppliers": 3, "basis": "value",
        "hhi": 3888.9, "top5_share": 1.0, "leader": "Big Health plc", "leader_share": 0.5,
        "new_entrants": {2022: 2, 2023: 1}, "repeat_pairs": 1,  # B1–S2 in t-2 and (through the alias) t-5
        "tenderers_known": 0.75, "single_bidder_share": 0.3333, "mean_tenderers": 2.67,  # t-1 1, t-2 4, t-3 3; t-5 unstated
    }
    [by_count] = concentration(market, basis="count")
    assert by_count["hhi"] == 3600.0  # S1 2, S2 2, S3 1 of 5 awards: 40² + 40² + 20²
    assert by_count["top5_share"] == 1.0


def test_concentration_groups(store: OxigraphStore) -> None:
    market = load_market(store)
    missions = by_group(concentration(market, "mission"))
    assert list(missions) == ["growth", "health", "none"]
    assert (missions["growth"]["value"], missions["growth"]["hhi"]) == (400.0, 10_000.0)
    assert missions["none"]["awards"] == 3 and missions["none"]["suppliers"] == 2
    assert (missions["none"]["valued_awards"], missions["none"]["value"]) == (0, 0.0)  # t-6 is priced in EUR
    years = by_group(concentration(market, "year"))
    assert list(years) == [2020, 2021, 2022, 2023]
    assert years[2021]["new_entrants"] == {} and years[2020]["new_entrants"] == {2020: 2}  # S4 entered in 2020
    assert years[2023]["new_entrants"] == {2023: 1}  # only S3 is new in 2023
    cpv = by_group(concentration(load_market(store, Scope(mission="health")), "cpv"))
    assert {k: v["awards"] for k, v in cpv.items()} == {"33": 1, "85": 3}
    outcomes = by_group(concentration(load_market(store, Scope(mission="health")), "outcome"))
    # t-1 counts in its best outcome area only (waiting-lists 0.9, not prevention 0.3)
    assert {k: v["awards"] for k, v in outcomes.items()} == {"health/mental-health": 1, "health/waiting-lists": 1, "none": 2}
    buyers = by_group(concentration(market, "buyer"))
    assert buyers[B2]["label"] == "Southbury Council" and buyers[B2]["repeat_pairs"] == 1  # B2–S4 in t-4 and t-6
    # t-7's awards name lot 1 (one tenderer, not the tender's five); t-6's names lot x (unstated: the tender's two)
    assert {k: missions["none"][k] for k in ("tenderers_known", "single_bidder_share", "mean_tenderers")} == {
        "tenderers_known": 1.0, "single_bidder_share": 0.6667, "mean_tenderers": 1.33}
    assert missions["growth"]["tenderers_known"] == 0.0 and missions["growth"]["single_bidder_share"] is None


def test_sme_and_vcse_shares(store: OxigraphStore) -> None:
    [row] = sme_share(load_market(store, Scope(mission="health")))
    assert row == {
        "group": "all", "label": "all", "supplier_awards": 5, "value": 600.0,
        "sme_awards": 3, "sme_share": 0.6, "sme_value": 300.0, "sme_value_share": 0.5,
        "vcse_awards": 1, "vcse_share": 0.2, "vcse_value": 100.0, "vcse_value_share": 0.1667, "status_known": 1.0,
    }
    [everything] = sme_share(load_market(store))
    assert everything["status_known"] == round(6 / 9, 4)  # S4's three awards say nothing of its size


def test_filters(store: OxigraphStore) -> None:
    def processes(scope: Scope) -> list[str]:
        return sorted({f.process.rsplit("/", 1)[1] for f in load_market(store, scope).awards})

    assert processes(Scope(mission="health", cpv="85")) == ["t-1", "t-2", "t-3"]
    assert processes(Scope(cpv="8531")) == ["t-3"]
    assert processes(Scope(region="UKL")) == ["t-1", "t-4"]
    assert processes(Scope(region="ukl18")) == ["t-4"]
    assert processes(Scope(date_from="2023-01-01", date_to="2023-02-28")) == ["t-3", "t-5"]
    assert processes(Scope(outcome="health/mental-health")) == processes(Scope(outcome="mental-health")) == ["t-3"]
    for wrong in ("health/nowhere", "growth/mental-health"):
        with pytest.raises(ScopeError, match=f"no outcome area '{wrong}'"):
            Scope(outcome=wrong)
    with pytest.raises(ScopeError, match="unknown mission 'wealth'"):
        Scope(mission="wealth")
    with pytest.raises(ScopeError, match="CPV prefix"):
        Scope(cpv="45x")
    with pytest.raises(ScopeError, match="after"):
        Scope(date_from="2024-01-01", date_to="2023-01-01")
    with pytest.raises(ScopeError, match="<mission>/<outcome>"):
        Scope(outcome="health/a> } <x")


def test_supplier_centrality(store: OxigraphStore) -> None:
    ranked = {r["name"]: r for r in suppliers(load_market(store), top=None, sort="betweenness")}
    # B1–{S1,S2,S4} and B2–{S1,S3,S4}: S1 and S4 each bridge the two buyers.
    assert ranked["Acme Care Ltd"].items() >= {"awards": 2, "value": 200.0, "buyers": 2, "first_year": 2022}.items()
    assert ranked["Big Health plc"]["repeat_buyers"] == 1
    health = suppliers(load_market(store, Scope(mission="health")), sort="betweenness")
    # path S2–B1–S1–B2–S3: S1 sits on 4 of the 6 pairs that do not include it
    assert [(r["name"], r["betweenness"]) for r in health] == [("Acme Care Ltd", 0.666667), ("Big Health plc", 0.0), ("Hope CIC", 0.0)]


def test_communities_cover_the_market(store: OxigraphStore) -> None:
    rows = communities(load_market(store), top=None)
    assert sum(r["size"] for r in rows) == 6 and [r["community"] for r in rows] == list(range(1, len(rows) + 1))
    health = communities(load_market(store, Scope(mission="health")), top=None)
    assert all(set(r["missions"]) == {"health"} for r in health)
    assert {r["dominant_cpv"] for r in health} <= {"85", "33"}


def test_co_award_graph(store: OxigraphStore) -> None:
    graph = co_award_graph(store)
    assert {tuple(sorted(e)): (d["awards"], d["lots"]) for *e, d in graph.edges(data=True)} == {(S1, S3): (1, 0), (S2, S4): (0, 1)}
    assert graph.nodes[S3]["name"] == "Hope CIC"


def test_mission_graph_structure(store: OxigraphStore) -> None:
    graph = mission_graph(store, Scope(mission="health"))
    health = f"{ID}mission/health"
    assert graph.edges[process_iri("t-1").value, f"{ID}outcome/health/waiting-lists"]["relation"] == "serves"
    assert graph.edges[f"{ID}outcome/health/waiting-lists", health]["relation"] == "outcome_of"
    assert graph.edges[process_iri("t-2").value, health]["score"] == 0.8
    assert not graph.has_edge(process_iri("t-1").value, health)  # reached through its outcome area
    assert f"{ID}mission/growth" not in graph


def test_paths_explain_how_a_supplier_reaches_a_mission(store: OxigraphStore) -> None:
    direct, weaker = supplier_paths(store, "Big Health", "health")  # through t-2 (score 0.8) and t-5 (0.6)
    assert weaker.nodes[1] == process_iri("t-5").value
    assert direct.explanation == "Big Health plc won “Hospital beds” (t-2), which advances the Health mission (score 0.80)."
    first, second, third = supplier_paths(store, S1, "health")  # ranked by alignment score: 0.9, 0.7, 0.3
    assert first.nodes[1:3] == (process_iri("t-1").value, f"{ID}outcome/health/waiting-lists")
    assert third.nodes[1:3] == (process_iri("t-1").value, f"{ID}outcome/health/prevention")
    assert second.steps[1].text == "which serves the outcome area health/mental-health (score 0.70)"
    # Builder Ltd reaches health through its 2020 buyer B1 or its co-supplier S2 on t-7: four paths of four steps
    via_t7 = supplier_paths(store, "Builder Ltd", "health", limit=5)
    assert [len(p.steps) for p in via_t7] == [4, 4, 4, 4]
    assert via_t7[0].explanation == (
        "Builder Ltd won “Office supplies” (t-7), bought by Northfield NHS Trust; Northfield NHS Trust also bought "
        "“Hospital beds” (t-2), which advances the Health mission (score 0.80)."
    )
    via_buyer = supplier_paths(store, "Builder Ltd", "health", Scope(date_from="2021-01-01"), limit=5)
    assert [len(p.steps) for p in via_buyer] == [5, 5]  # without t-7: through Southbury Council, by t-4 or t-6
    assert via_buyer[0].explanation == (
        "Builder Ltd won “Road repairs” (t-4), bought by Southbury Council; Southbury Council also bought “Mental health "
        "support” (t-3), which serves the outcome area health/mental-health (score 0.70), an outcome area of the Health mission."
    )
    # beyond five steps the whole mission graph is searched: B1 → S1 → B2 once t-7 is out of scope
    [far] = supplier_paths(store, "Big Health", "growth", Scope(date_from="2021-01-01"), limit=1)
    assert len(far.steps) == 8 and far.nodes[-3:] == (B2, process_iri("t-4").value, f"{ID}mission/growth")
    assert supplier_paths(store, "Builder Ltd", "growth")[0].nodes == (S4, process_iri("t-4").value, f"{ID}mission/growth")
    assert supplier_paths(store, "Builder Ltd", "clean-energy") == []


def test_find_supplier(store: OxigraphStore) -> None:
    assert find_supplier(store, "hope") == S3
    assert find_supplier(store, S2B) == S2  # linked spellings resolve to the canonical organisation
    with pytest.raises(NotFound):
        find_supplier(store, "Nobody Ltd")
    with pytest.raises(Exception, match="matches 2 suppliers"):
        find_supplier(store, " Ltd")


def test_cli_json_and_csv(tmp_path: Any) -> None:
    from kg.cli import app

    data = Settings(data_dir=tmp_path)
    disk = OxigraphStore(data.store_dir)
    disk.add_quads(market_quads())
    disk.close()
    runner = CliRunner()
    base = ["analytics", "concentration", "--data-dir", str(tmp_path), "--mission", "health"]
    out = runner.invoke(app, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["scope"] == {"mission": "health"} and payload["rows"][0]["hhi"] == 3888.9
    csv_out = runner.invoke(app, ["analytics", "sme-share", "--data-dir", str(tmp_path), "-g", "mission", "--format", "csv"])
    lines = csv_out.stdout.splitlines()
    assert lines[0].startswith("group,label,supplier_awards,sme_share") and lines[2].startswith("health,health,5,0.6,0.5,0.2,0.1667,600.0")
    path = runner.invoke(app, ["analytics", "path", "Hope CIC", "health", "--data-dir", str(tmp_path), "--json"])
    assert json.loads(path.stdout)["rows"][0]["length"] == 3
    table = runner.invoke(app, ["analytics", "suppliers", "--data-dir", str(tmp_path), "--top", "2"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Builder Ltd" in table.stdout
    bad = runner.invoke(app, [*base[:-1], "wealth"])
    assert bad.exit_code != 0
    empty = runner.invoke(app, [*base, "--from", "2030-01-01"])
    assert empty.exit_code == 0 and "nothing to show for mission=health, date_from=2030-01-01" in " ".join(empty.output.split())


def test_cli_tables_name_buyers_and_fit_the_terminal(tmp_path: Any) -> None:
    from kg.cli import app

    disk = OxigraphStore(Settings(data_dir=tmp_path).store_dir)
    disk.add_quads(market_quads())
    disk.close()
    runner = CliRunner()
    command = ["analytics", "concentration", "--data-dir", str(tmp_path), "-g", "buyer"]
    piped = runner.invoke(app, command, env={"COLUMNS": "40", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})  # not a terminal: every cell whole, however wide
    header = next(line.split() for line in piped.stdout.splitlines() if "awards" in line)
    assert piped.exit_code == 0 and header[:2] == ["label", "awards"] and header[-1] == "%"  # ... "1 bid %"
    assert "Northfield NHS Trust" in piped.stdout and "https:" not in piped.stdout and "left out" not in piped.stderr
    narrow = runner.invoke(app, command, env={"COLUMNS": "60", "FORCE_COLOR": "1"})  # a terminal 60 wide
    assert narrow.exit_code == 0 and "left out to fit the terminal" in narrow.stderr
    plain = re.sub(r"\x1b\[[0-9;]*m", "", narrow.stdout)
    assert max(len(line) for line in plain.splitlines()) <= 60 and "label" in plain and "£" in plain


def test_real_graph_figures_are_sensible(real_settings: Settings) -> None:
    store = OxigraphStore(real_settings.store_dir, read_only=True)
    market = load_market(store)
    [overall] = concentration(market)
    assert overall["suppliers"] > 1_000 and 0 < overall["hhi"] < 1_000  # thousands of suppliers: far from concentrated
    # Contracts Finder 2017-21 states every tender's tenderers; most other sources do not
    assert 0.1 < overall["tenderers_known"] < 0.9 and 2 < overall["mean_tenderers"] < 20
    years = by_group(concentration(market, "year"))
    assert {2020, 2025} <= set(years) and sum(sum(r["new_entrants"].values()) for r in years.values()) <= overall["suppliers"]
    [sme] = sme_share(market)
    assert 0.2 < sme["sme_share"] < 0.8 and 0 < sme["status_known"] < 1
    top = suppliers(market, top=5, sort="buyers")
    assert top[0]["buyers"] >= top[-1]["buyers"] >= 2
    assert communities(market, top=3)[0]["size"] > 10


def test_api_routes_give_the_library_figures(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.config import ApiOptions

    data = Settings(data_dir=tmp_path)
    disk = OxigraphStore(data.store_dir)
    disk.add_quads(market_quads())
    disk.close()
    with TestClient(create_app(data, ApiOptions(sparql_workers=1))) as client:
        rows = client.get("/api/v1/analytics/concentration", params={"mission": "health"}).json()
        assert rows[0]["hhi"] == 3888.9
        shares = by_group(client.get("/api/v1/analytics/sme-share", params={"group_by": "mission"}).json())
        assert shares["health"]["sme_share"] == 0.6 and shares["health"]["sme_value_share"] == 0.5
        top = client.get("/api/v1/analytics/suppliers", params={"top": 2}).json()
        assert len(top) == 2
        assert client.get("/api/v1/analytics/communities").status_code == 200
        bad = client.get("/api/v1/analytics/concentration", params={"mission": "wealth"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert "wealth" in bad.json()["detail"]
        assert client.get("/api/v1/analytics/concentration", params={"from": "yesterday"}).status_code == 422
