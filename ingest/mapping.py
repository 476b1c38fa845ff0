"""Map one compiled OCDS release (with its release history) to the statements of its process's named graph.

The writer of those statements is ingest.statements; organisations and their roles are ingest.parties.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import sys
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

import ontology
from ingest.clean import clean_text, has_literal_rn
from ingest.countries import country_code
from ingest.parties import map_parties, organisation, parties_by_id, resolve
from ingest.statements import DC, LABEL, PR, TYPE, M, Mapped, ReleaseInfo, Writer
from ingest.terms import XSD_TYPE, child, dt, lit
from ingest.validate import parse_amount, parse_count, parse_date
from kg.namespaces import process_graph, process_iri, region_iri
from kg.social_value import commitment_triples, find_commitments

__all__ = ["Mapped", "ReleaseInfo", "map_process"]

_PERIODS = ("tenderPeriod", "contractPeriod", "awardPeriod", "enquiryPeriod")
_MAX_TENDERERS = 100_000  # bids on one tender or lot; more is a data error

_PLACE_MAX = 60  # characters: the longest place names in the notices ("Conwy, Denbighshire & Gwynedd") are half that


@lru_cache(maxsize=20_000)
def _region_node(region: str) -> str:
    return str(region_iri(region))


def _place_name(w: Writer, description: object) -> str | None:
    """A free-text delivery location as a region when it is a place name ("Carmarthenshire", "Pan-Wales"), not a
    postal address over several lines nor a sentence (Public Contracts Scotland and Sell2Wales write all three)."""
    text = clean_text(description, literal_rn=w.literal_rn) if isinstance(description, str) else None
    return text if text and "\n" not in text and len(text) <= _PLACE_MAX else None


def _regions(w: Writer, owner: str, holder: dict[str, Any]) -> None:
    addresses = [*(holder.get("deliveryAddresses") or []), holder.get("deliveryAddress"), holder.get("deliveryLocation")]
    for address in addresses:
        if not isinstance(address, dict):
            continue
        region = clean_text(address.get("region")) or _place_name(w, address.get("description"))
        if region:
            node = _region_node(region)
            w.add(owner, M.deliveryRegion, node)
            w.add(node, TYPE, M.Region)
            w.add(node, LABEL, lit(region))


def _criteria(w: Writer, owner: str, criteria: Any) -> None:
    if isinstance(criteria, str):  # OCDS 1.1 codelist value such as "priceOnly"
        criteria = [{"type": criteria}]
    entries = criteria.get("criteria") if isinstance(criteria, dict) else criteria
    for index, entry in enumerate(entries or []):
        if not isinstance(entry, dict):
            continue
        node = child(owner, "criterion", index)
        w.add(owner, M.hasAwardCriterion, node)
        w.add(node, TYPE, M.AwardCriterion)
        w.text(node, DC.title, entry.get("name"))
        w.text(node, DC.description, entry.get("description"))
        w.text(node, M.criterionType, entry.get("type"))
        for number in entry.get("numbers") or []:
            weight = parse_amount(number.get("number")) if isinstance(number, dict) else None
            if weight is not None:
                w.add(node, M.weight, f'"{weight:g}"{XSD_TYPE["decimal"]}')


def _documents(w: Writer, owner: str, documents: Any, prefix: str) -> None:
    for index, doc in enumerate(documents or []):
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str) or not doc["url"].startswith(("http://", "https://")):
            continue
        node = child(owner, prefix, index)
        w.add(owner, M.hasDocument, node)
        w.add(node, TYPE, M.Document)
        w.add(node, M.url, lit(doc["url"].strip()))
        w.text(node, M.documentType, doc.get("documentType"))
        w.text(node, DC.title, doc.get("title"))


def _items(w: Writer, process: str, owner: str, items: object) -> None:
    """Items of a tender or an award, with their CPV codes, regions and lot (Find a Tender classifies award
    notices on the award's items alone)."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            item_node = child(owner, "item", item.get("id", index))
            w.add(owner, M.hasItem, item_node)
            w.add(item_node, TYPE, M.Item)
            description = clean_text(item.get("description"), literal_rn=w.literal_rn)
            if description and not description.lower().startswith("see description of related"):
                w.add(item_node, DC.description, lit(description))
            w.classifications(item_node, item)
            _regions(w, item_node, item)
            if item.get("relatedLot") not in (None, ""):
                w.add(item_node, M.hasLot, child(process, "tender", "lot", item["relatedLot"]))


def _tenderers(w: Writer, tender: str, release: dict[str, Any], lots: set[str]) -> None:
    """How many tenderers the tender, and each lot, had: OCDS `numberOfTenderers`, else the bid statistics'
    "bids" measure (Find a Tender), on the lot it names (on the tender when the tender lists no lots, or the
    statistic names none); a statistic of a lot the tender does not list is left out."""
    by_holder: dict[str, int] = {}
    bids = release.get("bids")
    statistics = bids.get("statistics") if isinstance(bids, dict) else None
    for statistic in statistics if isinstance(statistics, list) else []:
        if not isinstance(statistic, dict) or statistic.get("measure") != "bids":
            continue
        n, lot = parse_count(statistic.get("value"), _MAX_TENDERERS), statistic.get("relatedLot")
        if n is None:
            continue
        if lot not in (None, "") and str(lot) in lots:
            by_holder[child(tender, "lot", lot)] = n
        elif lot in (None, "") or not lots:
            by_holder[tender] = n
    stated = parse_count(release["tender"].get("numberOfTenderers"), _MAX_TENDERERS)
    if stated is not None:
        by_holder[tender] = stated
    for holder, n in by_holder.items():
        w.add(holder, M.numberOfTenderers, f'"{n}"{XSD_TYPE["integer"]}')


_SUITABILITY = (("sme", M.suitableForSME), ("vcse", M.suitableForVCSE))


def _suitable(holder: dict[str, Any], key: str, lots: Sequence[dict[str, Any]] = ()) -> bool | None:
    """Whether a tender or lot is marked suitable for SMEs or VCSEs (`key`); a tender that does not say is
    suitable when one of its lots is (Find a Tender marks lots), unsuitable when those that say all say not."""
    stated = holder.get("suitability")
    value = stated.get(key) if isinstance(stated, dict) else None
    if isinstance(value, bool) or not lots:
        return value if isinstance(value, bool) else None
    by_lot = [flag for flag in (_suitable(lot, key) for lot in lots) if flag is not None]
    return any(by_lot) if by_lot else None


def _award_category(release: dict[str, Any]) -> str | None:
    """The procurement category the awards state, when they agree: Find a Tender's award notices give it there only."""
    stated = {a.get("mainProcurementCategory") for a in release.get("awards") or [] if isinstance(a, dict)}
    stated = {c for c in stated if isinstance(c, str) and c.strip()}
    return stated.pop() if len(stated) == 1 else None


def _tender(w: Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
    tender = release.get("tender")
    if not isinstance(tender, dict):
        return
    node = child(process, "tender")
    w.add(process, M.hasTender, node)
    w.add(node, TYPE, M.Tender)
    w.text(node, DC.title, tender.get("title"))
    w.text(node, DC.description, tender.get("description"))
    for key in ("status", "procurementMethod", "procurementMethodDetails"):
        w.text(node, getattr(M, key), tender.get(key))
    w.text(node, M.mainProcurementCategory, tender.get("mainProcurementCategory") or _award_category(release))
    w.money(node, M.value, tender.get("value"), "value")
    w.money(node, M.minValue, tender.get("minValue"), "minValue")
    for name in _PERIODS:
        w.period(node, getattr(M, name), tender.get(name), name)
    period = tender.get("tenderPeriod")
    if isinstance(period, dict):
        w.add(node, M.submissionDeadline, dt(period.get("endDate")))
    lots = [(lot, lot.get("id", index)) for index, lot in enumerate(tender.get("lots") or []) if isinstance(lot, dict)]
    for key, prop in _SUITABILITY:
        w.flag(node, prop, _suitable(tender, key, [lot for lot, _ in lots]))
    w.classifications(node, tender)
    _regions(w, node, tender)
    _criteria(w, node, tender.get("awardCriteria"))
    _documents(w, node, tender.get("documents"), "document")
    _items(w, process, node, tender.get("items"))
    _tenderers(w, node, release, {str(lot_id) for _, lot_id in lots})
    for lot, lot_id in lots:
        lot_node = child(node, "lot", lot_id)
        w.add(node, M.hasLot, lot_node)
        w.add(lot_node, TYPE, M.Lot)
        w.text(lot_node, DC.title, lot.get("title"))
        w.text(lot_node, DC.description, lot.get("description"))
        w.text(lot_node, M.status, lot.get("status"))
        w.money(lot_node, M.value, lot.get("value"), "value")
        for key, prop in _SUITABILITY:
            w.flag(lot_node, prop, _suitable(lot, key))
        w.period(lot_node, M.contractPeriod, lot.get("contractPeriod"), "contractPeriod")
        w.classifications(lot_node, lot)
        _regions(w, lot_node, lot)
        _criteria(w, lot_node, lot.get("awardCriteria"))
    procuring = resolve(tender.get("procuringEntity"), parties)
    if procuring:
        org = organisation(w, procuring, ("procuringEntity",))
        w.add(process, M.procuringEntity, org)


def _awards(w: Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
    for index, award in enumerate(release.get("awards") or []):
        if not isinstance(award, dict):
            continue
        award_id = str(award.get("id") if award.get("id") not in (None, "") else index)
        node = child(process, "award", award_id)
        w.add(process, M.hasAward, node)
        w.add(node, TYPE, M.Award)
        w.add(node, M.awardId, lit(award_id))
        w.text(node, DC.title, award.get("title"))
        w.text(node, DC.description, award.get("description"))
        w.text(node, M.status, award.get("status"))
        w.add(node, M.awardDate, dt(award.get("date")))
        w.money(node, M.value, award.get("value"), "value")
        w.period(node, M.contractPeriod, award.get("contractPeriod"), "contractPeriod")
        for lot_id in award.get("relatedLots") or []:
            w.add(node, M.awardsLot, child(process, "tender", "lot", lot_id))
        for supplier in award.get("suppliers") or []:
            org = organisation(w, resolve(supplier, parties) or {}, ("supplier",))
            w.add(node, M.supplier, org)
        _items(w, process, node, award.get("items"))
        _documents(w, node, award.get("documents"), "document")
    for index, contract in enumerate(release.get("contracts") or []):
        if not isinstance(contract, dict):
            continue
        contract_id = str(contract.get("id") if contract.get("id") not in (None, "") else index)
        node = child(process, "contract", contract_id)
        w.add(process, M.hasContract, node)
        w.add(node, TYPE, M.Contract)
        w.add(node, M.contractId, lit(contract_id))
        w.text(node, DC.title, contract.get("title"))
        w.text(node, DC.description, contract.get("description"))
        w.text(node, M.status, contract.get("status"))
        w.money(node, M.value, contract.get("value"), "value")
        w.period(node, M.contractPeriod, contract.get("period"), "period")
        w.add(node, M.dateSigned, dt(contract.get("dateSigned")))
        if contract.get("awardID") not in (None, ""):
            w.add(node, PR.wasDerivedFrom, child(process, "award", contract["awardID"]))
        _documents(w, node, contract.get("documents"), "document")
        _amendments(w, node, contract.get("amendments"))


def _amendments(w: Writer, contract: str, amendments: object) -> None:
    """Signed changes to a contract (`amendments`; proposed ones are left out): date, rationale, and the value and
    period of the contract as amended (the UK extension's `value` and `period`)."""
    for index, amendment in enumerate(amendments if isinstance(amendments, list) else []):
        if not isinstance(amendment, dict):
            continue
        key = amendment.get("id")
        node = child(contract, "amendment", key) if key not in (None, "") else child(contract, "amendment", "_", index)
        w.add(contract, M.hasAmendment, node)
        w.add(node, TYPE, M.Amendment)
        w.add(node, M.amendmentDate, dt(amendment.get("date")))
        w.text(node, DC.description, amendment.get("description"))
        w.text(node, M.rationale, amendment.get("rationale"))
        w.money(node, M.value, amendment.get("value"), "value")
        w.period(node, M.contractPeriod, amendment.get("period"), "period")


def _history(w: Writer, process: str, history: list[ReleaseInfo]) -> None:
    for index, info in enumerate(history):
        node = child(process, "release", index)
        w.add(process, M.hasRelease, node)
        w.add(node, TYPE, M.Release)
        w.add(node, M.releaseId, lit(str(info.release_id)))
        w.add(node, M.releaseDate, dt(info.date))
        for tag in info.tags:
            w.add(node, M.releaseTag, lit(str(tag)))
        w.add(node, M.sourceFile, lit(info.source))
        if info.line is not None:
            w.add(node, M.sourceLine, f'"{int(info.line)}"{XSD_TYPE["integer"]}')
    dated = sorted((parsed, i.date) for i in history if (parsed := parse_date(i.date)) is not None)
    if dated:
        w.add(process, M.publishedDate, dt(dated[0][1]))
        w.add(process, M.lastUpdated, dt(dated[-1][1]))


def _commitments(w: Writer, process: str, compiled: dict[str, Any]) -> None:
    """Social-value commitments the notice asks of suppliers (kg.social_value), linked from the process and its lots."""
    found = find_commitments(compiled, lambda value: clean_text(value, literal_rn=w.literal_rn))
    lot = lambda lot_id: NamedNode(child(process, "tender", "lot", lot_id)[1:-1])  # the lot IRI _tender mints
    for s, p, o in commitment_triples(NamedNode(process[1:-1]), found, lot):
        w.add(str(s), str(p), str(o))


def _text_of(release: dict[str, Any]) -> str:
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    return " ".join(str(x) for x in (tender.get("title"), tender.get("description"), release.get("description")) if x)


def map_process(compiled: dict[str, Any], history: list[ReleaseInfo]) -> Mapped:
    """All quads of one contracting process, in its own named graph."""
    ocid = str(compiled["ocid"])
    mapped = Mapped(ocid)
    process = str(process_iri(ocid))
    w = Writer(mapped, f" {process_graph(ocid)} .\n", has_literal_rn(_text_of(compiled)))
    parties = parties_by_id(compiled)
    w.add(process, TYPE, M.ContractingProcess)
    w.add(process, M.ocid, lit(ocid))
    tender = compiled.get("tender") if isinstance(compiled.get("tender"), dict) else {}
    awards = [a for a in compiled.get("awards") or [] if isinstance(a, dict)]
    title = tender.get("title") or compiled.get("title") or next((a.get("title") for a in awards if a.get("title")), None)
    w.text(process, DC.title, title)
    w.text(process, DC.description, tender.get("description") or compiled.get("description"))
    language = compiled.get("language")
    if isinstance(language, str) and language.strip():
        w.add(process, DC.language, lit(language.strip().lower()[:2]))
    # The buyer's country: from `buyer`, else from a party with the buyer role; latest release first, as a
    # compiled process holds the buyer once per release and a later one may give no address.
    buyers = [resolve(compiled.get("buyer"), parties)]
    buyers += [p for p in reversed(parties.values()) if "buyer" in (p.get("roles") or [])]
    mapped.country = next((c for b in buyers if b and (c := country_code(b.get("address")))), None)
    if mapped.country:
        w.add(process, M.country, lit(mapped.country))
        w.flag(process, M.isForeign, mapped.country != "GB")
    _history(w, process, history)
    map_parties(w, process, compiled, parties)
    _tender(w, process, compiled, parties)
    _awards(w, process, compiled, parties)
    _commitments(w, process, compiled)
    return mapped


# The modules whose code decides the quads a release becomes, the data they read, and the libraries they lean on.
_MAPPING_MODULES = (
    "ingest.compile", "ingest.mapping", "ingest.statements", "ingest.parties", "ingest.terms", "ingest.clean",
    "ingest.countries", "ingest.validate", "ingest.pipeline", "ingest.staging", "kg.namespaces", "kg.identity",
    "kg.cpv", "kg.social_value", "kg.social_value_rules",
)
_MAPPING_LIBRARIES = ("ocdsmerge", "ftfy")


def _code(source: bytes) -> str:
    """What a module does, without its comments, docstrings or layout: editing those maps nothing again."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


@cache
def mapping_version() -> str:
    """A hash of the mapping code, the social-value concepts it writes and its libraries' versions (and Python's,
    whose Unicode tables normalise names): a graph that other code wrote is mapped again."""
    digest = hashlib.blake2b(digest_size=8)
    for name in _MAPPING_MODULES:
        digest.update(_code(Path(importlib.import_module(name).__file__ or "").read_bytes()).encode())
    digest.update(ontology.social_value_path().read_bytes())
    for name in _MAPPING_LIBRARIES:
        digest.update(metadata.version(name).encode())
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()
