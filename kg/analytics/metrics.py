"""Market metrics an analyst asks for, grouped per mission, outcome area, CPV division, buyer or year.

Figures count awards to suppliers. An award to several suppliers (a framework or DPS) counts once
for each supplier, and its value is split equally among them so that totals never exceed what was
awarded. Values are in GBP as published: amounts stated in another currency count as unknown. A
process counts in every mission it advances, and within a mission in its best-scoring outcome area.
Shares are fractions in [0, 1]; HHI is on the usual 0–10,000 scale.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import networkx as nx

from kg.analytics.projections import AwardFact, Market
from kg.analytics.scope import GROUPINGS, ScopeError

BASES = ("value", "count")
UNKNOWN = "unknown"


def _keys(group_by: str | None) -> Callable[[AwardFact], Iterable[Any]]:
    """The groups one award falls in (a process may advance several missions)."""
    if group_by is None:
        return lambda f: ("all",)
    if group_by not in GROUPINGS:
        raise ScopeError(f"cannot group by {group_by!r}: use one of {', '.join(GROUPINGS)}")
    if group_by == "mission":
        return lambda f: f.missions or ("none",)
    if group_by == "outcome":
        return lambda f: f.outcomes or ("none",)
    if group_by == "cpv":
        return lambda f: (f.division or UNKNOWN,)
    if group_by == "buyer":
        return lambda f: (f.buyer or UNKNOWN,)
    return lambda f: (f.year if f.year is not None else UNKNOWN,)


def group(awards: Iterable[AwardFact], group_by: str | None) -> dict[Any, list[AwardFact]]:
    """Awards by group in a stable order: buyers busiest first, other keys ascending; unknown and none last."""
    keys = _keys(group_by)
    groups: dict[Any, list[AwardFact]] = defaultdict(list)
    for fact in awards:
        for key in keys(fact):
            groups[key].append(fact)
    size = (lambda kv: -len(kv[1])) if group_by == "buyer" else (lambda kv: 0)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] in (UNKNOWN, "none"), size(kv), str(kv[0]))))


def _label(market: Market, group_by: str | None, key: Any) -> str:
    if group_by == "buyer":
        return market.name(key)
    if group_by == "cpv":
        return market.cpv_labels.get(key, "")
    return str(key)


def hhi(shares: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of market shares given as fractions: 0 (atomised) to 10,000 (monopoly)."""
    return sum((100.0 * s) ** 2 for s in shares)


def supplier_totals(awards: Sequence[AwardFact], basis: str) -> Counter[str]:
    """Each supplier's value (its split of award values) or its number of distinct awards."""
    totals: Counter[str] = Counter()
    if basis == "count":
        totals.update(s for s, _ in {(f.supplier, f.award) for f in awards})
    else:
        for fact in awards:
            if fact.value is not None:
                totals[fact.supplier] += fact.value
    return totals


def _entry_years(awards: Iterable[AwardFact]) -> dict[str, int]:
    first: dict[str, int] = {}
    for fact in awards:
        if fact.year is not None and fact.year < first.get(fact.supplier, 10_000):
            first[fact.supplier] = fact.year
    return first


def repeat_pairs(awards: Iterable[AwardFact]) -> int:
    """Buyer–supplier pairs that come together in two or more distinct processes."""
    processes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for fact in awards:
        if fact.buyer:
            processes[(fact.buyer, fact.supplier)].add(fact.process)
    return sum(1 for seen in processes.values() if len(seen) > 1)


def competition(awards: Iterable[AwardFact]) -> dict[str, Any]:
    """Of the distinct awards: the share whose tenderer count is stated, and of those the share won by the only
    bidder (the usual red flag of weak competition) and the mean number of tenderers."""
    counts = {f.award: f.tenderers for f in awards}
    stated = [n for n in counts.values() if n is not None]
    return {
        "tenderers_known": _share(len(stated), len(counts)),
        "single_bidder_share": _share(sum(1 for n in stated if n == 1), len(stated)),
        "mean_tenderers": round(sum(stated) / len(stated), 2) if stated else None,
    }


def concentration(market: Market, group_by: str | None = None, basis: str = "value") -> list[dict[str, Any]]:
    """Market structure per group: size, distinct suppliers, HHI, top-5 share, leader, new entrants, repeat pairs,
    and competition for the awards (see `competition`).

    New entrants are suppliers by the year of their first award in the group (in the whole scope when
    grouping by year). With basis "value", awards without a value are left out of shares and HHI.
    """
    if basis not in BASES:
        raise ScopeError(f"market shares are by value or count, not {basis!r}")
    market_entry = _entry_years(market.awards) if group_by == "year" else None
    rows = []
    for key, awards in group(market.awards, group_by).items():
        totals = supplier_totals(awards, basis)
        size = sum(totals.values())
        shares = sorted((v / size for v in totals.values()), reverse=True) if size else []
        leader = max(totals, key=lambda s: (totals[s], s)) if size else None
        entry = market_entry or _entry_years(awards)
        entrants = Counter(entry[s] for s in {f.supplier for f in awards} if s in entry)
        if group_by == "year":
            entrants = Counter({y: n for y, n in entrants.items() if y == key})
        rows.append({
            "group": key, "label": _label(market, group_by, key),
            "awards": len({f.award for f in awards}),
            "valued_awards": len({f.award for f in awards if f.value is not None}),
            "value": round(sum(f.value for f in awards if f.value is not None), 2),
            "suppliers": len({f.supplier for f in awards}),
            "basis": basis,
            "hhi": round(hhi(shares), 1) if shares else None,
            "top5_share": round(sum(shares[:5]), 4) if shares else None,
            "leader": market.name(leader) if leader else None,
            "leader_share": round(shares[0], 4) if shares else None,
            "new_entrants": dict(sorted(entrants.items())),
            "repeat_pairs": repeat_pairs(awards),
            **competition(awards),
        })
    return rows


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def sme_share(market: Market, group_by: str | None = None) -> list[dict[str, Any]]:
    """SME and VCSE shares per group, by number of supplier awards and by value.

    A supplier whose status no notice states counts as neither; `status_known` is the share of supplier
    awards whose SME status is stated, so a reader can judge the figures.
    """
    rows = []
    for key, awards in group(market.awards, group_by).items():
        pairs = {(f.award, f.supplier): f for f in awards}.values()
        valued = [f for f in pairs if f.value is not None]
        total_value = sum(f.value or 0.0 for f in valued)
        row: dict[str, Any] = {"group": key, "label": _label(market, group_by, key), "supplier_awards": len(pairs),
                               "value": round(total_value, 2)}
        for kind in ("sme", "vcse"):
            flagged = [f for f in pairs if getattr(market.orgs.get(f.supplier), kind, None)]
            flagged_value = sum(f.value for f in flagged if f.value is not None)
            row |= {f"{kind}_awards": len(flagged), f"{kind}_share": _share(len(flagged), len(pairs)),
                    f"{kind}_value": round(flagged_value, 2), f"{kind}_value_share": _share(flagged_value, total_value)}
        known = sum(1 for f in pairs if getattr(market.orgs.get(f.supplier), "sme", None) is not None)
        row["status_known"] = _share(known, len(pairs))
        rows.append(row)
    return rows


def betweenness(graph: nx.Graph, *, exact_up_to: int = 2_000, samples: int = 100, seed: int = 0) -> dict[Any, float]:
    """Normalised betweenness: exact on small graphs, estimated from `samples` random sources above `exact_up_to` nodes."""
    if graph.number_of_nodes() <= exact_up_to:
        return nx.betweenness_centrality(graph, normalized=True)
    return nx.betweenness_centrality(graph, k=min(samples, graph.number_of_nodes()), normalized=True, seed=seed)


SORT_KEYS = ("value", "awards", "buyers", "betweenness")


def suppliers(market: Market, *, top: int | None = 20, sort: str = "value", samples: int = 100) -> list[dict[str, Any]]:
    """Suppliers ranked by value, awards, buyers or betweenness on the buyer–supplier graph.

    Centrality: `buyers` is the degree; the weighted degree is `awards` with award-count weights and
    `value` with value weights; `betweenness` is exact up to 2,000 nodes, else sampled from `samples` sources.
    """
    if sort not in SORT_KEYS:
        raise ScopeError(f"cannot sort suppliers by {sort!r}: use one of {', '.join(SORT_KEYS)}")
    graph = market.graph()
    between = betweenness(graph, samples=samples)
    entry = _entry_years(market.awards)
    rows = []
    for node, data in graph.nodes(data=True):
        if data["kind"] != "supplier":
            continue
        edges = [graph.edges[node, buyer] for buyer in graph[node]]
        rows.append({
            "supplier": node, "name": data["name"], "sme": data["sme"], "vcse": data["vcse"],
            "awards": data["awards"], "value": round(data["value"], 2),
            "buyers": graph.degree(node), "repeat_buyers": sum(1 for e in edges if len(e["processes"]) > 1),
            "betweenness": round(between.get(node, 0.0), 6), "first_year": entry.get(node),
        })
    rows.sort(key=lambda r: (-r[sort], r["name"] or "", r["supplier"]))
    return rows[:top] if top else rows


def communities(market: Market, *, top: int | None = 10, resolution: float = 1.0, seed: int = 0) -> list[dict[str, Any]]:
    """Louvain communities of the buyer–supplier graph (weighted by awards), with their dominant CPV division and missions."""
    graph = market.graph()
    found = nx.community.louvain_communities(graph, weight="awards", resolution=resolution, seed=seed) if graph else []
    rows = []
    for members in found:
        inner = graph.subgraph(members)
        cpv: Counter[str] = Counter()
        missions: Counter[str] = Counter()
        for _, _, data in inner.edges(data=True):
            cpv.update(data["divisions"])
            missions.update(data["missions"])
        people = sorted(members, key=lambda n: (-inner.degree(n, weight="awards"), str(n)))
        division, hits = cpv.most_common(1)[0] if cpv else (None, 0)
        rows.append({
            "size": len(members),
            "buyers": sum(1 for n in members if graph.nodes[n]["kind"] == "buyer"),
            "suppliers": sum(1 for n in members if graph.nodes[n]["kind"] == "supplier"),
            "awards": int(inner.size(weight="awards")),
            "value": round(inner.size(weight="value"), 2),
            "dominant_cpv": division, "dominant_cpv_label": market.cpv_labels.get(division or "", ""),
            "dominant_cpv_share": round(hits / sum(cpv.values()), 4) if cpv else None,
            "missions": dict(missions.most_common()),
            "members": [market.name(n) for n in people[:5]],
        })
    rows.sort(key=lambda r: (-r["awards"], -r["size"], r["members"]))
    numbered = [{"community": number, **row} for number, row in enumerate(rows, start=1)]
    return numbered[:top] if top else numbered
