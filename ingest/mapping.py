"""Map one compiled OCDS release (with its release history) to the quads of its process's named graph.

Quads are written as N-Quads statements, not pyoxigraph objects: building a `Quad` costs about 2 µs
in Python, a formatted line a fraction of that, and the build bulk-loads the text straight into the
store. Every IRI is minted from percent-encoded parts and every literal is escaped (ingest.terms), so the
text always parses. `Mapped.quads` still gives pyoxigraph quads for callers that want them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from ingest.clean import clean_text, has_literal_rn
from ingest.countries import country_code
from ingest.terms import FALSE, TRUE, XSD_TYPE, Terms, child, dt, lit
from ingest.validate import parse_amount, parse_date
from kg.cpv import normalise_cpv
from kg.identity import normalise_identifier, org_iri
from kg.namespaces import DCTERMS, ID, MKG, PROV, RDF_TYPE, RDFS_LABEL, process_graph, process_iri, region_iri
from kg.social_value import commitment_triples, find_commitments

_PERIODS = ("tenderPeriod", "contractPeriod", "awardPeriod", "enquiryPeriod")


M, DC, PR = Terms(MKG), Terms(DCTERMS), Terms(PROV)
TYPE, LABEL = str(RDF_TYPE), str(RDFS_LABEL)
_ROLE_CLASSES = {"buyer": M.Buyer, "supplier": M.Supplier}
_CPV_BASE = f"{ID}cpv/"


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
    """The quads of one process (as N-Quads statements) and the facts the build reports or reuses."""

    ocid: str
    lines: list[str] = field(default_factory=list)
    cpv_labels: dict[str, str | None] = field(default_factory=dict)
    country: str | None = None

    def nquads(self) -> str:
        """The process graph as N-Quads text, each statement once."""
        return "".join(dict.fromkeys(self.lines))

    @property
    def quads(self) -> list[Quad]:
        """The process graph as pyoxigraph quads (parsed from `nquads()`)."""
        return list(parse(self.nquads(), format=RdfFormat.N_QUADS))


@lru_cache(maxsize=100_000)
def _org_node(identifier: tuple[str, str] | None, name: str | None) -> str | None:
    node = org_iri(identifier, name)
    return None if node is None else str(node)


_PLACE_MAX = 60  # characters: the longest place names in the notices ("Conwy, Denbighshire & Gwynedd") are half that


@lru_cache(maxsize=20_000)
def _region_node(region: str) -> str:
    return str(region_iri(region))


class _Writer:
    """Collects the statements of one process graph, skipping empty values."""

    def __init__(self, mapped: Mapped, tail: str, literal_rn: bool) -> None:
        self.mapped = mapped
        self.lines = mapped.lines
        self.tail = tail  # " <graph> .\n", or "" for statements kept to be written into several graphs
        self.literal_rn = literal_rn

    def add(self, s: str, p: str, o: str | None) -> None:
        if o is not None:
            self.lines.append(f"{s} {p} {o}{self.tail}")

    def text(self, s: str, p: str, value: object) -> str | None:
        cleaned = clean_text(value, literal_rn=self.literal_rn)
        if cleaned is not None:
            self.lines.append(f"{s} {p} {lit(cleaned)}{self.tail}")
        return cleaned

    def flag(self, s: str, p: str, value: object) -> None:
        if isinstance(value, bool):
            self.add(s, p, TRUE if value else FALSE)

    def money(self, owner: str, p: str, value: object, name: str) -> None:
        """A MonetaryValue node; 0 is how several publishers say 'not stated', so it is left out.

        The amount is the net one when the notice states it, else the gross (Find a Tender's award notices may
        give only `amountGross`, VAT included), which is also kept as mkg:amountGross whenever stated.
        """
        if not isinstance(value, dict):
            return
        gross = parse_amount(value.get("amountGross"))
        gross = gross if gross is not None and gross > 0 else None
        amount = parse_amount(value.get("amount", value.get("value")))
        if amount is None or amount <= 0:
            amount = gross
        if amount is None:
            return
        node = child(owner, name)
        self.add(owner, p, node)
        self.add(node, TYPE, M.MonetaryValue)
        self.add(node, M.amount, f'"{amount:.2f}"{XSD_TYPE["decimal"]}')
        if gross is not None:
            self.add(node, M.amountGross, f'"{gross:.2f}"{XSD_TYPE["decimal"]}')
        currency = value.get("currency")
        if isinstance(currency, str) and len(currency.strip()) == 3:
            self.add(node, M.currency, lit(currency.strip().upper()))

    def period(self, owner: str, p: str, value: object, name: str) -> None:
        if not isinstance(value, dict):
            return
        start, end = dt(value.get("startDate")), dt(value.get("endDate"))
        if start is None and end is None:
            return
        node = child(owner, name)
        self.add(owner, p, node)
        self.add(node, TYPE, M.Period)
        self.add(node, M.startDate, start)
        self.add(node, M.endDate, end)

    def classifications(self, owner: str, holder: dict[str, Any]) -> str | None:
        """Link CPV codes of a tender, lot or item; returns the main code when there is one.

        The main code is `classification`'s; a holder without one (Find a Tender's items list their CPV codes
        in `additionalClassifications` alone) has the first of those as its main code.
        """
        main = None
        for entry in [holder.get("classification"), *(holder.get("additionalClassifications") or [])]:
            if not isinstance(entry, dict) or str(entry.get("scheme") or "CPV").upper() not in ("CPV", "CPVS", ""):
                continue
            code = normalise_cpv(entry.get("id"))
            if code is None:
                continue
            node = f"<{_CPV_BASE}{code}>"
            self.add(owner, M.classification, node)
            label = clean_text(entry.get("description"))
            if label or code not in self.mapped.cpv_labels:
                self.mapped.cpv_labels[code] = label
            if main is None:
                main = code
                self.add(owner, M.mainClassification, node)
        return main


def _parties_by_id(release: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Parties by id. A repeated id (publishers reuse "4" for two tenderers) or a missing one gets a key of its
    own, as compile.py does across releases, so no party is lost; references resolve to the first holder of an id."""
    parties: dict[str, dict[str, Any]] = {}
    for position, party in enumerate(release.get("parties") or []):
        if not isinstance(party, dict):
            continue
        key = str(party["id"]) if party.get("id") not in (None, "") else f"#{position}"
        parties[f"{key}#{position}" if key in parties else key] = party
    return parties


def _resolve(ref: Any, parties: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """An organisation reference merged with its full party entry (references may be inline only)."""
    if not isinstance(ref, dict):
        return None
    party = parties.get(str(ref.get("id"))) if ref.get("id") not in (None, "") else None
    return {**ref, **party} if party else ref


_ORGS: dict[bytes, tuple[str | None, list[str]]] = {}
_ORGS_MAX = 4096
_ORG_FIELDS = ("identifier", "additionalIdentifiers", "name", "address", "details", "sme", "vco", "vcse")


def _organisation(w: _Writer, org: dict[str, Any], roles: Iterable[str]) -> str | None:
    """Describe an organisation inside the process graph and return its shared IRI.

    The same buyers and suppliers come back notice after notice, in one role or another, so their statements are
    kept by content (the JSON of the fields read, which stands for the values: releases come from orjson, so hold
    no NaN) for the next process graph that describes them; the classes of its roles follow its first statement.
    """
    fields = {k: org[k] for k in _ORG_FIELDS if k in org}  # the describer sees only what the key holds
    try:
        key: bytes | None = orjson.dumps(fields)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: described, not kept
        key = None
    described = _ORGS.get(key) if key is not None else None
    if described is None:
        scratch = _Writer(Mapped(""), "", False)
        described = (_describe_organisation(scratch, fields), scratch.lines)
        if key is not None:
            if len(_ORGS) >= _ORGS_MAX:
                _ORGS.clear()
            _ORGS[key] = described
    node, statements = described
    if node is None:
        return None
    tail = w.tail
    w.lines.append(statements[0] + tail)
    w.lines.extend([f"{node} {TYPE} {_ROLE_CLASSES[role]}{tail}" for role in roles if role in _ROLE_CLASSES])
    w.lines.extend([statement + tail for statement in statements[1:]])
    return node


def _describe_organisation(w: _Writer, org: dict[str, Any]) -> str | None:
    """Write what a release says of an organisation, its type first; its IRI, or None when it has no identifier and no name."""
    ident = org.get("identifier") if isinstance(org.get("identifier"), dict) else {}
    identifiers = [normalise_identifier(ident.get("scheme"), ident.get("id"))]
    identifiers += [normalise_identifier(a.get("scheme"), a.get("id")) for a in org.get("additionalIdentifiers") or [] if isinstance(a, dict)]
    found = [i for i in identifiers if i]
    name = clean_text(org.get("name")) or clean_text(ident.get("legalName"))
    node = _org_node(found[0] if found else None, name)
    if node is None:
        return None
    w.add(node, TYPE, M.Organisation)
    if name:
        w.add(node, M.name, lit(name))
    for scheme, value in found:
        id_node = child(node, "identifier", scheme, value)
        w.add(node, M.hasIdentifier, id_node)
        w.add(id_node, TYPE, M.Identifier)
        w.add(id_node, M.scheme, lit(scheme))
        w.add(id_node, M.identifierValue, lit(value))
    address = org.get("address")
    if isinstance(address, dict):
        parts = {k: clean_text(address.get(k)) for k in ("streetAddress", "locality", "region", "postalCode", "countryName")}
        if any(parts.values()):
            addr = child(node, "address", parts["postalCode"] or parts["locality"] or "main")
            w.add(node, M.hasAddress, addr)
            w.add(addr, TYPE, M.Address)
            for key, value in parts.items():
                if value:
                    w.add(addr, getattr(M, key), lit(value))
    details = org.get("details") if isinstance(org.get("details"), dict) else {}
    for source, prop in (("sme", M.isSME), ("vco", M.isVCSE), ("vcse", M.isVCSE)):
        w.flag(node, prop, org.get(source) if source in org else details.get(source))
    if details.get("scale") in ("sme", "large", "micro"):
        w.flag(node, M.isSME, details["scale"] in ("sme", "micro"))
    return node


def _place_name(w: _Writer, description: object) -> str | None:
    """A free-text delivery location as a region when it is a place name ("Carmarthenshire", "Pan-Wales"), not a
    postal address over several lines nor a sentence (Public Contracts Scotland and Sell2Wales write all three)."""
    text = clean_text(description, literal_rn=w.literal_rn)
    return text if text and "\n" not in text and len(text) <= _PLACE_MAX else None


def _regions(w: _Writer, owner: str, holder: dict[str, Any]) -> None:
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


def _criteria(w: _Writer, owner: str, criteria: Any) -> None:
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


def _documents(w: _Writer, owner: str, documents: Any, prefix: str) -> None:
    for index, doc in enumerate(documents or []):
        if not isinstance(doc, dict) or not isinstance(doc.get("url"), str) or not doc["url"].startswith(("http://", "https://")):
            continue
        node = child(owner, prefix, index)
        w.add(owner, M.hasDocument, node)
        w.add(node, TYPE, M.Document)
        w.add(node, M.url, lit(doc["url"].strip()))
        w.text(node, M.documentType, doc.get("documentType"))
        w.text(node, DC.title, doc.get("title"))


def _items(w: _Writer, process: str, owner: str, items: object) -> None:
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


def _tender(w: _Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
    tender = release.get("tender")
    if not isinstance(tender, dict):
        return
    node = child(process, "tender")
    w.add(process, M.hasTender, node)
    w.add(node, TYPE, M.Tender)
    w.text(node, DC.title, tender.get("title"))
    w.text(node, DC.description, tender.get("description"))
    for key in ("status", "procurementMethod", "procurementMethodDetails", "mainProcurementCategory"):
        w.text(node, getattr(M, key), tender.get(key))
    w.money(node, M.value, tender.get("value"), "value")
    w.money(node, M.minValue, tender.get("minValue"), "minValue")
    for name in _PERIODS:
        w.period(node, getattr(M, name), tender.get(name), name)
    period = tender.get("tenderPeriod")
    if isinstance(period, dict):
        w.add(node, M.submissionDeadline, dt(period.get("endDate")))
    lots = [lot for lot in tender.get("lots") or [] if isinstance(lot, dict)]
    for key, prop in _SUITABILITY:
        w.flag(node, prop, _suitable(tender, key, lots))
    w.classifications(node, tender)
    _regions(w, node, tender)
    _criteria(w, node, tender.get("awardCriteria"))
    _documents(w, node, tender.get("documents"), "document")
    _items(w, process, node, tender.get("items"))
    for index, lot in enumerate(tender.get("lots") or []):
        if isinstance(lot, dict):
            lot_node = child(node, "lot", lot.get("id", index))
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
    procuring = _resolve(tender.get("procuringEntity"), parties)
    if procuring:
        org = _organisation(w, procuring, ("procuringEntity",))
        w.add(process, M.procuringEntity, org)


def _awards(w: _Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> None:
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
            org = _organisation(w, _resolve(supplier, parties) or {}, ("supplier",))
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


def _parties(w: _Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> str | None:
    """Every party with its roles; returns the buyer (from `buyer`, else the party with the buyer role)."""
    buyer_ref = _resolve(release.get("buyer"), parties)
    buyer = _organisation(w, buyer_ref, ("buyer",)) if buyer_ref else None
    # One participation per organisation with all its roles: a compiled process repeats a party once per
    # release (party ids are scoped by release in compile.py), and two entries may name the same organisation.
    roles_of: dict[str, list[str]] = {}
    for party in parties.values():
        roles = [r for r in party.get("roles") or [] if isinstance(r, str)]
        org = _organisation(w, party, roles)
        if org is None:
            continue
        if buyer is None and "buyer" in roles:
            buyer = org
        known = roles_of.setdefault(org, [])
        known.extend(r for r in roles if r not in known)
    for index, (org, roles) in enumerate(roles_of.items()):
        participation = child(process, "party", index)
        w.add(process, M.hasParticipation, participation)
        w.add(participation, TYPE, M.Participation)
        w.add(participation, M.participant, org)
        for role in roles:
            w.add(participation, M.role, lit(role))
    w.add(process, M.buyer, buyer)
    return buyer


def _history(w: _Writer, process: str, history: list[ReleaseInfo]) -> None:
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
    dated = sorted((parse_date(i.date), i.date) for i in history if parse_date(i.date) is not None)
    if dated:
        w.add(process, M.publishedDate, dt(dated[0][1]))
        w.add(process, M.lastUpdated, dt(dated[-1][1]))


def _commitments(w: _Writer, process: str, compiled: dict[str, Any]) -> None:
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
    w = _Writer(mapped, f" {process_graph(ocid)} .\n", has_literal_rn(_text_of(compiled)))
    parties = _parties_by_id(compiled)
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
    buyers = [_resolve(compiled.get("buyer"), parties)]
    buyers += [p for p in reversed(parties.values()) if "buyer" in (p.get("roles") or [])]
    mapped.country = next((c for b in buyers if b and (c := country_code(b.get("address")))), None)
    if mapped.country:
        w.add(process, M.country, lit(mapped.country))
        w.flag(process, M.isForeign, mapped.country != "GB")
    _history(w, process, history)
    _parties(w, process, compiled, parties)
    _tender(w, process, compiled, parties)
    _awards(w, process, compiled, parties)
    _commitments(w, process, compiled)
    return mapped
