"""`missionkg build`: read inputs → stage releases → compile and map dirty processes → load the store."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

import orjson

from ingest.countries import known_countries
from ingest.errors import NothingUsable
from ingest.mapping import mapping_version
from ingest.pipeline import write_dirty
from ingest.quarantine import Quarantine
from ingest.readers import STDIN, Rejected, read_releases
from ingest.stages import run_stages
from ingest.staging import Staging
from ingest.validate import release_problem
from kg.errors import InputError
from kg.namespaces import GRAPH_MISSIONS
from kg.settings import Settings
from kg.store import GraphStore, open_store
from kg.vocab import load_vocabularies

STAGE_BATCH = 5_000
FAILURE_EXAMPLES = 20
RAW_MAX = 2_000  # characters of a rejected record kept in the quarantine file, as the readers keep

Progress = Callable[[str, int, int | None], None]


@dataclass
class BuildSummary:
    """What a build read, loaded, rejected and wrote: read = loaded + quarantined + skipped, always."""

    releases_read: int = 0
    releases_loaded: int = 0
    releases_quarantined: int = 0
    releases_skipped: int = 0
    releases_duplicate: int = 0
    release_conflicts: int = 0
    processes: int = 0
    processes_mapped: int = 0
    processes_failed: int = 0
    processes_remapped: int = 0  # written before by other mapping code (an upgrade), so mapped again
    failure_examples: dict[str, str] = field(default_factory=dict)  # OCID -> why it could not be mapped (first 20)
    organisations: int = 0
    triples: int = 0
    seconds: float = 0.0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    quarantine_file: str = ""
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return asdict(self)


def _stage(
    inputs: Sequence[str], staging: Staging, quarantine: Quarantine, summary: BuildSummary,
    country: str | None, root_path: str | None, progress: Progress,
) -> set[str]:
    """Read every input record into the staging store or the quarantine; returns the sources read."""
    from ingest.countries import country_code

    sources: set[str] = set()
    for item in read_releases(inputs, root_path=root_path):
        summary.releases_read += 1
        where = item.where
        sources.add(where.source)
        if isinstance(item, Rejected):
            quarantine.reject(where.source, where.line, where.pointer, item.reason, item.detail, item.raw)
            summary.releases_quarantined += 1
        elif (problem := release_problem(item.release)) is not None:
            try:  # the record itself, so that nothing rejected is lost
                raw: str | None = orjson.dumps(item.release).decode()[:RAW_MAX]
            except TypeError:  # nested deeper than a serialiser follows: its source line and pointer say where it is
                raw = None
            quarantine.reject(where.source, where.line, where.pointer, *problem, raw)
            summary.releases_quarantined += 1
        elif country and _buyer_country(item.release, country_code) not in (None, country):
            summary.releases_skipped += 1
        else:
            staging.add(item.release, where.source, where.line, where.pointer, linked=item.linked)
            summary.releases_loaded += 1
        if summary.releases_read % STAGE_BATCH == 0:
            summary.releases_duplicate += staging.commit()
            progress("read", summary.releases_read, None)
    summary.releases_duplicate += staging.commit()
    progress("read", summary.releases_read, None)
    return sources


def _buyer_country(release: dict[str, Any], country_code: Callable[[Any], str | None]) -> str | None:
    """The buyer's country code; None when no country is stated, "?" when one is stated but not recognised
    (a named country that is not on the list is not the one `--country` asks for)."""
    from ingest.countries import country_stated

    buyer = release.get("buyer") if isinstance(release.get("buyer"), dict) else {}
    parties = [p for p in release.get("parties") or [] if isinstance(p, dict)]
    match = next((p for p in parties if p.get("id") == buyer.get("id") or "buyer" in (p.get("roles") or [])), None)
    address = (match or buyer).get("address")
    code = country_code(address)
    return "?" if code is None and country_stated(address) else code


def _write(store: GraphStore, staging: Staging, summary: BuildSummary, progress: Progress) -> list[str]:
    """Map every dirty process and write its graph (ingest.pipeline); returns their OCIDs."""
    total = len(staging.dirty())

    def done(count: int) -> None:
        summary.processes_mapped += count
        progress("map", summary.processes_mapped, total)

    changed, failures = write_dirty(store, staging, done)
    summary.processes_failed = len(failures)
    summary.failure_examples = dict(islice(failures.items(), FAILURE_EXAMPLES))
    return changed


def build(
    settings: Settings, inputs: Sequence[str], *, country: str | None = None, root_path: str | None = None,
    progress: Progress | None = None, skip_stages: frozenset[str] = frozenset(),
) -> BuildSummary:
    """Ingest OCDS inputs into the graph under the settings' data directory and report what happened."""
    if not inputs:
        raise InputError("no input given: pass OCDS files or directories, or - for standard input")
    if country and country.upper() not in known_countries():
        raise InputError(f"--country {country!r} is not one addresses are recognised as: use one of {', '.join(known_countries())}")
    started = time.monotonic()
    report = progress or (lambda stage, done, total: None)
    summary = BuildSummary(quarantine_file=str(settings.quarantine_path))
    store = open_store(settings)
    if not store.ask(f"ASK {{ GRAPH <{GRAPH_MISSIONS.value}> {{ ?s ?p ?o }} }}"):
        load_vocabularies(store)
    staging = Staging(settings.releases_db)
    quarantine = Quarantine(settings.quarantine_path)
    try:
        sources = _stage(inputs, staging, quarantine, summary, country.upper() if country else None, root_path, report)
        quarantine.write(sources - {STDIN})  # each piped stream is new input: its rejections add to earlier ones
        summary.quarantine_reasons = quarantine.reasons()
        if summary.releases_read == 0 and root_path:  # an empty package is no mistake; a prefix that finds nothing is
            raise NothingUsable(f"no records read from {', '.join(inputs)}: --root-path {root_path!r} matched nothing", summary)
        if summary.releases_read == summary.releases_quarantined and summary.releases_read > 0 and summary.releases_loaded == 0 and summary.releases_skipped == 0:
            raise NothingUsable(f"nothing readable in {', '.join(inputs)}: every record was quarantined (see {settings.quarantine_path})", summary)
        summary.processes_remapped = staging.remap_if_changed(mapping_version())
        changed = _write(store, staging, summary, report)
        summary.stages = run_stages(settings, store, changed, report, skip=skip_stages)
        summary.processes = staging.count_processes()
        summary.release_conflicts = staging.conflicts()
        summary.organisations = int(store.select("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a mkg:Organisation }").rows[0]["n"])
        summary.triples = store.count_quads()
    finally:
        staging.close()
        store.close()
    summary.seconds = round(time.monotonic() - started, 3)
    return summary
