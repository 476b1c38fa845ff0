"""Map one compiled OCDS release (with its release history) to the quads of its process's named graph."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Quad

from ingest.clean import clean_text, has_literal_rn
from ingest.countries import country_code
from ingest.validate import parse_amount, parse_date
from kg.cpv import normalise_cpv
from kg.identity import normalise_identifier, org_iri
from kg.namespaces import DCTERMS, MKG, PROV, RDF_TYPE, RDFS_LABEL, XSD, process_graph, process_iri, region_iri

_TRUE = Literal("true", datatype=XSD.boolean)
_FALSE = Literal("false", datatype=XSD.boolean)
_PERIODS = ("tenderPeriod", "contractPeriod", "awardPeriod", "enquiryPeriod")
_ROLE_CLASSES = {"buyer": MKG.Buyer, "supplier": MKG.Supplier}


@dataclass(frozen=True)
class ReleaseInfo:
    """Provenance of one release that went into a compiled process."""

    release_id: str
    date: str | None
    tags: tuple[str, ...]
    source: str
    line: int | None


@dataclass
class Mapped:
    """The quads of one process and the facts the build reports or reuses."""

    ocid: str
    quads: list[Quad] = field(default_factory=list)
    cpv_labels: dict[str, str | None] = field(default_factory=dict)
    country: str | None = None


_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~]")


def _segment(part: object) -> str:
    text = str(part)
    return quote(text, safe="-._~") if _UNSAFE.search(text) else text


def _child(node: NamedNode, *parts: object) -> NamedNode:
    return NamedNode(node.value + "".join("/" + _segment(p) for p in parts))


def _dt(value: object) -> Literal | None:
    parsed = parse_date(value)
    if parsed is None:
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        return Literal(parsed.date().isoformat(), datatype=XSD.date)
    return Literal(parsed.isoformat(), datatype=XSD.dateTime)


class _Writer:
    """Collects quads for one process graph, skipping empty values."""

    def __init__(self, mapped: Mapped, graph: NamedNode, literal_rn: bool) -> None:
        self.mapped = mapped
        self.graph = graph
        self.literal_rn = literal_rn

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None) -> None:
        if o is not None:
            self.mapped.quads.append(Quad(s, p, o, self.graph))

    def text(self, s: NamedNode, p: NamedNode, value: object, language: str | None = None) -> str | None:
        cleaned = clean_text(value, literal_rn=self.literal_rn)
        if cleaned is not None:
            self.add(s, p, Literal(cleaned, language=language) if language else Literal(cleaned))
        return cleaned

    def flag(self, s: NamedNode, p: NamedNode, value: object) -> None:
        if isinstance(value, bool):
            self.add(s, p, _TRUE if value else _FALSE)

    def money(self, owner: NamedNode, p: NamedNode, value: object, name: str) -> None:
        """A MonetaryValue node; 0 is how several publishers say 'not stated', so it is left out."""
        if not isinstance(value, dict):
            return
        amount = parse_amount(value.get("amount", value.get("value")))
        if amount is None or amount <= 0:
            return
        node = _child(owner, name)
        self.add(owner, p, node)
        self.add(node, RDF_TYPE, MKG.MonetaryValue)
        self.add(node, MKG.amount, Literal(f"{amount:.2f}", datatype=XSD.decimal))
        currency = value.get("currency")
        if isinstance(currency, str) and len(currency.strip()) == 3:
            self.add(node, MKG.currency, Literal(currency.strip().upper()))

    def period(self, owner: NamedNode, p: NamedNode, value: object, name: str) -> None:
        if not isinstance(value, dict):
            return
        start, end = _dt(value.get("startDate")), _dt(value.get("endDate"))
        if start is None and end is None:
            return
        node = _child(owner, name)
        self.add(owner, p, node)
        self.add(node, RDF_TYPE, MKG.Period)
        self.add(node, MKG.startDate, start)
        self.add(node, MKG.endDate, end)

    def classifications(self, owner: NamedNode, holder: dict[str, Any]) -> str | None:
        """Link CPV codes of a tender, lot or item; returns the main code when there is one."""
        main = None
        primary = holder.get("classification")
        for index, entry in enumerate([primary, *(holder.get("additionalClassifications") or [])]):
            if not isinstance(entry, dict) or str(entry.get("scheme") or "CPV").upper() not in ("CPV", "CPVS", ""):
                continue
            code = normalise_cpv(entry.get("id"))
            if code is None:
                continue
            node = NamedNode(f"https://w3id.org/missionkg/id/cpv/{code}")
            self.add(owner, MKG.classification, node)
            label = clean_text(entry.get("description"))
            if label or code not in self.mapped.cpv_labels:
                self.mapped.cpv_labels[code] = label
            if index == 0:
                main = code
                self.add(owner, MKG.mainClassification, node)
        return main


def _parties_by_id(release: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(p["id"]): p for p in release.get("parties") or [] if isinstance(p, dict) and p.get("id") not in (None, "")}


def _resolve(ref: Any, parties: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """An organisation reference merged with its full party entry (references may be inline only)."""
    if not isinstance(ref, dict):
        return None
    party = parties.get(str(ref.get("id"))) if ref.get("id") not in (None, "") else None
    return {**ref, **party} if party else ref


def _organisation(w: _Writer, org: dict[str, Any], roles: Iterable[str]) -> NamedNode | None:
    """Describe an organisation inside the process graph and return its shared IRI."""
    ident = org.get("identifier") if isinstance(org.get("identifier"), dict) else {}
    identifiers = [normalise_identifier(ident.get("scheme"), ident.get("id"))]
    identifiers += [normalise_identifier(a.get("scheme"), a.get("id")) for a in org.get("additionalIdentifiers") or [] if isinstance(a, dict)]
    found = [i for i in identifiers if i]
    name = clean_text(org.get("name")) or clean_text(ident.get("legalName"))
    node = org_iri(found[0] if found else None, name)
    if node is None:
        return None
    w.add(node, RDF_TYPE, MKG.Organisation)
    for role in roles:
        if role in _ROLE_CLASSES:
            w.add(node, RDF_TYPE, _ROLE_CLASSES[role])
    if name:
        w.add(node, MKG.name, Literal(name))
    for scheme, value in found:
        id_node = _child(node, "identifier", scheme, value)
        w.add(node, MKG.hasIdentifier, id_node)
        w.add(id_node, RDF_TYPE, MKG.Identifier)
        w.add(id_node, MKG.scheme, Literal(scheme))
        w.add(id_node, MKG.identifierValue, Literal(value))
    address = org.get("address")
    if isinstance(address, dict):
        parts = {k: clean_text(address.get(k)) for k in ("streetAddress", "locality", "region", "postalCode", "countryName")}
        if any(parts.values()):
            addr = _child(node, "address", parts["postalCode"] or parts["locality"] or "main")
            w.add(node, MKG.hasAddress, addr)
            w.add(addr, RDF_TYPE, MKG.Address)
            for key, value in parts.items():
                if value:
                    w.add(addr, getattr(MKG, key), Literal(value))
    details = org.get("details") if isinstance(org.get("details"), dict) else {}
    for source, prop in (("sme", MKG.isSME), ("vco", MKG.isVCSE), ("vcse", MKG.isVCSE)):
        w.flag(node, prop, org.get(source) if source in org else details.get(source))
    if details.get("scale") in ("sme", "large", "micro"):
        w.flag(node, MKG.isSME, details["scale"] in ("sme", "micro"))
    return node


def _regions(w: _Writer, owner: NamedNode, holder: dict[str, Any]) -> None:
    addresses = [*(holder.get("deliveryAddresses") or []), holder.get("deliveryAddress"), holder.get("deliveryLocation")]
    for address in addresses:
        if not isinstance(address, dict):
            continue
        region = clean_text(address.get("region") or address.get("description"))
        if region:
            node = region_iri(region)
            w.add(owner, MKG.deliveryRegion, node)
            w.add(node, RDF_TYPE, MKG.Region)
            w.add(node, RDFS_LABEL, Literal(region))


def _criteria(w: _Writer, owner: NamedNode, criteria: Any) -> None:
    if isinstance(criteria, str):  # OCDS 1.1 codelist value such as "priceOnly"
        criteria = [{"type": criteria}]
    entries = criteria.get("criteria") if isinstance(criteria, dict) else criteria
    for index, entry in enumerate(entries or []):
        if not isinstance(entry, dict):
            continue
        node = _child(owner, "criterion", index)
        w.add(owner, MKG.hasAwardCriterion, node)
        w.add(node, RDF_TYPE, MKG.AwardCriterion)
        w.text(node, DCTERMS.title, entry.get("name"))
        w.text(node, DCTERMS.description, entry.get("description"))
        w.text(node, MKG.criterionType, entry.get("type"))
        for number in entry.get("numbers") or []:
            weight = parse_amount(number.get("number")) if isinstance(number, dict) else None
            if weight is not None:
                w.add(node, MKG.weight, Literal(f"{weight:g}", datatype=XSD.decimal))


def _documents(w: _Writer, owner: NamedNode, documents: Any, prefix: str) -> None:
    for index, doc in enumerate(documents or []):
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str) or not doc["url"].startswith(("http://", "https://")):
            continue
        node = _child(owner, prefix, index)
        w.add(owner, MKG.hasDocument, node)
        w.add(node, RDF_TYPE, MKG.Document)
        w.add(node, MKG.url, Literal(doc["url"].strip()))
        w.text(node, MKG.documentType, doc.get("documentType"))
        w.text(node, DCTERMS.title, doc.get("title"))


def _tender(w: _Writer, process: NamedNode, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
    tender = release.get("tender")
    if not isinstance(tender, dict):
        return
    node = _child(process, "tender")
    w.add(process, MKG.hasTender, node)
    w.add(node, RDF_TYPE, MKG.Tender)
    w.text(node, DCTERMS.title, tender.get("title"))
    w.text(node, DCTERMS.description, tender.get("description"))
    for key in ("status", "procurementMethod", "procurementMethodDetails", "mainProcurementCategory"):
        w.text(node, getattr(MKG, key), tender.get(key))
    w.money(node, MKG.value, tender.get("value"), "value")
    w.money(node, MKG.minValue, tender.get("minValue"), "minValue")
    for name in _PERIODS:
        w.period(node, getattr(MKG, name), tender.get(name), name)
    period = tender.get("tenderPeriod")
    if isinstance(period, dict):
        w.add(node, MKG.submissionDeadline, _dt(period.get("endDate")))
    suitability = tender.get("suitability") if isinstance(tender.get("suitability"), dict) else {}
    w.flag(node, MKG.suitableForSME, suitability.get("sme"))
    w.flag(node, MKG.suitableForVCSE, suitability.get("vcse"))
    w.classifications(node, tender)
    _regions(w, node, tender)
    _criteria(w, node, tender.get("awardCriteria"))
    _documents(w, node, tender.get("documents"), "document")
    for index, item in enumerate(tender.get("items") or []):
        if isinstance(item, dict):
            item_node = _child(node, "item", item.get("id", index))
            w.add(node, MKG.hasItem, item_node)
            w.add(item_node, RDF_TYPE, MKG.Item)
            description = clean_text(item.get("description"), literal_rn=w.literal_rn)
            if description and not description.lower().startswith("see description of related"):
                w.add(item_node, DCTERMS.description, Literal(description))
            w.classifications(item_node, item)
            _regions(w, item_node, item)
            if item.get("relatedLot") not in (None, ""):
                w.add(item_node, MKG.hasLot, _child(node, "lot", item["relatedLot"]))
    for index, lot in enumerate(tender.get("lots") or []):
        if isinstance(lot, dict):
            lot_node = _child(node, "lot", lot.get("id", index))
            w.add(node, MKG.hasLot, lot_node)
            w.add(lot_node, RDF_TYPE, MKG.Lot)
            w.text(lot_node, DCTERMS.title, lot.get("title"))
            w.text(lot_node, DCTERMS.description, lot.get("description"))
            w.text(lot_node, MKG.status, lot.get("status"))
            w.money(lot_node, MKG.value, lot.get("value"), "value")
            w.period(lot_node, MKG.contractPeriod, lot.get("contractPeriod"), "contractPeriod")
            w.classifications(lot_node, lot)
            _regions(w, lot_node, lot)
            _criteria(w, lot_node, lot.get("awardCriteria"))
    procuring = _resolve(tender.get("procuringEntity"), parties)
    if procuring:
        org = _organisation(w, procuring, ("procuringEntity",))
        w.add(process, MKG.procuringEntity, org)


def _awards(w: _Writer, process: NamedNode, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
    for index, award in enumerate(release.get("awards") or []):
        if not isinstance(award, dict):
            continue
        award_id = str(award.get("id") if award.get("id") not in (None, "") else index)
        node = _child(process, "award", award_id)
        w.add(process, MKG.hasAward, node)
        w.add(node, RDF_TYPE, MKG.Award)
        w.add(node, MKG.awardId, Literal(award_id))
        w.text(node, DCTERMS.title, award.get("title"))
        w.text(node, DCTERMS.description, award.get("description"))
        w.text(node, MKG.status, award.get("status"))
        w.add(node, MKG.awardDate, _dt(award.get("date")))
        w.money(node, MKG.value, award.get("value"), "value")
        w.period(node, MKG.contractPeriod, award.get("contractPeriod"), "contractPeriod")
        for lot_id in award.get("relatedLots") or []:
            w.add(node, MKG.awardsLot, _child(process, "tender", "lot", lot_id))
        for supplier in award.get("suppliers") or []:
            org = _organisation(w, _resolve(supplier, parties) or {}, ("supplier",))
            w.add(node, MKG.supplier, org)
        _documents(w, node, award.get("documents"), "document")
    for index, contract in enumerate(release.get("contracts") or []):
        if not isinstance(contract, dict):
            continue
        contract_id = str(contract.get("id") if contract.get("id") not in (None, "") else index)
        node = _child(process, "contract", contract_id)
        w.add(process, MKG.hasContract, node)
        w.add(node, RDF_TYPE, MKG.Contract)
        w.add(node, MKG.contractId, Literal(contract_id))
        w.text(node, DCTERMS.title, contract.get("title"))
        w.text(node, DCTERMS.description, contract.get("description"))
        w.text(node, MKG.status, contract.get("status"))
        w.money(node, MKG.value, contract.get("value"), "value")
        w.period(node, MKG.contractPeriod, contract.get("period"), "period")
        w.add(node, MKG.dateSigned, _dt(contract.get("dateSigned")))
        if contract.get("awardID") not in (None, ""):
            w.add(node, PROV.wasDerivedFrom, _child(process, "award", contract["awardID"]))


def _parties(w: _Writer, process: NamedNode, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> NamedNode | None:
    """Every party with its roles; returns the buyer (from `buyer`, else the party with the buyer role)."""
    buyer_ref = _resolve(release.get("buyer"), parties)
    buyer = _organisation(w, buyer_ref, ("buyer",)) if buyer_ref else None
    for index, party in enumerate(parties.values()):
        roles = [r for r in party.get("roles") or [] if isinstance(r, str)]
        org = _organisation(w, party, roles)
        if org is None:
            continue
        if buyer is None and "buyer" in roles:
            buyer = org
        participation = _child(process, "party", index)
        w.add(process, MKG.hasParticipation, participation)
        w.add(participation, RDF_TYPE, MKG.Participation)
        w.add(participation, MKG.participant, org)
        for role in roles:
            w.add(participation, MKG.role, Literal(role))
    w.add(process, MKG.buyer, buyer)
    return buyer


def _history(w: _Writer, process: NamedNode, history: list[ReleaseInfo]) -> None:
    for index, info in enumerate(history):
        node = _child(process, "release", index)
        w.add(process, MKG.hasRelease, node)
        w.add(node, RDF_TYPE, MKG.Release)
        w.add(node, MKG.releaseId, Literal(info.release_id))
        w.add(node, MKG.releaseDate, _dt(info.date))
        for tag in info.tags:
            w.add(node, MKG.releaseTag, Literal(tag))
        w.add(node, MKG.sourceFile, Literal(info.source))
        if info.line is not None:
            w.add(node, MKG.sourceLine, Literal(str(info.line), datatype=XSD.integer))
    dated = sorted((parse_date(i.date), i.date) for i in history if parse_date(i.date) is not None)
    if dated:
        w.add(process, MKG.publishedDate, _dt(dated[0][1]))
        w.add(process, MKG.lastUpdated, _dt(dated[-1][1]))


def _text_of(release: dict[str, Any]) -> str:
    tender = release.get("tender") if isinstance(release.get("tender"), dict) else {}
    return " ".join(str(x) for x in (tender.get("title"), tender.get("description"), release.get("description")) if x)


def map_process(compiled: dict[str, Any], history: list[ReleaseInfo]) -> Mapped:
    """All quads of one contracting process, in its own named graph."""
    ocid = str(compiled["ocid"])
    mapped = Mapped(ocid)
    process = process_iri(ocid)
    w = _Writer(mapped, process_graph(ocid), has_literal_rn(_text_of(compiled)))
    parties = _parties_by_id(compiled)
    w.add(process, RDF_TYPE, MKG.ContractingProcess)
    w.add(process, MKG.ocid, Literal(ocid))
    tender = compiled.get("tender") if isinstance(compiled.get("tender"), dict) else {}
    awards = [a for a in compiled.get("awards") or [] if isinstance(a, dict)]
    title = tender.get("title") or compiled.get("title") or next((a.get("title") for a in awards if a.get("title")), None)
    w.text(process, DCTERMS.title, title)
    w.text(process, DCTERMS.description, tender.get("description") or compiled.get("description"))
    language = compiled.get("language")
    if isinstance(language, str) and language.strip():
        w.add(process, DCTERMS.language, Literal(language.strip().lower()[:2]))
    buyer_ref = _resolve(compiled.get("buyer"), parties) or next(
        (p for p in parties.values() if "buyer" in (p.get("roles") or [])), None
    )
    mapped.country = country_code(buyer_ref.get("address") if buyer_ref else None)
    if mapped.country:
        w.add(process, MKG.country, Literal(mapped.country))
        w.flag(process, MKG.isForeign, mapped.country != "GB")
    _history(w, process, history)
    _parties(w, process, compiled, parties)
    _tender(w, process, compiled, parties)
    _awards(w, process, compiled, parties)
    return mapped
