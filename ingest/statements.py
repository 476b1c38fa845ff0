"""The statements of one process graph as N-Quads text, and the writer that adds them.

Quads are written as N-Quads statements, not pyoxigraph objects: building a `Quad` costs about 2 µs
in Python, a formatted line a fraction of that, and the build bulk-loads the text straight into the
store. Every IRI is minted from percent-encoded parts and every literal is escaped (ingest.terms), so the
text always parses. `Mapped.quads` still gives pyoxigraph quads for callers that want them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Quad, RdfFormat, parse

from ingest.clean import clean_text
from ingest.terms import FALSE, TRUE, XSD_TYPE, Terms, child, dt, lit
from ingest.validate import MAX_AMOUNT, parse_amount, parse_count
from kg.cpv import normalise_cpv
from kg.namespaces import DCTERMS, ID, MKG, PROV, RDF_TYPE, RDFS_LABEL

M, DC, PR = Terms(MKG), Terms(DCTERMS), Terms(PROV)
TYPE, LABEL = str(RDF_TYPE), str(RDFS_LABEL)
_CPV_BASE = f"{ID}cpv/"
_MAX_MONTHS = 1200  # a century: longer is a unit error (days or weeks given as months)


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


class Writer:
    """Collects the statements of one process graph, skipping empty values."""

    def __init__(self, mapped: Mapped, tail: str, literal_rn: bool) -> None:
        self.mapped = mapped
        self.lines = mapped.lines
        self.tail = tail  # " <graph> .\n", or "" for statements kept to be written into several graphs
        self.literal_rn = literal_rn

    def add(self, s: str, p: str, o: str | None) -> None:
        """One statement of N-Quads terms; none when the object is None."""
        if o is not None:
            self.lines.append(f"{s} {p} {o}{self.tail}")

    def text(self, s: str, p: str, value: object) -> str | None:
        """A cleaned text literal (ingest.clean); returns the text, or None when nothing was left to state."""
        cleaned = clean_text(value, literal_rn=self.literal_rn)
        if cleaned is not None:
            self.lines.append(f"{s} {p} {lit(cleaned)}{self.tail}")
        return cleaned

    def flag(self, s: str, p: str, value: object) -> None:
        """A boolean literal, only for a real JSON boolean."""
        if isinstance(value, bool):
            self.add(s, p, TRUE if value else FALSE)

    def money(self, owner: str, p: str, value: object, name: str) -> None:
        """A MonetaryValue node; 0 is how several publishers say 'not stated', so it is left out.

        The amount is the net one when the notice states it, else the gross (Find a Tender's award notices may
        give only `amountGross`, VAT included; then mkg:amountIsGross says so). A stated gross amount is also
        kept as mkg:amountGross, unless it is not a real one (validation checks `amount` only, so a bad gross
        amount is dropped, not the release).
        """
        if not isinstance(value, dict):
            return
        gross = parse_amount(value.get("amountGross"))
        gross = gross if gross is not None and 0 < gross <= MAX_AMOUNT else None
        amount = parse_amount(value.get("amount", value.get("value")))
        net = amount is not None and amount > 0
        if not net and gross is None:
            return
        node = child(owner, name)
        self.add(owner, p, node)
        self.add(node, TYPE, M.MonetaryValue)
        self.add(node, M.amount, f'"{amount if net else gross:.2f}"{XSD_TYPE["decimal"]}')
        if gross is not None:
            self.add(node, M.amountGross, f'"{gross:.2f}"{XSD_TYPE["decimal"]}')
        if not net:
            self.add(node, M.amountIsGross, TRUE)
        currency = value.get("currency")
        if isinstance(currency, str) and len(currency.strip()) == 3:
            self.add(node, M.currency, lit(currency.strip().upper()))

    def period(self, owner: str, p: str, value: object, name: str) -> None:
        """A Period node with the real dates of an OCDS period, its latest end with every extension (`maxExtentDate`)
        and its maximum length in months (`durationInMonths`, which Find a Tender may give alone); none when it
        states none of them."""
        if not isinstance(value, dict):
            return
        start, end, latest = dt(value.get("startDate")), dt(value.get("endDate")), dt(value.get("maxExtentDate"))
        months = parse_count(value.get("durationInMonths"), _MAX_MONTHS) or None  # 0 months says nothing
        if start is None and end is None and latest is None and months is None:
            return
        node = child(owner, name)
        self.add(owner, p, node)
        self.add(node, TYPE, M.Period)
        self.add(node, M.startDate, start)
        self.add(node, M.endDate, end)
        self.add(node, M.maxExtentDate, latest)
        if months is not None:
            self.add(node, M.durationInMonths, f'"{months}"{XSD_TYPE["integer"]}')

    def classifications(self, owner: str, holder: dict[str, Any]) -> str | None:
        """Link CPV codes of a tender, lot or item; returns the main code when there is one.

        The main code is the first CPV code found: `classification`'s, else (Find a Tender's items list their CPV
        codes in `additionalClassifications` alone) the first of those.
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
