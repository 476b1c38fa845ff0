"""What an analysis covers: mission, outcome area, CPV prefix, region and date range, as SPARQL patterns."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from kg.errors import InvalidParameter, MissionKGError
from kg.namespaces import CPV_PATH, ID, MISSION_IDS, REGION_PATH, slug

MISSION_BASE = f"{ID}mission/"
OUTCOME_BASE = f"{ID}outcome/"
CPV_BASE = f"{ID}cpv/"
REGION_BASE = f"{ID}region/"
GROUPINGS = ("mission", "outcome", "cpv", "buyer", "year")


class AnalyticsError(MissionKGError):
    """An analysis was asked for something it cannot do with the graph as it is."""


class ScopeError(AnalyticsError, InvalidParameter, ValueError):
    """A filter value is malformed: unknown mission, non-digit CPV prefix, bad date."""


def parse_day(value: date | str | None, name: str) -> date | None:
    """A day given as a date or as YYYY-MM-DD; ScopeError names the option `name` when it is neither."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScopeError(f"{name} must be a day such as 2024-04-01, not {value!r}", name) from None


def mission_slug(value: str) -> str:
    """The mission slug of `value` (slug or mission IRI); ScopeError names the five when it is none of them."""
    found = value.removeprefix(MISSION_BASE).strip().lower()
    if found not in MISSION_IDS:
        raise ScopeError(f"unknown mission {value!r}: use one of {', '.join(MISSION_IDS)}", "mission")
    return found


def outcome_key(value: str) -> str:
    """"<mission>/<outcome slug>" of an outcome area given by that key, its IRI or its slug alone."""
    from kg.outcomes import find_outcome

    found = find_outcome(value)
    if found is None:
        raise ScopeError(f"no outcome area {value!r} in ontology/missions.ttl: write <mission>/<outcome> or the slug, "
                         "such as health/waiting-lists or waiting-lists", "outcome")
    return f"{found.mission}/{found.slug}"


@dataclass(frozen=True)
class Scope:
    """Filters on the processes (and their awards) an analysis covers; None leaves a dimension open.

    Args:
        mission: slug of a mission the process advances (`mkg:advances`).
        outcome: "<mission>/<outcome>": an alignment names this outcome and the process advances its mission.
        cpv: leading digits of a CPV code on the tender, one of its items or lots, or an award's item ("45", "4521").
        region: slug prefix of a delivery region ("ukl" matches ITL codes ukl, ukl18; "london").
        date_from, date_to: inclusive bounds on the award date (the published date when an award has none,
            and for processes without awards).
    """

    mission: str | None = None
    outcome: str | None = None
    cpv: str | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.mission is not None:
            set_(self, "mission", mission_slug(self.mission))
        if self.outcome is not None:
            set_(self, "outcome", outcome_key(self.outcome))
        if self.cpv is not None:
            cpv = self.cpv.strip().split("-")[0]
            if not re.fullmatch(r"\d{1,8}", cpv):
                raise ScopeError(f"a CPV prefix is one to eight digits, such as 45 or 4521, not {self.cpv!r}", "cpv")
            set_(self, "cpv", cpv)
        if self.region is not None:
            region = slug(self.region.removeprefix(REGION_BASE))
            if not region:
                raise ScopeError(f"a region is an ITL code or a region name, not {self.region!r}", "region")
            set_(self, "region", region)
        set_(self, "date_from", parse_day(self.date_from, "date_from"))
        set_(self, "date_to", parse_day(self.date_to, "date_to"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ScopeError(f"date_from {self.date_from} is after date_to {self.date_to}")

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set, JSON-ready."""
        return {k: str(v) if isinstance(v, date) else v for k, v in asdict(self).items() if v is not None}

    def process_patterns(self, process: str = "?process") -> str:
        """SPARQL patterns keeping only processes that pass the mission, outcome, CPV and region filters."""
        parts = []
        if self.mission:
            parts.append(f"{process} mkg:advances <{MISSION_BASE}{self.mission}> .")
        if self.outcome:
            mission = self.outcome.split("/")[0]
            parts.append(
                f"?_alignment mkg:alignedProcess {process} ; mkg:outcome <{OUTCOME_BASE}{self.outcome}> . "
                f"{process} mkg:advances <{MISSION_BASE}{mission}> ."
            )
        if self.cpv:
            parts.append(f'FILTER EXISTS {{ {process} {CPV_PATH} ?_cpv FILTER(STRSTARTS(STR(?_cpv), "{CPV_BASE}{self.cpv}")) }}')
        if self.region:
            parts.append(f'FILTER EXISTS {{ {process} {REGION_PATH} ?_region FILTER(STRSTARTS(STR(?_region), "{REGION_BASE}{self.region}")) }}')
        return "\n  ".join(parts)

    def date_filter(self, when: str) -> str:
        """A FILTER on the date expression `when` (compared on its first ten characters), or nothing."""
        tests = []
        if self.date_from:
            tests.append(f'SUBSTR(STR({when}), 1, 10) >= "{self.date_from.isoformat()}"')
        if self.date_to:
            tests.append(f'SUBSTR(STR({when}), 1, 10) <= "{self.date_to.isoformat()}"')
        return f"FILTER({' && '.join(tests)})" if tests else ""

    def without_mission(self) -> Scope:
        """This scope with the mission and outcome filters lifted (for paths that end at a mission)."""
        return Scope(cpv=self.cpv, region=self.region, date_from=self.date_from, date_to=self.date_to)
