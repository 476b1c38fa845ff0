"""What the ingest maps into the graph: processes, tenders, lots, items, CPV, parties, awards, contracts,
criteria, documents and provenance, with one IRI per organisation across processes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from ingest.build import BuildSummary, build
from ingest.compile import compile_releases
from ingest.mapping import ReleaseInfo, map_process
from ingest.stages import STAGES
from kg.namespaces import process_graph
from kg.settings import Settings
from kg.store import open_store

FIXTURES = Path(__file__).parent / "data" / "ingest"
ALL_STAGES = frozenset(name for name, _ in STAGES)  # ingest only: the stages have their own tests
ID = "https://w3id.org/missionkg/id/"
P1 = f"<{ID}process/ocds-mkgtest-001>"


def ingest(settings: Settings, *names: str) -> BuildSummary:
    return build(settings, [str(FIXTURES / name) for name in names], skip_stages=ALL_STAGES)


def select(settings: Settings, query: str) -> list[dict]:
    store = open_store(settings, read_only=True)
    try:
        return store.select(query).rows
    finally:
        store.close()


def values(settings: Settings, query: str, name: str = "v") -> list:
    return sorted(row[name] for row in select(settings, query))


@pytest.fixture(scope="module")
def notices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildSummary]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("notices"))
    return settings, ingest(settings, "notices.jsonl")


@pytest.fixture(scope="module")
def graph(notices: tuple[Settings, BuildSummary]) -> Settings:
    return notices[0]


def test_summary_counts_what_was_read_and_written(notices):
    _, summary = notices
    assert (summary.releases_read, summary.releases_loaded, summary.releases_quarantined) == (4, 4, 0)
    assert summary.processes == summary.processes_mapped == 3
    # Exampleshire CC, Brightpath, Harbour Lane, Exampleton BC, Greenway Gardeners
    assert summary.organisations == 5
    assert summary.triples > 0 and summary.seconds > 0


def test_process_and_tender_fields(graph):
    [row] = select(graph, f"""SELECT * WHERE {{
        {P1} a mkg:ContractingProcess ; mkg:ocid ?ocid ; dcterms:title ?title ; dcterms:language ?lang ;
            mkg:country ?country ; mkg:isForeign ?foreign ; mkg:hasTender ?t .
        ?t a mkg:Tender ; mkg:status ?status ; mkg:procurementMethod ?method ; mkg:procurementMethodDetails ?details ;
           mkg:mainProcurementCategory ?category ; mkg:suitableForSME ?sme ; mkg:suitableForVCSE ?vcse ;
           mkg:submissionDeadline ?deadline ; mkg:mainClassification ?cpv ;
           mkg:value [ mkg:amount ?amount ; mkg:currency ?currency ] ;
           mkg:contractPeriod [ mkg:startDate ?start ; mkg:endDate ?end ] }}""")
    assert row["ocid"] == "ocds-mkgtest-001"
    assert row["title"] == "Community Mental Health Support Service"
    assert (row["lang"], row["country"], row["foreign"]) == ("en", "GB", False)
    assert (row["status"], row["method"], row["details"], row["category"]) == ("active", "open", "Open procedure", "services")
    assert (row["sme"], row["vcse"]) == (True, True)
    assert str(row["deadline"]).startswith("2025-04-01T12:00:00")
    assert row["cpv"] == f"{ID}cpv/85323000"
    assert (float(row["amount"]), row["currency"]) == (1_200_000, "GBP")
    assert (str(row["start"]), str(row["end"])) == ("2025-07-01", "2028-06-30")  # date-only values stay xsd:date


def test_items_lots_and_delivery_regions(graph):
    item = f"<{ID}process/ocds-mkgtest-001/tender/item/1>"
    assert values(graph, f"SELECT ?v WHERE {{ {item} mkg:classification ?v }}") == [
        f"{ID}cpv/85312320", f"{ID}cpv/85323000",
    ]
    assert values(graph, f"SELECT ?v WHERE {{ {item} mkg:mainClassification ?v }}") == [f"{ID}cpv/85323000"]
    assert values(graph, f"SELECT ?v WHERE {{ {item} mkg:deliveryRegion/rdfs:label ?v }}") == ["UKH1"]
    assert values(graph, f"SELECT ?v WHERE {{ {item} mkg:hasLot/dcterms:title ?v }}") == ["North Exampleshire"]
    lots = select(graph, f"""SELECT ?title ?amount WHERE {{ {P1} mkg:hasTender/mkg:hasLot ?l .
        ?l a mkg:Lot ; dcterms:title ?title ; mkg:value/mkg:amount ?amount }} ORDER BY ?title""")
    assert [(r["title"], float(r["amount"])) for r in lots] == [("North Exampleshire", 700_000), ("South Exampleshire", 500_000)]


def test_award_criteria_keep_type_name_description_and_weight(graph):
    rows = select(graph, f"""SELECT ?name ?type ?weight ?description WHERE {{ {P1} mkg:hasTender/mkg:hasAwardCriterion ?c .
        ?c a mkg:AwardCriterion ; dcterms:title ?name ; mkg:criterionType ?type ; mkg:weight ?weight
        OPTIONAL {{ ?c dcterms:description ?description }} }} ORDER BY DESC(?weight)""")
    assert [(r["name"], r["type"], float(r["weight"]), r["description"]) for r in rows] == [
        ("Quality", "quality", 60, "Service model and outcomes"), ("Price", "price", 30, None),
        ("Social Value", "quality", 10, None),
    ]


def test_documents_are_links_only(graph):
    rows = select(graph, f"""SELECT ?url ?type ?title WHERE {{ {P1} mkg:hasTender/mkg:hasDocument ?d .
        ?d a mkg:Document ; mkg:url ?url ; mkg:documentType ?type ; dcterms:title ?title }}""")
    assert rows == [{"url": "https://example.org/notices/001/specification.pdf", "type": "tenderNotice", "title": "Specification"}]


def test_awards_suppliers_and_contracts(graph):
    award = f"<{ID}process/ocds-mkgtest-001/award/A1>"
    [row] = select(graph, f"""SELECT * WHERE {{ {award} a mkg:Award ; mkg:awardId ?id ; mkg:status ?status ;
        mkg:awardDate ?date ; mkg:supplier ?supplier ; mkg:awardsLot/dcterms:title ?lot ;
        mkg:value [ mkg:amount ?amount ; mkg:currency ?currency ] }}""")
    assert (row["id"], row["status"], str(row["date"]), row["lot"]) == ("A1", "active", "2025-06-15", "North Exampleshire")
    assert (float(row["amount"]), row["currency"]) == (690_000, "GBP")  # "gbp" as published
    assert row["supplier"] == f"{ID}org/GB-COH/01234567"  # leading zero restored
    # an award value of 0 means "not stated": the award is there, its value is not
    assert values(graph, f"SELECT ?v WHERE {{ <{ID}process/ocds-mkgtest-001/award/A2> mkg:awardId ?v }}") == ["A2"]
    assert select(graph, f"SELECT ?v WHERE {{ <{ID}process/ocds-mkgtest-001/award/A2> mkg:value ?v }}") == []
    [contract] = select(graph, f"""SELECT * WHERE {{ {P1} mkg:hasContract ?c . ?c a mkg:Contract ; mkg:contractId ?id ;
        prov:wasDerivedFrom ?award ; mkg:dateSigned ?signed ; mkg:value/mkg:amount ?amount }}""")
    assert (contract["id"], contract["award"], float(contract["amount"])) == ("C1", award[1:-1], 690_000)
    assert str(contract["signed"]).startswith("2025-06-20")


def test_parties_have_one_participation_each_with_their_roles(graph):
    rows = select(graph, f"""SELECT ?org (GROUP_CONCAT(?role; separator=",") AS ?roles) WHERE {{
        {P1} mkg:hasParticipation ?p . ?p mkg:participant ?org ; mkg:role ?role }} GROUP BY ?org ?p ORDER BY ?org""")
    assert [(r["org"].removeprefix(f"{ID}org/"), r["roles"]) for r in rows] == [
        ("GB-CHC/1098765", "supplier"), ("GB-COH/01234567", "supplier"), ("GB-PPON/PQRS-1234-ABCD", "buyer"),
    ]  # the buyer is in both releases but takes part once
    [buyer] = select(graph, f"""SELECT * WHERE {{ {P1} mkg:buyer ?b . ?b a mkg:Buyer ; mkg:name ?name ;
        mkg:hasIdentifier [ mkg:scheme ?scheme ; mkg:identifierValue ?id ] ;
        mkg:hasAddress [ mkg:locality ?locality ; mkg:postalCode ?postcode ] }}""")
    assert (buyer["name"], buyer["scheme"], buyer["id"]) == ("Exampleshire County Council", "GB-PPON", "PQRS-1234-ABCD")
    assert (buyer["locality"], buyer["postcode"]) == ("Exampleton", "EX1 1AA")
    assert values(graph, f"SELECT ?v WHERE {{ <{ID}org/GB-COH/01234567> mkg:isSME ?v }}") == [True]
    assert values(graph, f"SELECT ?v WHERE {{ <{ID}org/GB-CHC/1098765> mkg:isVCSE ?v }}") == [True]


def test_release_history_is_kept_as_provenance(graph):
    rows = select(graph, f"""SELECT ?id ?line ?source (GROUP_CONCAT(?tag; separator=",") AS ?tags) WHERE {{
        {P1} mkg:hasRelease ?r . ?r mkg:releaseId ?id ; mkg:sourceLine ?line ; mkg:sourceFile ?source ; mkg:releaseTag ?tag
    }} GROUP BY ?id ?line ?source ORDER BY ?line""")
    assert [(r["id"], r["line"], r["tags"]) for r in rows] == [("001-tender", 1, "tender"), ("001-award", 2, "award,contract")]
    assert {r["source"] for r in rows} == {str(FIXTURES / "notices.jsonl")}
    [dates] = select(graph, f"SELECT * WHERE {{ {P1} mkg:publishedDate ?first ; mkg:lastUpdated ?last }}")
    assert str(dates["first"]).startswith("2025-03-01T09:00:00") and str(dates["last"]).startswith("2025-06-15T10:00:00")


def test_one_iri_per_organisation_across_processes(graph):
    """Identifiers written differently meet on one IRI; without one, names that differ only in form do."""
    rows = select(graph, """SELECT ?org (GROUP_CONCAT(DISTINCT ?ocid; separator=",") AS ?ocids) WHERE {
        ?process mkg:ocid ?ocid . { ?process mkg:buyer ?org } UNION { ?process mkg:hasAward/mkg:supplier ?org }
    } GROUP BY ?org""")
    found = {r["org"].removeprefix(f"{ID}org/"): sorted(r["ocids"].split(",")) for r in rows}
    assert found == {
        "GB-PPON/PQRS-1234-ABCD": ["ocds-mkgtest-001"],
        "GB-COH/01234567": ["ocds-mkgtest-001", "ocds-mkgtest-002"],  # "1234567" and "GB-COH-01234567"
        "GB-CHC/1098765": ["ocds-mkgtest-001", "ocds-mkgtest-003"],  # "1098765" and "01098765"
        "name/greenway-gardeners": ["ocds-mkgtest-002", "ocds-mkgtest-003"],  # "The ... Co. Ltd" and "... Limited"
        "name/exampleton-borough-council": ["ocds-mkgtest-002", "ocds-mkgtest-003"],
    }
    names = values(graph, f"SELECT DISTINCT ?v WHERE {{ <{ID}org/GB-COH/01234567> mkg:name ?v }}")
    assert names == ["BRIGHTPATH WELLBEING LIMITED", "Brightpath Wellbeing Ltd"]  # each name as published, one node


def test_compiling_copes_with_missing_dates_and_mixed_offsets(settings):
    summary = ingest(settings, "undated.jsonl")
    assert (summary.releases_loaded, summary.processes) == (3, 1)
    [row] = select(settings, f"""SELECT * WHERE {{ <{ID}process/ocds-mkgdate-001> dcterms:title ?title ;
        dcterms:description ?description ; mkg:hasTender/mkg:status ?status }}""")
    # merged oldest first: the undated release, then 2024-03-31T19:00Z (+05:00), then 2024-05-01
    assert row == {"title": "Dated tender notice", "description": "First description", "status": "active"}
    assert values(settings, f"SELECT ?v WHERE {{ <{ID}process/ocds-mkgdate-001> mkg:hasRelease/mkg:releaseId ?v }}") == ["1", "2", "3"]


def test_releases_sharing_id_and_date_are_kept_not_overwritten(settings):
    summary = ingest(settings, "conflict.jsonl")
    assert (summary.releases_read, summary.releases_duplicate, summary.release_conflicts) == (3, 1, 1)
    process = f"<{ID}process/ocds-mkgdup-001>"
    assert values(settings, f"SELECT ?v WHERE {{ {process} mkg:hasRelease ?v }}") == [
        f"{ID}process/ocds-mkgdup-001/release/0", f"{ID}process/ocds-mkgdup-001/release/1",
    ]
    # the one read later is merged last
    assert values(settings, f"SELECT ?v WHERE {{ {process} dcterms:title ?v }}") == ["Bus shelters (corrected)"]


def test_mapped_quads_match_the_nquads_text():
    """`Mapped.quads` (pyoxigraph objects, for library callers) and the N-Quads text the build loads agree."""
    from ingest.demo import generate_releases

    for release in itertools.islice(generate_releases(200, seed=3), 200):
        history = [ReleaseInfo(release["id"], release["date"], tuple(release["tag"]), "demo", 1)]
        mapped = map_process(compile_releases([release]), history)
        lines = mapped.nquads().splitlines()
        assert len(lines) == len(set(lines)) == len(mapped.quads)  # each statement once
        assert {str(q) + " ." for q in mapped.quads} == set(lines)
        assert {q.graph_name for q in mapped.quads} == {process_graph(release["ocid"])}  # only its own graph


def test_procurement_act_lots_contracts_and_releases_without_id(settings):
    """Invented notices in the Find a Tender and Public Contracts Scotland shapes (none of the real files has these)."""
    summary = ingest(settings, "procurement_act.jsonl")
    assert (summary.releases_loaded, summary.release_conflicts) == (5, 0)  # no id: the correction is no conflict
    p1, p2 = f"<{ID}process/ocds-mkgpa-001>", f"<{ID}process/ocds-mkgpa-002>"
    lots = select(settings, f"SELECT ?t ?sme ?vcse WHERE {{ {p1} mkg:hasTender/mkg:hasLot ?l . ?l dcterms:title ?t ; "
                            "mkg:suitableForSME ?sme ; mkg:suitableForVCSE ?vcse }")
    assert sorted((r["t"], r["sme"], r["vcse"]) for r in lots) == [("North", True, False), ("South", False, False)]
    [tender] = select(settings, f"SELECT ?sme ?vcse WHERE {{ {p1} mkg:hasTender ?t . ?t mkg:suitableForSME ?sme ; mkg:suitableForVCSE ?vcse }}")
    assert tender == {"sme": True, "vcse": False}  # suitable when a lot is; not when no lot is
    assert values(settings, f"SELECT ?v WHERE {{ {p1} mkg:hasTender/mkg:hasLot/mkg:contractPeriod/mkg:durationInMonths ?v }}") == [36]
    assert values(settings, f"SELECT ?v WHERE {{ {p1} mkg:hasContract/mkg:hasDocument/mkg:url ?v }}") == [
        "https://www.find-tender.service.gov.uk/Notice/000002-2026"]
    assert values(settings, f"SELECT ?v WHERE {{ {p1} mkg:country ?v }}") == ["GB"]  # from the buyer's NUTS region
    assert values(settings, f"SELECT ?v WHERE {{ {p2} mkg:hasTender/mkg:hasItem/mkg:deliveryRegion/rdfs:label ?v }}") == [
        "Carmarthenshire"]  # a postal address over several lines is no region
    assert values(settings, f"SELECT ?v WHERE {{ {p2} dcterms:title ?v }}") == ["Grit bins (corrected)"]
    [change] = select(settings, f"""SELECT ?signed ?amended ?end ?why WHERE {{ {p1} mkg:hasContract ?c .
        ?c mkg:value/mkg:amount ?signed ; mkg:hasAmendment ?a . ?a mkg:value/mkg:amount ?amended ;
        mkg:contractPeriod/mkg:endDate ?end ; mkg:rationale ?why ; mkg:amendmentDate ?when ; dcterms:description ?what }}""")
    assert (float(change["signed"]), float(change["amended"])) == (100000.0, 150000.0)  # the contract keeps its own value
    assert str(change["end"]).startswith("2029-06-30") and change["why"] == "Demand grew in the north of the county."


def test_a_compiled_release_keeps_the_history_its_record_links_to(settings):
    build(settings, [str(FIXTURES.parent / "readers" / "record_package.json")], skip_stages=ALL_STAGES)
    process = f"<{ID}process/ocds-abc-011>"
    [row] = select(settings, f"""SELECT ?id ?date ?tag ?published WHERE {{ {process} mkg:hasRelease ?r ; mkg:publishedDate ?published .
        ?r mkg:releaseId ?id ; mkg:releaseDate ?date ; mkg:releaseTag ?tag }}""")
    assert row["id"] == "https://example.org/releases/011-1.json" and row["tag"] == "tender"
    assert str(row["date"]).startswith("2024-03-01") and str(row["published"]).startswith("2024-03-01")
    # a compiledRelease whose record lists nothing stands for itself
    assert values(settings, f"SELECT ?v WHERE {{ <{ID}process/ocds-abc-013> mkg:hasRelease/mkg:releaseId ?v }}") == ["013-compiled"]


def test_a_record_read_again_with_more_links_lists_each_release_once(settings, tmp_path):
    def record(*links: tuple[str, str, str], title: str) -> str:
        compiled = {"ocid": "ocds-mkgrec-001", "id": "c", "date": links[-1][1], "tag": ["compiled"], "tender": {"title": title}}
        releases = [{"url": url, "date": date, "tag": [tag]} for url, date, tag in links]
        return json.dumps({"records": [{"ocid": "ocds-mkgrec-001", "releases": releases, "compiledRelease": compiled}]})

    r1 = ("https://example.org/r1.json", "2024-01-01T00:00:00Z", "tender")
    r2 = ("https://example.org/r2.json", "2024-02-01T00:00:00Z", "award")
    first, second = tmp_path / "v1.json", tmp_path / "v2.json"
    first.write_text(record(r1, title="Grit"))
    second.write_text(record(r1, r2, title="Grit (awarded)"))
    build(settings, [str(first)], skip_stages=ALL_STAGES)
    summary = build(settings, [str(second)], skip_stages=ALL_STAGES)
    assert summary.processes_mapped == 1
    query = f"SELECT ?v WHERE {{ <{ID}process/ocds-mkgrec-001> mkg:hasRelease/mkg:releaseId ?v }}"
    assert values(settings, query) == [r1[0], r2[0]]
    assert build(settings, [str(second)], skip_stages=ALL_STAGES).processes_mapped == 0  # read again: nothing new
    second.write_text(record(r2, title="Grit (awarded)"))  # the same compiledRelease listed with other links
    assert build(settings, [str(second)], skip_stages=ALL_STAGES).processes_mapped == 1
    assert values(settings, query) == [r1[0], r2[0]]


def test_a_bad_gross_amount_is_dropped_not_the_release(settings, tmp_path):
    path = tmp_path / "gross.jsonl"
    path.write_text(json.dumps({"ocid": "ocds-mkggross-001", "id": "1", "date": "2026-01-05T00:00:00Z", "tag": ["tender"],
                                "tender": {"title": "Road gritting", "value": {"amount": 100, "amountGross": -5, "currency": "GBP"}}}) + "\n")
    summary = build(settings, [str(path)], skip_stages=ALL_STAGES)
    assert (summary.releases_loaded, summary.releases_quarantined) == (1, 0)
    [row] = select(settings, "SELECT ?a ?g WHERE { ?v mkg:amount ?a OPTIONAL { ?v mkg:amountGross ?g } }")
    assert (float(row["a"]), row["g"]) == (100.0, None)


def test_amendments_without_id_do_not_merge_with_numbered_ones():
    release = {"ocid": "ocds-mkgam-001", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["contractAmendment"],
               "contracts": [{"id": "c", "amendments": [{"id": "1", "value": {"amount": 10}}, {"value": {"amount": 20}}]}]}
    mapped = map_process(compile_releases([release]), [ReleaseInfo("1", release["date"], ("contractAmendment",), "t", 1)])
    amounts = {}
    for line in mapped.nquads().splitlines():
        if "/amendment/" in line and "#amount>" in line:
            amounts.setdefault(line.split()[0], []).append(line.split()[2])
    assert sorted(len(v) for v in amounts.values()) == [1, 1]  # two amendments, one amount each


def test_counts_are_whole_numbers_from_numbers_or_digits():
    from ingest.validate import parse_count

    assert [parse_count(v, 100) for v in (36, "36", " 7 ", 36.0, 36.5, "²", True, -1, 101, None)] == [
        36, 36, 7, 36, None, None, None, None, None, None]


def test_amounts_written_as_text_keep_their_meaning():
    from ingest.validate import parse_amount

    written = ("50000", "£50,000", "50,000.50", "1,000,000", "€ 12", "-1,000", "1,2,3", "1,00", "50 000", "abc")
    assert [parse_amount(v) for v in written] == [50000.0, 50000.0, 50000.5, 1e6, 12.0, -1000.0, None, None, None, None]


def test_bid_statistics_of_lots_the_tender_does_not_list_are_left_out():
    def tenderers(lots: list, statistics: list) -> dict[str, str]:
        release = {"ocid": "ocds-mkgbid-001", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["award"],
                   "tender": {"id": "t", "lots": lots}, "bids": {"statistics": statistics}}
        mapped = map_process(release, [ReleaseInfo("1", release["date"], ("award",), "t", 1)])
        counts = [line.split() for line in mapped.nquads().splitlines() if "#numberOfTenderers>" in line]
        return {s[1:-1].split("/ocds-mkgbid-001/")[1]: o.split('"')[1] for s, _, o, *_ in counts}

    stats = [{"id": "1", "measure": "bids", "value": 4, "relatedLot": "1"}, {"id": "2", "measure": "bids", "value": 9, "relatedLot": "7"},
             {"id": "3", "measure": "smeBids", "value": 2, "relatedLot": "1"}]
    assert tenderers([{"id": "1"}], stats) == {"tender/lot/1": "4"}  # lot 7 is not the tender's; SME bids are not tenderers
    assert tenderers([], stats[1:2]) == {"tender": "9"}  # a tender without lots is its only lot


@pytest.mark.parametrize("parallel_min", [10**9, 0], ids=["inline", "workers"])
def test_a_process_the_mapping_cannot_handle_does_not_stop_the_build(settings, monkeypatch, parallel_min, tmp_path):
    from ingest import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN", parallel_min)
    monkeypatch.setattr(pipeline, "MAP_BATCH", 2)

    def fragile(compiled, history):
        if compiled["ocid"] == "ocds-mkgtest-002":
            raise ValueError("a value nobody foresaw")
        return map_process(compiled, history)

    monkeypatch.setattr(pipeline, "map_process", fragile)
    summary = ingest(settings, "notices.jsonl")
    assert summary.processes_failed == 1
    assert summary.failure_examples == {"ocds-mkgtest-002": "ValueError: a value nobody foresaw"}
    assert (summary.processes_mapped, summary.processes) == (2, 3)  # the other two are written
    assert values(settings, "SELECT ?v WHERE { ?p mkg:ocid ?v }") == ["ocds-mkgtest-001", "ocds-mkgtest-003"]
    monkeypatch.undo()
    again = ingest(settings, "notices.jsonl")  # nothing new to read, but the failed process is still dirty
    assert (again.processes_failed, again.processes_mapped) == (0, 1)
    assert values(settings, "SELECT ?v WHERE { ?p mkg:ocid ?v }") == ["ocds-mkgtest-001", "ocds-mkgtest-002", "ocds-mkgtest-003"]
    title = "SELECT ?v WHERE { ?p mkg:ocid 'ocds-mkgtest-002' ; dcterms:title ?v }"
    [before] = values(settings, title)
    first = next(r for r in map(json.loads, (FIXTURES / "notices.jsonl").read_text().splitlines()) if r["ocid"] == "ocds-mkgtest-002")
    update = tmp_path / "update.jsonl"
    update.write_text(json.dumps({**first, "id": "later", "date": "2026-02-01T00:00:00Z", "tender": {**first.get("tender", {}), "title": "Renamed"}}))
    monkeypatch.setattr(pipeline, "map_process", fragile)
    failed = build(settings, [str(update)], skip_stages=ALL_STAGES)
    assert failed.processes_failed == 1 and values(settings, title) == [before]  # the last good graph stays
    monkeypatch.undo()
    assert build(settings, [str(update)], skip_stages=ALL_STAGES).processes_mapped == 1 and values(settings, title) == ["Renamed"]
