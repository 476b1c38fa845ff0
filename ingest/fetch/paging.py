"""Walk a service's search page by page, following the cursor carried in each package's `links.next`.

Only the cursor is taken from `links.next`, checked against the documented pattern, and sent to the
configured base URL with the original query: a response can never steer requests to another address.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ingest.fetch.client import PoliteClient
from ingest.fetch.errors import FetchError
from ingest.fetch.service import CURSOR, Service, check_page_size, check_window, parse_when, wire_date
from ingest.fetch.sources import get_service


@dataclass(frozen=True)
class Query:
    """A checked search: service, base URL, window, stages and page size."""

    service: Service
    base_url: str
    start: datetime
    end: datetime | None
    stages: tuple[str, ...] = ()
    page_size: int = 100

    @property
    def url(self) -> str:
        """The search endpoint."""
        return self.base_url + self.service.path

    def params(self, cursor: str | None = None) -> dict[str, str]:
        """Query parameters for one page."""
        params = {self.service.from_param: wire_date(self.start), "limit": str(self.page_size)}
        if self.end is not None:
            params[self.service.to_param] = wire_date(self.end)
        if self.stages:
            params["stages"] = ",".join(self.stages)
        if cursor:
            params["cursor"] = cursor
        return params

    def signature(self) -> str:
        """What identifies this search, so a resumed download can check it is the same one."""
        return f"{self.url}?{sorted(self.params().items())}"


def make_query(
    source: str,
    start: str,
    end: str | None = None,
    stages: Sequence[str] = (),
    page_size: int = 100,
    base_url: str | None = None,
) -> Query:
    """A Query from user input, every part checked; FetchOptionError names the first bad one."""
    service = get_service(source)
    begin, until = parse_when(start, "--from"), parse_when(end, "--to") if end else None
    check_window(begin, until)
    return Query(
        service, service.base_url(base_url), begin, until, service.check_stages(stages), check_page_size(page_size)
    )


@dataclass(frozen=True)
class Page:
    """The releases of one package and the cursor of the next page (None on the last)."""

    releases: list[Any]
    next_cursor: str | None

    @property
    def is_last(self) -> bool:
        """No cursor, or an empty page (which ends the walk even if a cursor came with it)."""
        return self.next_cursor is None or not self.releases


def pages(client: PoliteClient, query: Query, cursor: str | None = None) -> Iterator[Page]:
    """Yield pages from `cursor` (the first page if None) to the last."""
    while True:
        body = client.get_json(query.service, query.url, query.params(cursor))
        page = read_page(query.service, body)
        yield page
        if page.is_last:
            return
        if page.next_cursor == cursor:
            raise FetchError(f"{query.service.title} sent the same cursor twice; stopping rather than looping")
        cursor = page.next_cursor


def read_page(service: Service, body: Any) -> Page:
    """The releases and next cursor of a decoded release package; FetchError if it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("releases"), list):
        raise FetchError(f"{service.title} answered with something that is not an OCDS release package")
    links = body.get("links")
    link = links.get("next") if isinstance(links, dict) else None
    return Page(body["releases"], next_cursor(service, link) if link else None)


def next_cursor(service: Service, link: Any) -> str:
    """The cursor parameter of a `links.next` URL, checked against the documented pattern."""
    values = parse_qs(urlsplit(link).query).get("cursor", []) if isinstance(link, str) else []
    if len(values) != 1 or not CURSOR.fullmatch(values[0]):
        raise FetchError(f"{service.title} sent a links.next without a usable cursor: {str(link)[:200]!r}")
    return values[0]
