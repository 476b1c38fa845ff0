"""A polite HTTP client: one request at a time, a User-Agent naming missionkg, timeouts, and retries
with exponential backoff on timeouts, connection errors, 429/5xx and cut-off JSON, honouring Retry-After.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx
import orjson

from ingest.fetch.errors import FetchError, FetchOptionError
from ingest.fetch.service import Service

USER_AGENT = "missionkg/0.1 (+https://w3id.org/missionkg; OCDS fetcher)"
Notify = Callable[[str], None]


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for a response, how often to retry, and how far apart requests go."""

    attempts: int = 6
    backoff_s: float = 2.0
    max_wait_s: float = 600.0
    timeout_s: float = 60.0
    interval_s: float = 1.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise FetchOptionError(f"MISSIONKG_FETCH_ATTEMPTS={self.attempts}: at least one attempt is needed")

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, overridden by MISSIONKG_FETCH_ATTEMPTS, _BACKOFF, _MAX_WAIT, _TIMEOUT and _INTERVAL (seconds)."""
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            var = f"MISSIONKG_FETCH_{name.upper().removesuffix('_S')}"
            if text := os.environ.get(var):
                try:
                    values[name] = int(text) if name == "attempts" else float(text)
                except ValueError:
                    raise FetchOptionError(f"{var}={text!r} is not a number") from None
        return cls(**values)


class _Retryable(Exception):
    """A failed attempt that a later one may fix; `wait` is what the server asked for, if anything."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.wait = reason, wait


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdecimal():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteClient:
    """Sequential GETs of JSON with retries; raises FetchError once the retry budget is spent."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        notify: Notify | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy.from_env()
        self._sleep = sleep
        self._notify = notify or (lambda message: None)
        self._last = float("-inf")
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=self.policy.timeout_s,
            follow_redirects=True,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def get_json(self, service: Service, url: str, params: Mapping[str, str]) -> Any:
        """The decoded JSON body of GET url?params, retrying what a later attempt may fix."""
        for attempt in range(1, self.policy.attempts + 1):
            self._space_out()
            try:
                return self._attempt(service, url, params)
            except _Retryable as exc:
                failure = exc
            if attempt == self.policy.attempts:
                break
            delay = max(failure.wait or 0.0, self.policy.backoff_s * 2 ** (attempt - 1))
            if delay > self.policy.max_wait_s:
                raise FetchError(
                    f"{service.title} asks missionkg to wait {delay:.0f} s ({failure.reason}); try again later"
                )
            self._notify(
                f"{service.title}: {failure.reason}; retry {attempt}/{self.policy.attempts - 1} in {delay:.1f} s"
            )
            self._sleep(delay)
        raise FetchError(
            f"{service.title} failed {self.policy.attempts} times at {url} (last: {failure.reason}); the service "
            "may be down or limiting requests: rerun later and the download resumes where it stopped"
        )

    def _attempt(self, service: Service, url: str, params: Mapping[str, str]) -> Any:
        """One request's decoded body; raises _Retryable for faults worth retrying, FetchError for the rest."""
        try:
            response = self._http.get(url, params=dict(params))
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within {self.policy.timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        status = response.status_code
        if status == 200:
            try:
                return orjson.loads(response.content)
            except orjson.JSONDecodeError:
                raise _Retryable("cut-off or invalid JSON") from None
        asked = retry_after(response.headers.get("Retry-After"))
        if status in service.rate_limited or status == 429:
            raise _Retryable(f"HTTP {status}, rate limited", max(asked or 0.0, service.rate_limited.get(status, 0.0)))
        if status >= 500:
            raise _Retryable(f"HTTP {status}", asked)
        body = response.text[:200].strip()
        raise FetchError(f"{service.title} refused {response.url} with HTTP {status}: {body!r}; check the options")

    def _space_out(self) -> None:
        """Keep at least `interval_s` between the starts of two requests."""
        gap = self._last + self.policy.interval_s - time.monotonic()
        if gap > 0:
            self._sleep(gap)
        self._last = time.monotonic()
