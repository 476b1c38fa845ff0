"""Organisations in a process graph: one IRI each across processes, their descriptions, and their roles."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson

from ingest.clean import clean_text
from ingest.statements import TYPE, M, Mapped, Writer
from ingest.terms import child, lit
from kg.identity import normalise_identifier, org_iri

_ROLE_CLASSES = {"buyer": M.Buyer, "supplier": M.Supplier}


@lru_cache(maxsize=100_000)
def _org_node(identifier: tuple[str, str] | None, name: str | None) -> str | None:
    node = org_iri(identifier, name)
    return None if node is None else str(node)


def parties_by_id(release: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Parties by id. A repeated id (publishers reuse "4" for two tenderers) or a missing one gets a key of its
    own, as compile.py does across releases, so no party is lost; references resolve to the first holder of an id."""
    parties: dict[str, dict[str, Any]] = {}
    for position, party in enumerate(release.get("parties") or []):
        if not isinstance(party, dict):
            continue
        key = str(party["id"]) if party.get("id") not in (None, "") else f"#{position}"
        parties[f"{key}#{position}" if key in parties else key] = party
    return parties


def resolve(ref: Any, parties: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """An organisation reference merged with its full party entry (references may be inline only)."""
    if not isinstance(ref, dict):
        return None
    party = parties.get(str(ref.get("id"))) if ref.get("id") not in (None, "") else None
    return {**ref, **party} if party else ref


_ORGS: dict[bytes, tuple[str | None, list[str]]] = {}
_ORGS_MAX = 4096
_ORG_FIELDS = ("identifier", "additionalIdentifiers", "name", "address", "details", "sme", "vco", "vcse")


def organisation(w: Writer, org: dict[str, Any], roles: Iterable[str]) -> str | None:
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
        scratch = Writer(Mapped(""), "", False)
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


def _describe_organisation(w: Writer, org: dict[str, Any]) -> str | None:
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


def map_parties(w: Writer, process: str, release: dict[str, Any], parties: dict[str, dict[str, Any]]) -> str | None:
    """Every party with its roles; returns the buyer (from `buyer`, else the party with the buyer role)."""
    buyer_ref = resolve(release.get("buyer"), parties)
    buyer = organisation(w, buyer_ref, ("buyer",)) if buyer_ref else None
    # One participation per organisation with all its roles: a compiled process repeats a party once per
    # release (party ids are scoped by release in compile.py), and two entries may name the same organisation.
    roles_of: dict[str, list[str]] = {}
    for party in parties.values():
        roles = [r for r in party.get("roles") or [] if isinstance(r, str)]
        org = organisation(w, party, roles)
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
