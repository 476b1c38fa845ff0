"""Invented OCDS 1.1 releases (fictional UK notices) for the README demo and for benchmarks.

Every organisation, place, notice and sentence here is made up by missionkg: OCIDs start with
``ocds-mkgdemo-`` and packages name the publisher as invented demo data. CPV codes and labels,
ITL region codes and the Procurement Act citation are real reference facts. Releases never share
mutable objects, so consumers may change them in place.
"""

from __future__ import annotations

import contextlib
import gzip as _gz
import heapq
import itertools
import json
import random
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Literal, NamedTuple

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a project dependency; the standard library will do
    orjson = None  # type: ignore[assignment]

OCID_PREFIX = "ocds-mkgdemo-"
MISSIONS = ("growth", "clean-energy", "safer-streets", "opportunity", "health")
NONE = "none"
Shape = Literal["jsonl", "release-package", "record-package"]
_SPAN_DAYS = 2646  # first releases from start to ~start + 7y3m (default 2019-01-01 .. 2026-03)
_MEAN_RELEASES = 1.3  # releases per OCID, used to space OCIDs over the span
_PUBLISHED = date(2019, 1, 1).toordinal() + _SPAN_DAYS + 275  # package date: after the last default release

# ---- reference facts: CPV 2008 labels (checked against cpv_2008.csv by the tests), ITL regions
_CPV = dict(e.split(" ", 1) for e in """\
60130000 Special-purpose road passenger-transport services|85143000 Ambulance services|85323000 Community health services|85121270 Psychiatrist or psychologist services|85312320 Counselling services|33110000 Imaging equipment for medical, dental and veterinary use|33113000 Magnetic resonance imaging equipment|33111000 X-ray devices|85312400 Welfare services not delivered through residential institutions|85320000 Social services
85000000 Health and social work services|85100000 Health services|33140000 Medical consumables|33141000 Disposable non-chemical medical consumables and haematological consumables|32323500 Video-surveillance system|32234000 Closed-circuit television cameras|35125300 Security cameras|35200000 Police equipment|48000000 Software package and information systems|85311000 Social work services with accommodation
85312000 Social work services without accommodation|98000000 Other community, social and personal services|75231240 Probation services|98341000 Accommodation services|75240000 Public security, law and order services|34114200 Police cars|34100000 Motor vehicles|45453100 Refurbishment work|39221000 Kitchen equipment|45214200 Construction work for school buildings
60112000 Public road transport services|80110000 Pre-school education services|85312110 Child daycare services|80530000 Vocational training services|80500000 Training services|71240000 Architectural, engineering and planning services|85311300 Welfare services for children and young people|85310000 Social work services|55524000 School catering services|09332000 Solar installation
09331200 Solar photovoltaic modules|45261215 Solar panel roof-covering work|42511110 Heat pumps|45331000 Heating, ventilation and air-conditioning installation work|45321000 Thermal insulation work|31158100 Battery chargers|45315600 Low-voltage installation work|31681500 Rechargers|09323000 District heating|45232140 District-heating mains construction work
71314300 Energy-efficiency consultancy services|45261410 Roof insulation work|45320000 Insulation work|71313000 Environmental engineering consultancy services|45211000 Construction work for multi-dwelling buildings and individual houses|45211100 Construction work for houses|45233223 Carriageway resurfacing works|45233142 Road-repair works|45233140 Roadworks|71410000 Urban planning services
71400000 Urban planning and landscape architectural services|32412110 Internet network|45314300 Installation of cable infrastructure|32562000 Optical-fibre cables|79411100 Business development consultancy services|79400000 Business and management consultancy and related services|60100000 Road transport services|30192000 Office supplies|30192700 Stationery|30197630 Printing paper
66510000 Insurance services|66515000 Damage or loss insurance services|66516000 Liability insurance services|79100000 Legal services|79110000 Legal advisory and representation services|77314000 Grounds maintenance services|77310000 Planting and maintenance services of green areas|55520000 Catering services|55510000 Canteen services|79810000 Printing services
79800000 Printing and related services|79820000 Services related to printing|90919200 Office cleaning services|90911200 Building-cleaning services|79212000 Auditing services|79211000 Accounting services|30213000 Personal computers|72000000 IT services: consulting, software development, Internet and support|79620000 Supply services of personnel including temporary staff|79600000 Recruitment services
79000000 Business services: law, marketing, consulting, recruitment, printing and security""".replace("\n", "|").split("|"))

_REGIONS = (  # (Contracts Finder region name, ITL1, ITL2 codes)
    ("North East", "UKC", ("UKC1", "UKC2")), ("North West", "UKD", ("UKD1", "UKD3", "UKD4", "UKD6", "UKD7")),
    ("Yorkshire and the Humber", "UKE", ("UKE1", "UKE2", "UKE3", "UKE4")),
    ("East Midlands", "UKF", ("UKF1", "UKF2", "UKF3")), ("West Midlands", "UKG", ("UKG1", "UKG2", "UKG3")),
    ("East of England", "UKH", ("UKH1", "UKH2", "UKH3")), ("London", "UKI", ("UKI3", "UKI4", "UKI5", "UKI6", "UKI7")),
    ("South East", "UKJ", ("UKJ1", "UKJ2", "UKJ3", "UKJ4")),
    ("South West", "UKK", ("UKK1", "UKK2", "UKK3", "UKK4")), ("Wales", "UKL", ("UKL1", "UKL2")),
    ("Scotland", "UKM", ("UKM5", "UKM6", "UKM7", "UKM8", "UKM9")), ("Northern Ireland", "UKN", ("UKN0",)),
)
_WALES = 9
_PA2023 = {"id": "2023/54", "scheme": "UKPGA", "uri": "https://www.legislation.gov.uk/ukpga/2023/54/contents"}
_PA2023_FROM = date(2025, 2, 24).toordinal()
_FTS_THRESHOLD = 214904  # sub-central goods/services threshold (incl. VAT, 2024-25); only sets aboveThreshold



def _read(name: str) -> list[str]:
    """The lines of a wording file shipped beside this module."""
    return Path(__file__).with_name(name).read_text(encoding="utf-8").splitlines()


# ---- templates, written for missionkg (demo_templates.psv). Buyer kinds: C council, N NHS, P police/justice,
# E education, O other. key | mission | category | min £ | max £ | buyer kinds | supplier sector | titles | CPV codes
# | what | details
_TEMPLATES_TEXT = _read("demo_templates.psv")

# ---- wording and invented names, written for missionkg (demo_phrases.psv): key|item|item|...
_PHRASES = {k: tuple(v) for k, *v in (line.split("|") for line in _read("demo_phrases.psv"))}
_WHO = {"services": "provider", "works": "contractor", "goods": "supplier"}
_METHODS = (("open", "Open procedure"), ("open", "Open procedure"), ("selective", "Restricted procedure"),
            ("limited", "Negotiated procedure"), ("direct", "Direct award"))
_FTS_METHODS = (("open", "Open procedure"), ("selective", "Competitive flexible procedure"),
                ("open", "Below threshold - open competition"))


class Template(NamedTuple):
    """One kind of invented notice: mission, category, value range (GBP), buyer kinds, supplier sector, wording, CPV."""

    key: str
    mission: str
    category: str
    lo: float
    hi: float
    kinds: str
    sector: str
    titles: tuple[str, ...]
    cpv: tuple[str, ...]
    what: str
    details: tuple[str, ...]


class Label(NamedTuple):
    """What the generator meant a process to be: ground truth for demos and alignment checks."""

    mission: str
    template: str
    social_value: bool
    shape: str


Buyer = NamedTuple("Buyer", [  # noqa: UP014  (compact: internal records)
    ("name", str), ("kind", str), ("place", str), ("region", int), ("itl", str), ("ppon", str), ("cfs", str),
    ("email", str)])
Supplier = NamedTuple("Supplier", [  # noqa: UP014
    ("name", str), ("sector", str), ("coh", str), ("chc", str), ("ppon", str), ("cfs", str), ("sme", bool),
    ("vcse", bool), ("name_only", bool)])
_Pools = NamedTuple("_Pools", [  # noqa: UP014
    ("buyers", dict), ("welsh", dict), ("suppliers", list), ("by_sector", dict), ("by_mission", dict)])
TEMPLATES = tuple(
    Template(k, m, cat, float(lo), float(hi), kinds, sector, tuple(ti.split(";")), tuple(cpv.split()), what,
             tuple(det.split(";")))
    for k, m, cat, lo, hi, kinds, sector, ti, cpv, what, det in (row.split("|") for row in _TEMPLATES_TEXT)
)


def _ppon(rng: random.Random) -> str:
    """An invented identifier in the shape of a Procurement Act PPON."""
    letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
    return f"P{''.join(rng.choices(letters, k=3))}-{rng.randint(1000, 9999)}-{''.join(rng.choices(letters, k=4))}"


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    """Build the fixed pools of invented buyers (300 per kind) and suppliers (2000); the same for every seed."""
    rng, ph = random.Random(20250), _PHRASES
    compass = ("North", "East", "West", "South")
    places = [s + x for s in ph["stem"] for x in ph["suffix"]
              if s[-1] != x[0] and not (s in compass and x in ("shire", "ham", "ton", "by", "ley"))]
    welsh_places = [s + x for s in ph["welsh-stem"] for x in ph["welsh-suffix"]]
    english = [i for i in range(len(_REGIONS)) if i != _WALES]
    cfs = itertools.count(10001, 7)
    buyers: dict[str, list[Buyer]] = {}
    for kind in "CNPEO":
        made: dict[str, Buyer] = {}
        for wales, pool, count in ((False, places, 270), (True, welsh_places, 30)):
            for place in rng.sample(pool, count):
                region = _WALES if wales else rng.choice(english)
                email = f"{rng.choice(('procurement', 'tenders', 'commercial'))}@{place.lower()}-{kind.lower()}.example"
                name = rng.choice(ph["welsh-" + kind if wales else kind]).format(place)
                itl = rng.choice(_REGIONS[region][2])
                made.setdefault(name, Buyer(name, kind, place, region, itl, _ppon(rng), f"GB-CFS-{next(cfs)}", email))
        buyers[kind] = list(made.values())
    sectors = sorted(k[7:] for k in ph if k.startswith("sector-"))
    suppliers: dict[str, Supplier] = {}
    while len(suppliers) < 2000:
        sector, x, vcse = rng.choice(sectors), rng.random(), rng.random() < .1
        surname = rng.choice(ph["surname"])
        base = surname if x < .35 else f"{surname} & {rng.choice(ph['surname'])}" if x < .5 else rng.choice(places)
        legal = rng.choice(ph["legal-vcse" if vcse else "legal"])
        legal = "LLP" if sector == "professional" and legal == "UK Ltd" else legal
        name = f"{base} {rng.choice(ph['sector-' + sector])} {legal}"
        coh = f"0{rng.randint(1000000, 9999999)}" if legal not in ("Trust", "Foundation") and rng.random() < .6 else ""
        chc = str(rng.randint(200000, 1199999)) if vcse and not coh else ""
        sme, name_only = vcse or rng.random() < .55, not (coh or chc) and rng.random() < .6
        ppon, cfs_id = _ppon(rng), f"GB-CFS-{next(cfs)}"
        suppliers.setdefault(name, Supplier(name, sector, coh, chc, ppon, cfs_id, sme, vcse, name_only))
    sup = list(suppliers.values())
    return _Pools(buyers, {k: [b for b in v if b.region == _WALES] for k, v in buyers.items()}, sup,
                  {s: [x for x in sup if x.sector == s] for s in sectors},
                  {m: [t for t in TEMPLATES if t.mission == m] for m in (*MISSIONS, NONE)})


@lru_cache(maxsize=16384)
def _day(ordinal: int) -> str:
    """ISO date for a proleptic ordinal (cached: dates repeat a lot)."""
    return date.fromordinal(ordinal).isoformat()


_TIMES = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(7, 20)
               for m in (0, 7, 13, 21, 34, 42, 55) for s in (3, 19, 48))
_SHAPES = ("cf",) * 10 + ("fts",) * 7 + ("s2w",) * 3
_MULTI = (("tender", "award"),) * 3 + (("planning", "tender"), ("planning", "tender", "award"))
_SINGLE = (("tender",),) * 31 + (("award",),) * 14 + (("planning",),) * 5
_MONTHS = {"services": (12, 24, 36, 36, 48, 60), "works": (3, 6, 9, 12, 18, 24), "goods": (1, 6, 12, 24, 36)}
_LOTS = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)
_SV_RATE = {"cf": .25, "fts": .30, "s2w": .50}
_SEP = {"cf": "\r\n\r\n", "fts": "\n", "s2w": "\n\n"}
_STATUS = {"planning": "planning", "tender": "active", "award": "complete"}
_PCT = "percentageExact"
# per template, openers and titles with the fixed words filled in: "{0}" is the buyer, "{1}" the place, "{2}" the year
_T_OPENERS = {t.key: tuple(o.replace("{who}", _WHO[t.category]).replace("{what}", t.what).replace("{buyer}", "{0}")
                           .replace("{place}", "{1}") for o in _PHRASES["opener"]) for t in TEMPLATES}
_T_TITLES = {t.key: tuple(x.replace("{place}", "{1}").replace("{year}", "{2}") for x in t.titles) for t in TEMPLATES}


def _money(amount: float, gross: bool = False) -> dict:
    """An OCDS Value in pounds, with the VAT-inclusive gross figure Find a Tender adds."""
    if gross:
        return {"amountGross": round(amount * 1.2, 2), "amount": amount, "currency": "GBP"}
    return {"amount": amount, "currency": "GBP"}


def _cpv(code: str, label: bool = True) -> dict:
    """A CPV classification, with or without its label (publishers differ)."""
    return {"scheme": "CPV", "id": code, "description": _CPV[code]} if label else {"id": code, "scheme": "CPV"}


class _Proc:
    """The facts of one invented contracting process, shared by the releases built from it."""

    __slots__ = ("ad", "award_value", "b", "bits", "build", "ce", "codes", "cs", "desc", "label", "method",
                 "method_details", "n_lots", "ocid", "parties", "q", "sme", "sv", "t", "t_day", "te", "title",
                 "ts", "value", "vcse", "winners")


def _process(rng: random.Random, P: _Pools, anchor: int, serial: Iterator[int]) -> tuple[_Proc, list]:
    """One invented contracting process and its releases to come, as (day ordinal, stage, serial number)."""
    r = rng.random
    x = r()
    mission = NONE if x < .35 else MISSIONS[min(4, int((x - .35) / .13))]
    seq: Sequence = P.by_mission[mission]
    t = seq[int(r() * len(seq))]
    shape = _SHAPES[int(r() * 20)]
    seq = (P.welsh if shape == "s2w" else P.buyers)[t.kinds[int(r() * len(t.kinds))]]
    b = seq[int(r() * len(seq))]
    stages = _MULTI[int(r() * 5)] if r() < .25 else _SINGLE[int(r() * 50)]
    c = _Proc()
    c.t, c.b, c.bits, c.sme, c.vcse, c.parties = t, b, rng.getrandbits(64), r() < .6, r() < .3, r() < .5
    c.q = (40, 50, 60, 70)[int(r() * 4)]
    c.t_day = t_day = anchor + (30 + int(r() * 90) if stages[0] == "planning" else 0)
    t_end = t_day + 14 + int(r() * 32)  # tender period, then award decision, award notice and contract start
    a_day = t_end + 7 + int(r() * 54)
    c_start = a_day + 14 + int(r() * 47)
    seq = _MONTHS[t.category]
    months = seq[int(r() * len(seq))]
    days = {"planning": anchor, "tender": t_day, "award": a_day + 1 + int(r() * 21)}
    c.ts, c.te, c.ad, c.cs = _day(t_day), _day(t_end), _day(a_day), _day(c_start)
    c.ce = _day(c_start + months * 30 + 29)
    x = r()  # value: log-uniform in the template's range; some missing, some zero, half rounded
    v = None if x < .12 else 0 if x < .15 else int(t.lo * (t.hi / t.lo) ** r())
    if v and r() < .5:
        v = int(round(v, -3)) or v
    c.value = v
    c.award_value = int(v * (.75 + .27 * r())) if v else v if v == 0 else int(t.lo * (t.hi / t.lo) ** r())
    title = _T_TITLES[t.key][int(r() * 3)]
    title = title.format(b.name, b.place, c.ts[:4]) if "{" in title else title
    c.title = title.upper() if r() < .1 else title
    i = int(r() * 4)
    text = _T_OPENERS[t.key][int(r() * 6)].format(b.name, b.place) + " " + t.details[i]
    if r() < .5:
        text += " " + t.details[(i + 1 + int(r() * 3)) % 4]
    sep = _SEP[shape]
    if r() < .6:
        text += sep + _PHRASES[mission][int(r() * 4)]
        if r() < .5:
            text += " " + _PHRASES["process"][int(r() * 6)].format(months=months, ext=(12, 24)[r() < .3])
    c.sv = sv = r() < _SV_RATE[shape]
    if shape == "s2w":
        if sv:
            i, items = int(r() * 6), _PHRASES["cb-item"]
            text += sep + _PHRASES["cb"][0].format(items[i], items[(i + 1 + int(r() * 5)) % 6])
        elif r() < .2:
            text += sep + _PHRASES["no-cb"][int(r() * 3)]
    elif sv and (shape == "cf" or r() < .5):
        i = int(r() * 6)
        text += sep + _PHRASES["sv"][i] + (" " + _PHRASES["sv"][(i + 1 + int(r() * 5)) % 6] if r() < .4 else "")
    c.desc, c.codes = text, t.cpv[: 1 + int(r() * len(t.cpv))]
    c.method, c.method_details = _FTS_METHODS[int(r() * 3)] if shape == "fts" else _METHODS[int(r() * 5)]
    c.n_lots = _LOTS[int(r() * 10)] if shape == "fts" else 1
    seq = P.by_sector[t.sector] if r() < .85 else P.suppliers  # one winner per lot; several for a fifth (frameworks)
    c.winners = [[seq[int(r() * len(seq))]] for _ in range(c.n_lots)]
    for w in c.winners:
        if r() < .2:
            w[:] = dict.fromkeys(w + [seq[int(r() * len(seq))] for _ in range(1 + int(r() * 3))])
    if shape == "cf":
        h = f"{rng.getrandbits(128):032x}"
        ident = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    else:
        ident = f"{next(serial):06x}" if shape == "fts" else str(next(serial))  # unique, like the real sequences
    c.ocid, c.label = f"{OCID_PREFIX}{shape}-{ident}", (mission, t.key, sv, shape)
    c.build = _cf if shape == "cf" else _fts if shape == "fts" else _s2w
    return c, [(days[s], s, next(serial)) for s in stages]


def _cf(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Contracts Finder (inline buyer, CPV items, suitability, region names)."""
    b, ocid = c.b, c.ocid
    region = _REGIONS[b.region][0]
    tender = {"id": f"CF-{ocid[-12:]}", "title": c.title, "description": c.desc, "status": _STATUS[stage],
              "classification": _cpv(c.codes[0]),
              "items": [{"id": str(i), "classification": _cpv(code),
                         "deliveryAddresses": [{"region": region, "countryName": "United Kingdom"}]}
                        for i, code in enumerate(c.codes, 1)],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category,
              "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T23:59:59Z"},
              "suitability": {"sme": c.sme, "vcse": c.vcse}}
    if c.value is not None:
        tender["value"] = {"amount": c.value, "currency": "GBP"}
    if stage != "planning":
        tender["tenderPeriod"] = {"startDate": c.ts + "T00:00:00Z", "endDate": c.te + "T12:00:00Z"}
    notice = c.bits ^ serial * 0x9E3779B97F4A7C15 & (1 << 64) - 1  # a notice number that looks random
    rel = {"ocid": ocid, "id": f"{notice:016x}-{serial}", "language": "en",
           "date": f"{_day(day)}T{_TIMES[(c.bits + serial) % 273]}Z", "tag": [stage], "initiationType": "tender",
           "tender": tender, "buyer": {"id": b.cfs, "name": b.name}}
    if stage == "planning":
        rel["planning"] = {"milestones": [{"id": "1", "title": "Engagement end date", "type": "engagement",
                                           "dueDate": f"{_day(day + 21)}T23:59:59Z"}]}
    parties = [{"id": b.cfs, "name": b.name, "identifier": {"legalName": b.name},
                "address": {"locality": b.place, "countryName": "United Kingdom"}, "contactPoint": {"email": b.email},
                "roles": ["buyer"]}] if c.parties else []
    if stage == "award":
        refs = []
        for s in c.winners[0]:
            ref = {"name": s.name} if s.name_only else {"id": f"GB-COH-{s.coh}" if s.coh else s.cfs, "name": s.name}
            refs.append(ref)
            if c.parties and not s.name_only:
                details = {"scale": "sme" if s.sme else "large", "vcse": s.vcse}
                parties.append({**ref, "roles": ["supplier"], "details": details})
                if s.coh or s.chc:
                    scheme = "GB-COH" if s.coh else "GB-CHC"
                    parties[-1]["identifier"] = {"scheme": scheme, "id": s.coh or s.chc, "legalName": s.name}
        rel["awards"] = [{"id": f"{ocid}-1", "status": "active", "date": c.ad + "T00:00:00Z",
                          "datePublished": rel["date"],
                          "value": {"amount": c.award_value, "currency": "GBP"}, "suppliers": refs,
                          "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T23:59:59Z"}}]
    if parties:
        rel["parties"] = parties
    return rel


def _fts(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Find a Tender (parties with GB-PPON ids, buyer by reference, lots, criteria)."""
    b, n, v, q, sv, ocid = c.b, c.n_lots, c.value, c.q, c.sv, c.ocid
    ds = _day(day)
    tz = "+01:00" if "04" <= ds[5:7] <= "10" else "+00:00"  # roughly British Summer Time
    bid, end = f"GB-PPON-{b.ppon}", c.ce + "T23:59:59" + tz
    buyer = {"name": b.name, "id": bid, "identifier": {"scheme": "GB-PPON", "id": b.ppon}, "roles": ["buyer"],
             "address": {"locality": b.place, "country": "GB", "countryName": "United Kingdom", "region": b.itl},
             "contactPoint": {"email": b.email}}
    if b.kind in "CPE":
        buyer["details"] = {"classifications": [{"scheme": "UK_CA_TYPE", "id": "publicAuthoritySubCentralGovernment",
                                                 "description": "Public authority - sub-central government"}]}
    lots, items = [], []
    for i in range(1, n + 1):
        crit = [{"type": "quality", "name": _PHRASES["quality"][(q // 10 + i) % 4],
                 "numbers": [{"number": q - 10 * sv, "weight": _PCT}]},
                {"type": "price", "name": _PHRASES["price"][q % 3], "numbers": [{"number": 100 - q, "weight": _PCT}]}]
        if sv:
            crit.append({"type": "quality", "name": "Social Value", "description": _PHRASES["sv-criterion"][0],
                         "numbers": [{"number": 10, "weight": _PCT}]})
        lot = {"id": str(i), "status": "complete" if stage == "award" else "active",
               "awardCriteria": {"criteria": crit},
               "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": end}}
        if n > 1:
            lot["title"] = f"Lot {i} - {('North', 'South', 'Central')[i - 1]}"
        if v is not None:
            lot["value"] = _money(v // n, True)
        lots.append(lot)
        items.append({"id": str(i), "additionalClassifications": [_cpv(code) for code in c.codes], "relatedLot": str(i),
                      "deliveryAddresses": [{"region": b.itl, "country": "GB", "countryName": "United Kingdom"}]})
    tender = {"id": ocid, "title": c.title, "description": c.desc, "items": items,
              "status": "planned" if stage == "planning" else _STATUS[stage],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category, "aboveThreshold": bool(v and v > _FTS_THRESHOLD), "lots": lots}
    if c.t_day >= _PA2023_FROM:
        tender["legalBasis"] = dict(_PA2023)
    if v is not None:
        tender["value"] = _money(v, True)
    if stage != "planning":
        tender["tenderPeriod"] = {"endDate": c.te + "T12:00:00" + tz}
    rel = {"ocid": ocid, "id": f"{serial:06d}-{ds[:4]}", "tag": ["award", "contract"] if stage == "award" else [stage],
           "date": f"{ds}T{_TIMES[(c.bits + serial) % 273]}{tz}", "initiationType": "tender", "parties": [buyer],
           "buyer": {"id": bid, "name": b.name}, "tender": tender, "language": "en"}
    if stage == "award":
        rel["awards"], seen = [], {bid}
        for i, sups in enumerate(c.winners, 1):
            refs = [{"id": f"GB-COH-{s.coh}" if s.coh else f"GB-PPON-{s.ppon}", "name": s.name} for s in sups]
            rel["awards"].append({"id": str(i), "title": c.title if n == 1 else f"{c.title} - Lot {i}",
                                  "status": "active", "date": c.ad + "T00:00:00" + tz,
                                  "value": _money(c.award_value // n, True), "suppliers": refs,
                                  "contractPeriod": {"startDate": c.cs + "T00:00:00Z", "endDate": end},
                                  "relatedLots": [str(i)]})
            for s, ref in zip(sups, refs):
                if ref["id"] not in seen:
                    seen.add(ref["id"])
                    ident = {"scheme": "GB-COH", "id": s.coh} if s.coh else {"scheme": "GB-PPON", "id": s.ppon}
                    details = {"scale": "sme" if s.sme else "large", "vcse": s.vcse}
                    rel["parties"].append({**ref, "identifier": ident, "roles": ["supplier"], "details": details})
    return rel


def _s2w(c: _Proc, stage: str, day: int, serial: int) -> dict:
    """A release in the style of Sell2Wales (local party ids, unlabelled CPV, community benefits wording)."""
    b, ocid = c.b, c.ocid
    parties = [{"name": b.name, "id": "org-1", "identifier": {"legalName": b.name}, "roles": ["buyer"],
                "address": {"locality": b.place, "region": b.itl}, "contactPoint": {"email": b.email}}]
    extra = [_cpv(code, False) for code in c.codes[1:]] or [_cpv(c.codes[0], False)]
    period = {"startDate": c.cs + "T00:00:00Z", "endDate": c.ce + "T00:00:00Z"}
    tender = {"id": f"{ocid}-tender-{ocid[17:]}", "title": c.title, "description": c.desc, "status": _STATUS[stage],
              "items": [{"id": "1", "additionalClassifications": extra, "relatedLot": "1",
                         "deliveryAddresses": [{"region": "UKL" if c.sme else b.itl}]}],
              "procurementMethod": c.method, "procurementMethodDetails": c.method_details,
              "mainProcurementCategory": c.t.category, "classification": _cpv(c.codes[0], False),
              "lots": [{"id": "1", "status": "complete" if stage == "award" else "active", "contractPeriod": period}]}
    if c.value is not None:
        tender["value"] = {"amount": float(c.value), "currency": "GBP"}
    if stage != "planning":
        tender["tenderPeriod"] = {"endDate": c.te + "T12:00:00Z"}
    rel = {"id": f"{ocid}-release-{serial}", "ocid": ocid, "date": f"{_day(day)}T00:00:00Z", "tag": [stage],
           "initiationType": "tender", "parties": parties, "buyer": {"name": b.name, "id": "org-1"}, "tender": tender,
           "language": "en"}
    if stage == "award":
        refs = [{"id": f"org-{k}", "name": s.name} for k, s in enumerate(c.winners[0], 2)]
        parties += [{**ref, "identifier": {"legalName": s.name}, "roles": ["supplier"],
                     "details": {"scale": "sme" if s.sme else "large"}} for s, ref in zip(c.winners[0], refs)]
        rel["awards"] = [{"id": f"{ocid}-award-1", "status": "active", "date": c.ad + "T00:00:00Z", "suppliers": refs,
                          "value": {"amount": float(c.award_value), "currency": "GBP"}, "contractPeriod": dict(period)}]
    return rel


def _generate(n: int, seed: int, start: date | None) -> Iterator[tuple[tuple, dict]]:
    """Yield ``n`` (label fields, release) pairs in date order; later stages wait in a heap, built when due."""
    rng, pools = random.Random(seed), _pools()
    base = (start or date(2019, 1, 1)).toordinal()
    step = _SPAN_DAYS / max(1.0, n / _MEAN_RELEASES)
    serial = itertools.count(1)
    heap: list[tuple[int, int, str, _Proc]] = []
    emitted = i = 0
    while emitted < n:
        anchor = base + int(i * step)
        i += 1
        c, stages = _process(rng, pools, anchor, serial)
        for day, stage, number in stages:
            heapq.heappush(heap, (day, number, stage, c))
        while heap and heap[0][0] <= anchor and emitted < n:
            day, number, stage, c = heapq.heappop(heap)
            emitted += 1
            yield c.label, c.build(c, stage, day, number)


def generate_releases(n: int, seed: int = 0, *, start: date | None = None) -> Iterator[dict]:
    """Yield ``n`` invented OCDS 1.1 releases in date order, deterministic for ``(n, seed, start)``."""
    for _, rel in _generate(n, seed, start):
        yield rel


def generate_labelled(n: int, seed: int = 0, *, start: date | None = None) -> Iterator[tuple[Label, dict]]:
    """Like ``generate_releases``, each release paired with the :class:`Label` of its contracting process."""
    for fields, rel in _generate(n, seed, start):
        yield Label(*fields), rel


def demo_package_metadata(n: int | None = None, seed: int = 0) -> dict:
    """Package metadata that marks the data as invented."""
    return {"publisher": {"name": "missionkg demo data (invented, not real notices)"}, "license": None,
            "publicationPolicy": "Generated by missionkg demo-data; every notice is fictional.", "version": "1.1",
            "uri": "https://w3id.org/missionkg/demo/" + ("" if n is None else f"releases-{n}-seed-{seed}")}


def _dumps(obj: object) -> bytes:
    """Compact UTF-8 JSON (orjson when installed, else the standard library)."""
    if orjson is not None:
        return orjson.dumps(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def write_demo(path: str | Path | None, n: int, seed: int = 0, *, shape: Shape = "jsonl",
               gzip: bool | None = None) -> int:
    """Write ``n`` invented releases as JSONL or a release/record package (``None``/``"-"``: stdout); return n."""
    if shape not in ("jsonl", "release-package", "record-package"):
        raise ValueError(f"unknown shape {shape!r}")
    stdout = path is None or str(path) == "-"
    if gzip is None:
        gzip = not stdout and str(path).endswith(".gz")
    releases, count, in_records = generate_releases(n, seed), 0, 0
    parts: Iterator[bytes] = map(_dumps, releases)
    if shape == "record-package":  # group serialised releases by OCID, in order of first appearance
        records: dict[str, list[bytes]] = {}
        for rel in releases:
            records.setdefault(rel["ocid"], []).append(_dumps(rel))
        parts = (b'{"ocid":' + _dumps(ocid) + b',"releases":[' + b",".join(r) + b"]}" for ocid, r in records.items())
        in_records = sum(map(len, records.values()))
    head, sep, tail = b"", b"\n", b"\n"
    if shape != "jsonl":
        meta = {**demo_package_metadata(n, seed), "publishedDate": f"{_day(_PUBLISHED)}T00:00:00Z"}
        head = _dumps(meta)[:-1] + (b',"releases":[\n' if shape == "release-package" else b',"records":[\n')
        sep, tail = b",\n", b"\n]}\n"
    with contextlib.ExitStack() as stack:
        if not stdout:
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        raw: IO[bytes] = sys.stdout.buffer if stdout else stack.enter_context(open(path, "wb"))  # type: ignore
        out: IO[bytes] = raw
        if gzip:
            gz = _gz.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
            out = stack.enter_context(gz)  # type: ignore[arg-type]
        buf = bytearray(head)
        for count, part in enumerate(parts, 1):
            buf += part if count == 1 else sep + part
            if len(buf) > 1 << 20:
                out.write(buf)
                buf.clear()
        out.write(buf + tail if count or shape != "jsonl" else buf)
    if stdout:
        raw.flush()
    return in_records if shape == "record-package" else count
