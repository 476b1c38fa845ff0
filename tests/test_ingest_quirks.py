"""The publishers' quirks, each on real lines of ../shared/data/ocds (skipped when the folder is absent).

Lines are found by what they hold, not by number, and built into a small graph of their own.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.build import BuildSummary, build
from ingest.clean import clean_text, has_literal_rn
from ingest.stages import STAGES
from kg.namespaces import CPV_PATH
from kg.settings import Settings
from kg.store import open_store

ALL_STAGES = frozenset(name for name, _ in STAGES)
ID = "https://w3id.org/missionkg/id/"
CF_2025 = "uk_contracts_finder_2025__apa999_CFServer1"
SELL2WALES = "uk_sell2wales_2025__apa999_CFServer1"
CF_2020 = "uk_contracts_finder_2020__spendnetwork_openopps"
DERIVED = "uk_contracts_finder_2015-2020__mysociety_bluetail_processed_DERIVED"
BRAVO = "uk_bravosolution_portals_2020__spendnetwork_openopps"
NONUK = "NONUK_international_2020__spendnetwork_openopps"


def real_lines(
    shared_data: Path, name: str, keep: Callable[[dict[str, Any]], bool], *, required: bool = True
) -> list[tuple[str, dict[str, Any]]]:
    """(raw line, release) for every line of a real file that `keep` accepts; skip the test if none does."""
    found = []
    with gzip.open(shared_data / "ocds" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            release = json.loads(line)
            if keep(release):
                found.append((line.rstrip("\n"), release))
    if not found and required:
        pytest.skip(f"no line of {name} shows this quirk any more")
    return found


def build_lines(settings: Settings, lines: list[str], **options: Any) -> BuildSummary:
    path = settings.data_dir.parent / "real-lines.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return build(settings, [str(path)], skip_stages=ALL_STAGES, **options)


def select(settings: Settings, query: str) -> list[dict[str, Any]]:
    store = open_store(settings, read_only=True)
    try:
        return store.select(query).rows
    finally:
        store.close()


def by_ocid(settings: Settings, query: str) -> dict[str, Any]:
    """{ocid: ?v} for a query binding ?ocid and ?v."""
    return {row["ocid"]: row["v"] for row in select(settings, query)}


def tender(release: dict[str, Any]) -> dict[str, Any]:
    return release.get("tender") if isinstance(release.get("tender"), dict) else {}


# --- literal "rn" line breaks -------------------------------------------------------------------------------

_WORD_END_RN = re.compile(r"\b[A-Za-z]+rn\b")
_INNER_RN = re.compile(r"(?:\b|(?<=rn))(?:[Ii]nte|[Gg]ove|[Ee]xte|[Aa]lte|[Tt]u)rn[a-z]+")
_RN_WORDS = re.compile(r"\b(?:modern|pattern|[Nn]orthern|[Ss]outhern|[Ee]astern|[Ww]estern|return|govern|learn|concern)\b", re.IGNORECASE)


def test_literal_rn_becomes_line_breaks_and_words_ending_in_rn_survive(shared_data, settings):
    quirky = [
        pair for name in (CF_2025, SELL2WALES)
        for pair in real_lines(shared_data, name, lambda r: has_literal_rn(f"{tender(r).get('title')} {tender(r).get('description')}"))
    ]
    assert len(quirky) > 80
    build_lines(settings, [line for line, _ in quirky])
    descriptions = by_ocid(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; mkg:hasTender/dcterms:description ?v }")
    checked = 0
    once = {ocid for ocid, n in Counter(r["ocid"] for _, r in quirky).items() if n == 1}
    for _, release in quirky:
        raw = tender(release).get("description")
        if not raw or not has_literal_rn(raw) or release["ocid"] not in once:  # else the graph holds the merged text
            continue
        text = descriptions[release["ocid"]]
        assert "\n" in text
        assert not re.search(r"[.:;)]rn|rnrn|rn {2,}|\brn\b", text), text[:300]
        # every word that really ends in "rn" is still there, as many times
        assert sorted(_RN_WORDS.findall(text)) == sorted(_RN_WORDS.findall(raw)), release["ocid"]
        # and words with "rn" inside them ("international", "government") are untouched
        assert sorted(_INNER_RN.findall(text)) == sorted(_INNER_RN.findall(raw)), release["ocid"]
        checked += 1
    assert checked > 60
    stuck = [w for text in descriptions.values() for w in _WORD_END_RN.findall(text) if not _RN_WORDS.fullmatch(w)]
    assert stuck == [], stuck  # "Housesrn", "Hardwarern": no break left glued to a word


def test_literal_rn_repair_examples_from_real_notices(shared_data, settings):
    def holding(*snippets: str) -> Callable[[dict[str, Any]], bool]:
        return lambda r: all(s in (tender(r).get("description") or "") for s in snippets)

    houses = real_lines(shared_data, SELL2WALES, holding("Housesrn Bungalowsrn"))[0][1]
    lots = real_lines(shared_data, SELL2WALES, holding("Lot 1 - Hardwarern Lot 2 - Softwarern"))[0][1]
    notice = real_lines(shared_data, CF_2025, holding("PACKAGErnrn", "Southern"))[0][1]
    build_lines(settings, [json.dumps(r) for r in (houses, lots, notice)])
    texts = by_ocid(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; mkg:hasTender/dcterms:description ?v }")
    assert "consists of\nHouses\nBungalows\n" in texts[houses["ocid"]]
    assert "Lot 1 - Hardware\nLot 2 - Software\n" in texts[lots["ocid"]]
    assert "SUBCONTRACT PACKAGE\n\nA47" in texts[notice["ocid"]]
    assert "Southern Norwich" in texts[notice["ocid"]]  # a word ending in "rn" before a capital stays whole


def test_words_ending_in_rn_survive_in_real_text(shared_data):
    """"modern", "pattern", "Northern": real sentences keep them even when the repair is switched on."""
    texts = [
        tender(r).get("description")
        for name in (CF_2020, DERIVED, CF_2025)
        for _, r in real_lines(shared_data, name, lambda r: bool(re.search(r"\b(modern|pattern|Northern)\b", tender(r).get("description") or "")))
    ]
    assert len(texts) >= 3
    for raw in texts:
        repaired = clean_text(raw, literal_rn=True)
        for word in ("modern", "pattern", "Northern"):
            assert len(re.findall(rf"\b{word}\b", repaired)) == len(re.findall(rf"\b{word}\b", raw)), word


@pytest.mark.parametrize(
    ("published", "repaired"),
    [
        ("Scope:rnDesignrnBuild", "Scope:\nDesign\nBuild"),  # after punctuation, before a capital
        ("Lots:rn Lot 1 - Hardwarern Lot 2 - Softwarern", "Lots:\nLot 1 - Hardware\nLot 2 - Software"),  # glued to a word
        ("NOTICErnrnThe buyer", "NOTICE\n\nThe buyer"),  # a blank line
        ("Tackle modern slavery.rnThe pattern in Northern Ireland", "Tackle modern slavery.\nThe pattern in Northern Ireland"),
        ("A modernrnThe end", "A modern\nThe end"),  # a word ending in "rn" keeps it before a break
        ("international government returns", "international government returns"),  # "rn" inside words
        ("Tyne &amp;amp; Wear, St Paul&#039;s", "Tyne & Wear, St Paul's"),  # entities, encoded once or twice
        # runs of spaces, tabs and no-break spaces, CRLF line breaks, more than one blank line
        ("Lot\t 1\u00a0\u00a0-  Works \r\n\r\n\r\n\r\n  Next\u2009 line ", "Lot 1 - Works\n\nNext line"),
        ("  Caf\u00c3\u00a9  menu  ", "Caf\u00e9 menu"),  # mojibake
    ],
)
def test_clean_text_repairs(published, repaired):
    assert clean_text(published, literal_rn=True) == repaired
    if "rn" not in published:  # and the same without the "rn" repair, which most values take
        assert clean_text(published) == repaired


# --- organisations ------------------------------------------------------------------------------------------


def test_buyer_given_inline_without_parties(shared_data, settings):
    lines = real_lines(shared_data, CF_2020, lambda r: not r.get("parties") and bool((r.get("buyer") or {}).get("name")))[:25]
    summary = build_lines(settings, [line for line, _ in lines])
    assert summary.releases_loaded == len(lines)
    buyers = {row["ocid"]: row for row in select(settings, """SELECT ?ocid ?name ?country WHERE {
        ?p mkg:ocid ?ocid ; mkg:buyer ?b . ?b a mkg:Buyer ; mkg:name ?name OPTIONAL { ?p mkg:country ?country } }""")}
    for _, release in lines:
        assert buyers[release["ocid"]]["name"] == clean_text(release["buyer"]["name"])
    assert {row["country"] for row in buyers.values()} == {"GB"}  # from the inline buyer's address


def test_party_ids_reused_across_releases_do_not_merge_organisations(shared_data, settings):
    """In the bluetail files a party id ("2") names one organisation in a release and another in the next."""
    releases = real_lines(shared_data, DERIVED, lambda r: True)
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, r in releases:
        for party in r.get("parties") or []:
            names[(r["ocid"], str(party.get("id")))].add(party.get("name"))
    clashes = {(ocid, pid): n for (ocid, pid), n in names.items() if len(n) > 1 and not pid.startswith(("GB-", "XI-"))}
    ocid = min(ocid for ocid, _ in clashes)
    build_lines(settings, [line for line, r in releases if r["ocid"] == ocid])
    participants = {row["name"] for row in select(settings, f"""SELECT DISTINCT ?name WHERE {{
        ?p mkg:ocid "{ocid}" ; mkg:hasParticipation/mkg:participant/mkg:name ?name }}""")}
    for (clash_ocid, _), clashing in clashes.items():
        if clash_ocid == ocid:
            assert {clean_text(n) for n in clashing} <= participants, clashing
    orgs = select(settings, f'SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?p mkg:ocid "{ocid}" ; mkg:hasParticipation/mkg:participant ?o }}')
    assert orgs[0]["n"] >= len(participants) - 1  # one organisation can be published under two spellings


def test_party_id_repeated_within_one_release_keeps_both_parties(shared_data, settings):
    def repeats(r: dict[str, Any]) -> bool:
        ids = [p.get("id") for p in r.get("parties") or []]
        return len(ids) != len(set(ids))

    line, release = real_lines(shared_data, DERIVED, repeats)[0]
    build_lines(settings, [line])
    names = {row["v"] for row in select(settings, f"""SELECT ?v WHERE {{
        ?p mkg:ocid "{release['ocid']}" ; mkg:hasParticipation/mkg:participant/mkg:name ?v }}""")}
    assert {clean_text(p["name"]) for p in release["parties"] if p.get("name")} <= names


def test_rewritten_ocids_in_the_derived_file_stay_separate_processes(shared_data, settings):
    """The DERIVED copy rewrote OCID prefixes ("ocds-b5fd17bodsmatch-", "...suppliermatch-"); the release ids keep the
    original OCID. Each published OCID is its own process (never merged with another publisher's copy), and the
    release ids that tie it to the original stay in its provenance."""
    releases = real_lines(shared_data, DERIVED, lambda r: not r["id"].startswith(r["ocid"]))
    by_original: dict[str, set[str]] = defaultdict(set)
    for _, r in releases:
        original = re.match(r"ocds-b5fd17-[0-9a-f-]{36}", r["id"])
        if original:
            by_original[original.group(0)].add(r["ocid"])
    original, rewritten = next((o, ocids) for o, ocids in sorted(by_original.items()) if len(ocids) > 1)
    lines = [line for line, r in releases if r["ocid"] in rewritten]
    summary = build_lines(settings, lines)
    assert summary.processes == len(rewritten) and summary.releases_loaded == len(lines)
    ids = defaultdict(list)
    for row in select(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; mkg:hasRelease/mkg:releaseId ?v }"):
        ids[row["ocid"]].append(row["v"])
    assert set(ids) == rewritten  # no process under the original OCID, none merged
    assert all(i.startswith(original) for values in ids.values() for i in values)
    for ocid in rewritten:
        assert len(ids[ocid]) == sum(r["ocid"] == ocid for _, r in releases)


# --- values and classifications -----------------------------------------------------------------------------


def test_notices_without_cpv_are_loaded_without_classification(shared_data, settings):
    def no_cpv(r: dict[str, Any]) -> bool:
        t = tender(r)
        return not t.get("classification") and not any(i.get("classification") for i in t.get("items") or [])

    lines = real_lines(shared_data, BRAVO, no_cpv)[:40]
    summary = build_lines(settings, [line for line, _ in lines])
    assert (summary.releases_loaded, summary.processes) == (len(lines), len({r["ocid"] for _, r in lines}))
    titles = by_ocid(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; dcterms:title ?v }")
    assert set(titles) == {r["ocid"] for _, r in lines}
    assert select(settings, "SELECT ?x WHERE { ?x mkg:classification ?c }") == []


def test_tender_values_of_zero_are_left_out(shared_data, settings):
    def amount(r: dict[str, Any]) -> Any:
        return (tender(r).get("value") or {}).get("amount")

    zero = real_lines(shared_data, CF_2020, lambda r: amount(r) == 0)[:15]
    positive = real_lines(shared_data, CF_2020, lambda r: isinstance(amount(r), int | float) and amount(r) > 0)[:15]
    build_lines(settings, [line for line, _ in zero + positive])
    values = by_ocid(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; mkg:hasTender/mkg:value/mkg:amount ?v }")
    assert not {r["ocid"] for _, r in zero} & set(values)
    assert {ocid: float(v) for ocid, v in values.items()} == {r["ocid"]: float(amount(r)) for _, r in positive}


# --- text ---------------------------------------------------------------------------------------------------


def test_html_entities_are_decoded_even_when_encoded_twice(shared_data, settings):
    lines = real_lines(shared_data, DERIVED, lambda r: "&amp;" in json.dumps(r.get("parties")))
    assert any("&amp;amp;" in line for line, _ in lines)
    build_lines(settings, [line for line, _ in lines])
    # identifiers (release ids) are kept verbatim; every text is decoded
    texts = [row["v"] for row in select(settings, "SELECT ?v WHERE { ?s ?p ?v FILTER(isLiteral(?v) && ?p != mkg:releaseId) }")]
    assert not [t for t in texts if re.search(r"&(?:amp|#\d+|quot|lt|gt);", str(t))]
    names = {row["v"] for row in select(settings, "SELECT ?v WHERE { ?o a mkg:Organisation ; mkg:name ?v }")}
    assert any(" & " in name for name in names)


def test_mojibake_is_repaired(shared_data, settings):
    lines = [
        pair for name in (CF_2025, NONUK, CF_2020, SELL2WALES)
        for pair in real_lines(shared_data, name, lambda r: "Â£" in json.dumps(r, ensure_ascii=False), required=False)
    ]
    if not lines:
        pytest.skip("no real line holds the mojibake any more")
    build_lines(settings, [line for line, _ in lines])
    texts = [str(row["v"]) for row in select(settings, "SELECT ?v WHERE { ?s ?p ?v FILTER(isLiteral(?v)) }")]
    assert not [t for t in texts if "Â£" in t or "â€" in t]
    assert any(re.search(r"£\d", t) for t in texts)


# --- foreign records ----------------------------------------------------------------------------------------


def test_foreign_language_records_are_kept_with_their_language(shared_data, settings):
    def german(r: dict[str, Any]) -> bool:
        return r.get("language") == "de" and (r.get("buyer") or {}).get("address", {}).get("countryName") == "Germany"

    line, release = real_lines(shared_data, NONUK, german)[0]
    build_lines(settings, [line])
    [row] = select(settings, f"""SELECT * WHERE {{ ?p mkg:ocid "{release['ocid']}" ; dcterms:language ?lang ;
        mkg:country ?country ; mkg:isForeign ?foreign ; dcterms:title ?title }}""")
    assert (row["lang"], row["country"], row["foreign"]) == ("de", "DE", True)
    assert row["title"] == clean_text(tender(release)["title"])  # kept as published, not translated


def test_country_filter_skips_foreign_records_and_counts_them(shared_data, settings):
    foreign = real_lines(shared_data, NONUK, lambda r: True)
    uk = real_lines(shared_data, "uk_find_a_tender_2026__samples", lambda r: True)

    def states_country(r: dict[str, Any]) -> bool:
        address = (r.get("buyer") or {}).get("address") or {}
        return any(isinstance(address.get(k), str) and address[k].strip() for k in ("country", "countryName"))

    summary = build_lines(settings, [line for line, _ in foreign + uk], country="GB")
    stated = sum(states_country(r) for _, r in foreign)
    assert summary.releases_read == len(foreign) + len(uk)
    assert summary.releases_skipped == stated  # every NONUK buyer that names a country is outside GB
    assert summary.releases_loaded == len(uk) + len(foreign) - stated  # no stated country: kept, as unknown
    assert summary.releases_read == summary.releases_loaded + summary.releases_quarantined + summary.releases_skipped
    countries = {row["v"] for row in select(settings, "SELECT DISTINCT ?v WHERE { ?p mkg:country ?v }")}
    assert countries == {"GB"}


FTS = "uk_find_a_tender_2026__samples"


def _award_item_codes(release: dict[str, Any]) -> list[str]:
    return [c["id"] for a in release.get("awards") or [] for i in a.get("items") or []
            for c in [i.get("classification"), *(i.get("additionalClassifications") or [])] if c]


def _tender_codes(release: dict[str, Any]) -> list[str]:
    t = tender(release)
    holders = [t, *(t.get("items") or []), *(t.get("lots") or [])]
    return [c["id"] for h in holders for c in [h.get("classification"), *(h.get("additionalClassifications") or [])] if c]


def test_cpv_stated_only_on_award_items_is_the_process_cpv(shared_data, settings):
    from kg.contracts import contract_detail
    from kg.process_text import process_texts

    found = real_lines(shared_data, FTS, lambda r: bool(_award_item_codes(r)) and not _tender_codes(r))
    build_lines(settings, [line for line, _ in found])
    store = open_store(settings, read_only=True)
    try:
        texts = {t.ocid: t for t in process_texts(store, [r["ocid"] for _, r in found])}
        for _, release in found:
            codes = sorted(set(_award_item_codes(release)))
            assert sorted(texts[release["ocid"]].cpv) == codes  # what alignment and search read
            detail = contract_detail(store, release["ocid"])
            assert sorted(c.code for c in detail.classifications) == codes
            assert any(c.main for c in detail.classifications)  # the first additional code of each item is its main one
    finally:
        store.close()
    division = _award_item_codes(found[0][1])[0][:2]
    rows = select(settings, f"""SELECT DISTINCT ?p WHERE {{ ?p {CPV_PATH} ?c FILTER(STRSTARTS(STR(?c), "{ID}cpv/{division}")) }}""")
    assert f"{ID}process/{found[0][1]['ocid']}" in {r["p"] for r in rows}


def test_procurement_category_stated_only_on_awards_is_the_process_category(shared_data, settings):
    from kg.contracts import contract_detail

    def award_categories(r: dict[str, Any]) -> set[str]:
        return {a["mainProcurementCategory"] for a in r.get("awards") or [] if a.get("mainProcurementCategory")}

    found = real_lines(shared_data, FTS, lambda r: len(award_categories(r)) == 1 and not tender(r).get("mainProcurementCategory"))
    build_lines(settings, [line for line, _ in found])
    store = open_store(settings, read_only=True)
    try:
        for _, release in found:
            assert contract_detail(store, release["ocid"]).main_procurement_category == award_categories(release).pop()
    finally:
        store.close()


def test_gross_only_values_keep_their_amount(shared_data, settings):
    def values(r: dict[str, Any]) -> list[dict[str, Any]]:
        t = tender(r)
        holders = [t, *(t.get("lots") or []), *(r.get("awards") or [])]
        return [h["value"] for h in holders if isinstance(h.get("value"), dict)]

    found = real_lines(shared_data, FTS, lambda r: any("amountGross" in v for v in values(r)))
    build_lines(settings, [line for line, _ in found])
    rows = select(settings, "SELECT ?a ?g ?is WHERE { ?v mkg:amount ?a OPTIONAL { ?v mkg:amountGross ?g } OPTIONAL { ?v mkg:amountIsGross ?is } }")
    stated = [v for _, r in found for v in values(r) if v.get("amountGross")]
    assert sorted(float(r["g"]) for r in rows if r["g"] is not None) == sorted(float(v["amountGross"]) for v in stated)
    expected = sorted((float(v["amount"]), None) if v.get("amount") else (float(v["amountGross"]), True) for v in stated)
    assert sorted((float(r["a"]), r["is"]) for r in rows if r["g"] is not None) == expected  # gross-only ones say so
    assert any(not v.get("amount") for v in stated), "no gross-only value among the sample lines"


def test_countries_from_uk_region_codes_and_places_from_delivery_locations(shared_data, settings):
    def buyer_address(r: dict[str, Any]) -> dict[str, Any]:
        ids = {(r.get("buyer") or {}).get("id")}
        party = next((p for p in r.get("parties") or [] if p.get("id") in ids or "buyer" in (p.get("roles") or [])), {})
        return party.get("address") or (r.get("buyer") or {}).get("address") or {}

    def locations(r: dict[str, Any]) -> list[str]:
        return [i["deliveryLocation"]["description"] for i in tender(r).get("items") or []
                if isinstance(i.get("deliveryLocation"), dict) and i["deliveryLocation"].get("description")]

    coded = real_lines(shared_data, SELL2WALES, lambda r: str(buyer_address(r).get("region", "")).startswith("UK")
                       and not buyer_address(r).get("country") and not buyer_address(r).get("countryName"))
    placed = real_lines(shared_data, SELL2WALES, lambda r: bool(locations(r)))
    build_lines(settings, [line for line, _ in {r["ocid"]: (line, r) for line, r in coded + placed}.values()])
    countries = by_ocid(settings, "SELECT ?ocid ?v WHERE { ?p mkg:ocid ?ocid ; mkg:country ?v }")
    assert {r["ocid"]: countries.get(r["ocid"]) for _, r in coded} == {r["ocid"]: "GB" for _, r in coded}
    labels = {row["v"] for row in select(settings, "SELECT DISTINCT ?v WHERE { ?x mkg:deliveryRegion/rdfs:label ?v }")}
    short = {clean_text(text) for _, r in placed for text in locations(r) if len(text) <= 60 and "\n" not in text}
    assert short and short <= labels  # place names ("Carmarthenshire", "Pan-Wales") are regions
    assert all(len(label) <= 60 and "\n" not in label for label in labels)  # sentences and addresses are not


def test_periods_keep_their_latest_extent(shared_data, settings):
    def extents(r: dict[str, Any]) -> list[str]:
        holders = [*(tender(r).get("lots") or []), *(r.get("awards") or [])]
        return [h["contractPeriod"]["maxExtentDate"] for h in holders if (h.get("contractPeriod") or {}).get("maxExtentDate")]

    found = real_lines(shared_data, FTS, lambda r: bool(extents(r)))
    build_lines(settings, [line for line, _ in found])
    rows = select(settings, "SELECT ?v WHERE { ?x mkg:contractPeriod/mkg:maxExtentDate ?v }")
    assert sorted(str(r["v"])[:10] for r in rows) == sorted(e[:10] for _, r in found for e in extents(r))
    from kg.contracts import contract_detail

    store = open_store(settings, read_only=True)
    try:
        shown = [a.contract_period.max_extent for _, r in found for a in contract_detail(store, r["ocid"]).awards
                 if a.contract_period and a.contract_period.max_extent]
    finally:
        store.close()
    assert sorted(str(v)[:10] for v in shown) == sorted(e[:10] for _, r in found for a in r.get("awards") or []
                                                      for e in [(a.get("contractPeriod") or {}).get("maxExtentDate")] if e)


BLUETAIL_RAW = "uk_contracts_finder_2017-2021__mysociety_bluetail_raw"


def test_tenderer_counts_from_number_of_tenderers_and_bid_statistics(shared_data, settings):
    from kg.contracts import contract_detail

    def stated(r: dict[str, Any]) -> bool:
        n = tender(r).get("numberOfTenderers")
        return type(n) is int and n >= 0

    once = Counter(r["ocid"] for _, r in real_lines(shared_data, BLUETAIL_RAW, lambda r: True))
    counted = [(line, r) for line, r in real_lines(shared_data, BLUETAIL_RAW, stated) if once[r["ocid"]] == 1][:30]
    bids = real_lines(shared_data, FTS, lambda r: bool((r.get("bids") or {}).get("statistics")))
    build_lines(settings, [line for line, _ in counted + bids])
    store = open_store(settings, read_only=True)
    try:
        for _, release in counted:
            assert contract_detail(store, release["ocid"]).number_of_tenderers == tender(release)["numberOfTenderers"]
        for _, release in bids:
            expected = {s["relatedLot"]: s["value"] for s in release["bids"]["statistics"] if s["measure"] == "bids"}
            lots = {lot.id: lot.tenderers for lot in contract_detail(store, release["ocid"]).lots}
            assert expected and lots == expected  # on the lot the statistic names, not finalStageBids nor SME counts
    finally:
        store.close()
