"""What a notice service is (its endpoint, parameters, stages, throttling) and checks on user input for it.

User input never reaches a URL as typed: dates are parsed and re-formatted, stages are checked against
the service's own list, and a base URL must be a plain http(s) address.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from ingest.fetch.errors import FetchOptionError

MAX_PAGE_SIZE = 100  # both services document limit values 1 to 100
# Both services document the cursor as [A-Za-z0-9=], at most 300 characters.
CURSOR = re.compile(r"[A-Za-z0-9=]{1,300}")
WIRE_DATE = "%Y-%m-%dT%H:%M:%S"  # Find a Tender documents exactly this (19 characters, no zone)


@dataclass(frozen=True)
class Service:
    """One OCDS search endpoint and what it accepts."""

    name: str
    title: str
    env_var: str
    default_base_url: str
    path: str
    from_param: str
    to_param: str
    stages: tuple[str, ...]
    rate_limited: Mapping[int, float]  # status -> least wait in seconds; 429 always means "slow down"

    def base_url(self, override: str | None = None) -> str:
        """The checked base URL: --base-url, else the environment variable, else the real service."""
        if override:
            return check_base_url(override, "--base-url")
        configured = os.environ.get(self.env_var)
        return check_base_url(configured, self.env_var) if configured else self.default_base_url

    def check_stages(self, values: Iterable[str]) -> tuple[str, ...]:
        """Stages split on commas, lower-cased and checked against the service's list (empty means all)."""
        stages = [part.strip().lower() for value in values for part in value.split(",") if part.strip()]
        unknown = sorted(set(stages) - set(self.stages))
        if unknown:
            raise FetchOptionError(
                f"{self.title} has no stage {', '.join(unknown)}; use one or more of {', '.join(self.stages)}"
            )
        return tuple(dict.fromkeys(stages))


def check_base_url(url: str, where: str) -> str:
    """A base URL with scheme http or https and a host, without credentials, query or fragment."""
    if any(ch.isspace() or not ch.isprintable() for ch in url.strip()):
        raise FetchOptionError(f"{where} {url!r} contains spaces or control characters")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError as exc:
        raise FetchOptionError(f"{where} {url!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchOptionError(f"{where} {url!r} must be an http:// or https:// address with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise FetchOptionError(f"{where} {url!r} must not carry credentials, a query or a fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def parse_when(text: str, option: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (a time without zone is taken as UTC)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FetchOptionError(
            f"{option} {text!r} is not an ISO date such as 2026-10-01 or 2026-10-01T09:30:00"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def wire_date(when: datetime) -> str:
    """A UTC datetime in the form both services accept."""
    return when.astimezone(UTC).strftime(WIRE_DATE)


def check_window(start: datetime, end: datetime | None) -> None:
    """Refuse a window that ends before it starts."""
    if end is not None and end < start:
        raise FetchOptionError(f"--to {wire_date(end)} is before --from {wire_date(start)}")


def check_page_size(size: int) -> int:
    """A page size the services accept."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise FetchOptionError(f"--page-size {size} is out of range; the services accept 1 to {MAX_PAGE_SIZE}")
    return size
