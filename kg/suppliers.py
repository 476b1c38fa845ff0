"""Supplier and buyer profiles: one real organisation (all its linked IRIs) with awards, buyers, CPV mix, missions.

An organisation is the canonical IRI of its cluster in GRAPH_ORG_LINKS plus every IRI linked to it
(kg.matching), so a profile gathers what notices said under each spelling and identifier. Award values are
summed as published: a framework award names its whole ceiling for every supplier on it, so profiles also
give the value of awards the organisation won alone. Every list is bounded by `max_rows`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.errors import NotFound
from kg.identity import normalise_name, parse_identifier
from kg.namespaces import GRAPH_CPV, GRAPH_ORG_LINKS, MAIN_CPV_PATH
from kg.social_value_report import commitments_in
from kg.store import GraphStore

LINKS = f"<{GRAPH_ORG_LINKS.value}>"
# binds ?{v}Canon to the canonical IRI of the organisation in ?{v}
_CANONICAL = (
    "OPTIONAL {{ GRAPH " + LINKS + " {{ ?{v} skos:exactMatch ?{v}Link }} }}"
    " BIND(COALESCE(?{v}Link, ?{v}) AS ?{v}Canon)"
)
_VALUE = "OPTIONAL { ?award mkg:value ?v . ?v mkg:amount ?value . OPTIONAL { ?v mkg:currency ?currency } }"


def _iri(value: str) -> str:
    """An IRI ready for a query; pyoxigraph refuses anything that is not one, so no text is injected."""
    return str(NamedNode(value))


def _values(var: str, iris: list[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(_iri(i) for i in iris)} }}"


def _by_identifier(store: GraphStore, ident: tuple[str, str]) -> list[str]:
    scheme, value = (str(Literal(part)) for part in ident)  # escaped: ids of unknown schemes are free text
    query = f"SELECT DISTINCT ?o WHERE {{ ?o mkg:hasIdentifier [ mkg:scheme {scheme} ; mkg:identifierValue {value} ] }}"
    return store.select(query, max_rows=100).column("o")


def canonical_members(store: GraphStore, iri: str) -> tuple[str, list[str]]:
    """The canonical IRI of an organisation's cluster and every member IRI (canonical first)."""
    found = store.select(f"SELECT ?c WHERE {{ GRAPH {LINKS} {{ {_iri(iri)} skos:exactMatch ?c }} }}", max_rows=1)
    canonical = found.rows[0]["c"] if found.rows else iri
    members = store.select(f"SELECT ?m WHERE {{ GRAPH {LINKS} {{ ?m skos:exactMatch {_iri(canonical)} }} }}")
    return canonical, [canonical, *sorted(members.column("m"))]


def resolve_organisation(store: GraphStore, text: str) -> str | None:
    """The canonical IRI for an IRI or identifier; None when neither names an organisation in the graph."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        try:
            iri = _iri(text)
        except ValueError:  # not an IRI at all, so it names nothing in the graph
            return None
        return canonical_members(store, text)[0] if store.ask(f"ASK {{ {iri} a mkg:Organisation }}") else None
    ident = parse_identifier(text)
    found = _by_identifier(store, ident) if ident else []
    return canonical_members(store, found[0])[0] if found else None


def find_organisations(store: GraphStore, q: str, limit: int = 10, role: str | None = None) -> list[dict[str, Any]]:
    """Organisations by IRI, identifier or name, best first, one entry per real organisation; role: supplier|buyer."""
    if q.startswith(("http://", "https://")):
        found = resolve_organisation(store, q)
        return [{"iri": found, "name": _main_names(store, {found}).get(found), "score": 1.0}] if found else []
    ident = parse_identifier(q)
    candidates: dict[str, list[str]] = {iri: [] for iri in _by_identifier(store, ident)} if ident else {}
    key = normalise_name(q)
    if not candidates and key:
        typed = {"supplier": "?o a mkg:Supplier .", "buyer": "?o a mkg:Buyer ."}.get(role or "", "")
        # the folded query, spaces dropped, inside the name with case, punctuation and spaces dropped:
        # "calford seaden" finds "calfordseaden LLP", "actuarys" finds "Actuary's" (the key is [a-z0-9 ] only)
        folded = 'REPLACE(REPLACE(LCASE(STR(?name)), "&", "and"), "[^a-z0-9]", "")'
        compact = key.replace(" ", "")
        query = f'SELECT DISTINCT ?o ?name WHERE {{ ?o mkg:name ?name . {typed} FILTER(CONTAINS({folded}, "{compact}")) }}'
        rows = store.select(query, max_rows=limit * 50)
        for row in rows.rows:
            candidates.setdefault(row["o"], []).append(row["name"])
    if not candidates:
        return []
    from rapidfuzz import fuzz

    canonical = _canonicals(store, set(candidates))
    names = _main_names(store, set(canonical.values()))
    results: dict[str, dict[str, Any]] = {}
    for iri, seen in candidates.items():
        score = max((fuzz.WRatio(key or "", normalise_name(n) or "") / 100 for n in seen), default=1.0)
        iri = canonical[iri]
        entry = results.setdefault(iri, {"iri": iri, "name": names.get(iri), "score": 0.0})
        entry["score"] = max(entry["score"], round(score, 3))
    return sorted(results.values(), key=lambda r: (-r["score"], r["name"] or ""))[:limit]


def find_suppliers(store: GraphStore, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Suppliers whose name or identifier matches `q`, best first."""
    return find_organisations(store, q, limit, role="supplier")


def _main_names(store: GraphStore, canonicals: set[str]) -> dict[str, str]:
    """The most used name of each organisation cluster, in one query."""
    if not canonicals:
        return {}
    values = _values("c", sorted(canonicals))
    query = f"""SELECT ?c ?name (COUNT(DISTINCT ?g) AS ?n) WHERE {{
      {{ {values} BIND(?c AS ?m) }} UNION {{ {values} GRAPH {LINKS} {{ ?m skos:exactMatch ?c }} }}
      GRAPH ?g {{ ?m mkg:name ?name }} }} GROUP BY ?c ?name"""
    names: dict[str, str] = {}
    for row in sorted(store.select(query).rows, key=lambda r: (-int(r["n"]), r["name"])):
        names.setdefault(row["c"], row["name"])
    return names


def _canonicals(store: GraphStore, iris: set[str]) -> dict[str, str]:
    """Each IRI's canonical IRI (itself when unlinked), in one query."""
    if not iris:
        return {}
    query = f"SELECT ?o ?c WHERE {{ {_values('o', sorted(iris))} GRAPH {LINKS} {{ ?o skos:exactMatch ?c }} }}"
    return {iri: iri for iri in iris} | {r["o"]: r["c"] for r in store.select(query).rows}


def _names(store: GraphStore, members: list[str]) -> list[dict[str, Any]]:
    """Every name given to the members, most used first (counted in process graphs)."""
    query = f"""SELECT ?name (COUNT(DISTINCT ?g) AS ?n) WHERE {{
      {_values('m', members)} GRAPH ?g {{ ?m mkg:name ?name }} }} GROUP BY ?name"""
    rows = store.select(query, max_rows=1000).rows
    return [{"name": r["name"], "notices": int(r["n"])} for r in sorted(rows, key=lambda r: (-int(r["n"]), r["name"]))]


def _organisation(store: GraphStore, org: str) -> tuple[list[str], dict[str, Any]]:
    """Member IRIs (canonical first) and the facts every profile starts with; NotFound when `org` names nothing."""
    canonical = resolve_organisation(store, org)
    if canonical is None:
        raise NotFound(f"no organisation {org!r} in the graph: look it up with `missionkg supplier NAME`")
    canonical, members = canonical_members(store, canonical)
    values = _values("m", members)
    ids = store.select(
        f"""SELECT DISTINCT ?s ?v WHERE {{ {values} ?m mkg:hasIdentifier ?i . ?i mkg:scheme ?s ; mkg:identifierValue ?v }}
        ORDER BY ?s ?v""",
        max_rows=100,
    ).rows
    flags = store.select(
        f"""SELECT ?p ?v (COUNT(DISTINCT ?g) AS ?n) WHERE {{ {values} VALUES ?p {{ mkg:isSME mkg:isVCSE }}
        GRAPH ?g {{ ?m ?p ?v }} }} GROUP BY ?p ?v"""
    ).rows
    votes: dict[str, Counter[bool]] = {"isSME": Counter(), "isVCSE": Counter()}
    for row in flags:
        votes[row["p"].rsplit("#", 1)[1]][bool(row["v"])] += int(row["n"])
    facts = {
        "iri": canonical, "members": members, "names": _names(store, members),
        "identifiers": [{"scheme": r["s"], "id": r["v"]} for r in ids],
        # the flag most notices state; notices disagree when a company grows past SME size
        "sme": votes["isSME"].most_common(1)[0][0] if votes["isSME"] else None,
        "vcse": votes["isVCSE"].most_common(1)[0][0] if votes["isVCSE"] else None,
    }
    return members, facts


def _money(rows: list[dict[str, Any]], amount: str = "value", currency: str = "currency") -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in rows:
        if row.get(amount) is not None:
            key = row.get(currency) or "unknown"
            totals[key] = round(totals.get(key, 0.0) + float(row[amount]), 2)
    return totals


def _cpv_mix(store: GraphStore, processes: str, limit: int) -> list[dict[str, Any]]:
    query = f"""SELECT ?code (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?process) AS ?n) WHERE {{
      {{ SELECT DISTINCT ?process WHERE {{ {processes} }} }}
      ?process {MAIN_CPV_PATH} ?cpv .
      OPTIONAL {{ GRAPH <{GRAPH_CPV.value}> {{ ?cpv skos:notation ?code . OPTIONAL {{ ?cpv skos:prefLabel ?label }} }} }}
    }} GROUP BY ?code ORDER BY DESC(?n) ?code"""
    rows = store.select(query, max_rows=limit).rows
    return [{"code": r["code"], "label": r["name"], "processes": int(r["n"])} for r in rows if r["code"]]


def _missions(store: GraphStore, processes: str) -> list[dict[str, Any]]:
    """Missions the processes advance, by the alignment stage's mkg:advances; empty before any alignment ran."""
    query = f"""SELECT ?mission (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?process) AS ?n) WHERE {{
      {{ SELECT DISTINCT ?process WHERE {{ {processes} }} }}
      ?process mkg:advances ?mission . OPTIONAL {{ ?mission skos:prefLabel ?l }}
    }} GROUP BY ?mission ORDER BY DESC(?n)"""
    rows = store.select(query, max_rows=20).rows
    return [{"mission": r["mission"].rsplit("/", 1)[-1], "label": r["label"], "processes": int(r["n"])} for r in rows]


def supplier_profile(store: GraphStore, org: str, max_rows: int = 500) -> dict[str, Any]:
    """What a supplier (IRI or identifier) won: awards (process, title, value, date, buyer), totals, buyers, CPV, missions,
    and the social-value commitments the notices of its awards asked of it."""
    members, profile = _organisation(store, org)
    won = f"{_values('m', members)} ?award mkg:supplier ?m . ?process mkg:hasAward ?award ."
    awards = store.select(
        f"""SELECT ?award (SAMPLE(?ocid) AS ?o) (SAMPLE(?title) AS ?t) (SAMPLE(?awardTitle) AS ?at)
          (SAMPLE(?date) AS ?d) (SAMPLE(?value) AS ?val) (SAMPLE(?currency) AS ?cur) (SAMPLE(?buyerCanon) AS ?b)
          (COUNT(DISTINCT ?other) AS ?n)
        WHERE {{ {won} ?process mkg:ocid ?ocid . ?award mkg:supplier ?other . {_VALUE}
          OPTIONAL {{ ?process dcterms:title ?title }} OPTIONAL {{ ?award dcterms:title ?awardTitle }}
          OPTIONAL {{ ?award mkg:awardDate ?date }}
          OPTIONAL {{ ?process mkg:buyer ?buyer . {_CANONICAL.format(v="buyer")} }}
        }} GROUP BY ?award ORDER BY DESC(?d) ?award""",
        max_rows=max_rows,
    )
    buyers = store.select(
        f"""SELECT ?buyerCanon (COUNT(DISTINCT ?award) AS ?n) WHERE {{
          {won} ?process mkg:buyer ?buyer . {_CANONICAL.format(v="buyer")}
        }} GROUP BY ?buyerCanon ORDER BY DESC(?n) ?buyerCanon""",
        max_rows=max_rows,
    ).rows
    buyer_names = _main_names(store, {r["b"] for r in awards.rows if r["b"]} | {r["buyerCanon"] for r in buyers})
    profile["awards"] = [
        {"ocid": r["o"], "award": r["award"], "title": r["t"], "award_title": r["at"], "date": r["d"],
         "value": r["val"], "currency": r["cur"], "buyer": r["b"], "buyer_name": buyer_names.get(r["b"]),
         "suppliers_on_award": int(r["n"])}
        for r in awards.rows
    ]
    profile["awards_truncated"] = awards.truncated
    totals = store.select(
        f"""SELECT DISTINCT ?award ?value ?currency ?n WHERE {{
          {{ SELECT ?award (COUNT(DISTINCT ?other) AS ?n) WHERE {{ {won} ?award mkg:supplier ?other }} GROUP BY ?award }}
          {_VALUE} }}"""
    ).rows
    profile["award_count"] = len({r["award"] for r in totals})
    profile["total_value"] = _money(totals)
    profile["sole_supplier_value"] = _money([r for r in totals if int(r["n"]) == 1])
    profile["buyers"] = [
        {"iri": r["buyerCanon"], "name": buyer_names.get(r["buyerCanon"]), "awards": int(r["n"])} for r in buyers
    ]
    profile["cpv"] = _cpv_mix(store, won, max_rows)
    profile["missions"] = _missions(store, won)
    profile["commitments"] = commitments_in(store, won, max_rows)
    return profile


def buyer_profile(store: GraphStore, org: str, max_rows: int = 500) -> dict[str, Any]:
    """What one buyer (IRI or identifier) bought: processes, awards and value, suppliers, SME share, CPV, missions."""
    members, profile = _organisation(store, org)
    bought = f"{_values('m', members)} ?process mkg:buyer ?m ."
    count = store.select(f"SELECT (COUNT(DISTINCT ?process) AS ?n) WHERE {{ {bought} }}")
    profile["process_count"] = int(count.rows[0]["n"])
    awards = store.select(
        f"""SELECT DISTINCT ?award ?value ?currency WHERE {{ {bought} ?process mkg:hasAward ?award .
          FILTER EXISTS {{ ?award mkg:supplier ?s }} {_VALUE} }}"""
    ).rows
    profile["award_count"] = len({r["award"] for r in awards})
    profile["awarded_value"] = _money(awards)
    suppliers = store.select(
        f"""SELECT ?supplierCanon (COUNT(DISTINCT ?award) AS ?n)
          (SUM(IF(COALESCE(?sme, false), 1, 0)) AS ?yes) (SUM(IF(BOUND(?sme) && !?sme, 1, 0)) AS ?no) WHERE {{
          {bought} ?process mkg:hasAward ?award . ?award mkg:supplier ?supplier . {_CANONICAL.format(v="supplier")}
          OPTIONAL {{ ?supplier mkg:isSME ?sme }}
        }} GROUP BY ?supplierCanon ORDER BY DESC(?n) ?supplierCanon""",
        max_rows=max_rows,
    )
    names = _main_names(store, {r["supplierCanon"] for r in suppliers.rows})
    profile["suppliers"] = [
        {"iri": r["supplierCanon"], "name": names.get(r["supplierCanon"]), "awards": int(r["n"]),
         "sme": None if not (r["yes"] or r["no"]) else int(r["yes"] or 0) >= int(r["no"] or 0)}
        for r in suppliers.rows
    ]
    profile["suppliers_truncated"] = suppliers.truncated
    share = store.select(
        f"""SELECT (COUNT(*) AS ?stated) (SUM(IF(?flag, 1, 0)) AS ?sme) WHERE {{
          SELECT DISTINCT ?award ?supplier ?flag WHERE {{ {bought} ?process mkg:hasAward ?award .
            GRAPH ?g {{ ?award mkg:supplier ?supplier . ?supplier mkg:isSME ?flag }} }} }}"""
    ).rows[0]
    # per award and supplier, as the award's own notice states it: SME status is a fact about the time of the award
    profile["sme_award_share"] = round(int(share["sme"]) / int(share["stated"]), 3) if share["stated"] else None
    profile["cpv"] = _cpv_mix(store, bought, max_rows)
    profile["missions"] = _missions(store, bought)
    return profile


def supplier_report(store: GraphStore, text: str, max_rows: int = 500) -> dict[str, Any]:
    """Profile of the supplier an IRI, identifier or name designates, with the other name matches; NotFound if none."""
    canonical = resolve_organisation(store, text)
    matches = [] if canonical else find_suppliers(store, text, limit=6)
    if canonical is None and not matches:
        raise NotFound(f"no supplier matches {text!r}: try part of its name, a Companies House number or GB-PPON-...")
    profile = supplier_profile(store, canonical or matches[0]["iri"], max_rows=max_rows)
    profile["other_matches"] = matches[1:]
    return profile
