"""Search filters: what a caller may restrict a query to, checked and normalised once, then turned into a mask.

Filters are applied *before* ranking (see kg.search.columns): they select the candidate processes and the
dense and keyword rankers only ever look inside that set, so a narrow filter still fills ``limit`` hits
whenever that many processes match it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

from kg.errors import InvalidParameter
from kg.namespaces import MISSION_IDS

__all__ = ["STATUSES", "SearchFilters", "parse_day"]

STATUSES = ("open", "awarded", "closed")


def parse_day(value: object, name: str = "date") -> str | None:
    """An ISO day ``YYYY-MM-DD`` from a date, datetime or string (an ISO timestamp gives its day; nothing else does)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text).date().isoformat()  # Python 3.11 reads a trailing Z
    except ValueError:
        raise InvalidParameter(f"{name} must be a date written YYYY-MM-DD, got {text!r}", name) from None


def _outcome_slug(value: str) -> str:
    """The slug of an outcome area given as a slug, "<mission>/<slug>" or an IRI; InvalidParameter when there is none such."""
    from kg.outcomes import find_outcome, load_outcomes

    found = find_outcome(value)
    if found is None:
        raise InvalidParameter(f"unknown outcome area {value!r}: use one of {', '.join(sorted({o.slug for o in load_outcomes()}))}", "outcome")
    return found.slug


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions that combine with any query; every field left at its default means "no restriction".

    Args:
        mission: a mission id (growth, clean-energy, safer-streets, opportunity, health).
        min_score: with ``mission``, the least alignment score (0–1); without it the process must
            advance the mission (the alignment stage's decision).
        outcome: an outcome area slug (e.g. ``mental-health``) the alignment named, score ≥ ``min_score``.
        cpv: CPV code prefixes (``"4523"`` matches 45233140); any of them.
        buyer: text in the buyer's name, or the buyer's IRI / identifier.
        supplier: text in a supplier's name, or a supplier's IRI / identifier (its whole cluster).
        min_value / max_value: tender value (else the largest award value), as published.
        published_from / published_to, deadline_from / deadline_to, awarded_from / awarded_to: ISO days, inclusive.
        status: ``open``, ``awarded`` or ``closed`` at ``as_of``.
        as_of: the day ``status`` is judged at (default: today).
        region: text in a delivery region's name.
        sme / vcse: only tenders marked suitable for SMEs / VCSEs.
        ocids: restrict to these processes (used by ``similar`` and tests).
    """

    mission: str | None = None
    min_score: float | None = None
    outcome: str | None = None
    cpv: tuple[str, ...] = ()
    buyer: str | None = None
    supplier: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    published_from: str | None = None
    published_to: str | None = None
    deadline_from: str | None = None
    deadline_to: str | None = None
    awarded_from: str | None = None
    awarded_to: str | None = None
    status: str | None = None
    as_of: str | None = None
    region: str | None = None
    sme: bool = False
    vcse: bool = False
    ocids: tuple[str, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.mission is not None and self.mission not in MISSION_IDS:
            raise InvalidParameter(f"unknown mission {self.mission!r}: use one of {', '.join(MISSION_IDS)}", "mission")
        if self.outcome is not None:
            object.__setattr__(self, "outcome", _outcome_slug(self.outcome))
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InvalidParameter(f"min_score must be between 0 and 1, got {self.min_score}", "min_score")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidParameter(f"unknown status {self.status!r}: use one of {', '.join(STATUSES)}", "status")
        for name in ("min_value", "max_value"):
            if getattr(self, name) is not None and not math.isfinite(getattr(self, name)):
                raise InvalidParameter(f"{name} must be a finite number, got {getattr(self, name)}", name)
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise InvalidParameter(f"the minimum value {self.min_value:g} is above the maximum {self.max_value:g}", "min_value")
        cpv = (self.cpv,) if isinstance(self.cpv, str) else tuple(self.cpv or ())
        cleaned = tuple(c.strip().split("-")[0] for c in cpv if c and c.strip())
        if any(not c.isdigit() for c in cleaned):
            raise InvalidParameter(f"CPV prefixes are digits such as 45 or 4523, got {', '.join(cpv)}", "cpv")
        object.__setattr__(self, "cpv", cleaned)
        for name in ("published_from", "published_to", "deadline_from", "deadline_to", "awarded_from",
                     "awarded_to", "as_of"):
            object.__setattr__(self, name, parse_day(getattr(self, name), name))
        if self.ocids is not None:
            object.__setattr__(self, "ocids", tuple(self.ocids))

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> SearchFilters:
        """Filters from keyword values (API query or CLI options); None and unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def with_(self, **changes: Any) -> SearchFilters:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def is_empty(self) -> bool:
        """True when nothing is restricted (``as_of`` alone restricts nothing)."""
        return all(getattr(self, f.name) == f.default for f in fields(self) if f.name != "as_of")

    def as_dict(self) -> dict[str, Any]:
        """The restrictions in force, JSON-ready (defaults left out)."""
        out = {k: v for k, v in asdict(self).items() if v not in (None, (), False) and k != "ocids"}
        if self.ocids is not None:
            out["ocids"] = len(self.ocids)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}
