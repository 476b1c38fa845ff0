"""User SPARQL under guard and bounds, and the named analyst queries shipped in ontology/queries/*.rq.

Every query a caller writes goes through `check_query` before it runs: the endpoint is read-only and
must never make a request of its own, so updates (INSERT, LOAD, ...) and federated `SERVICE` clauses
are refused. The check is lexical and conservative: strings, IRIs and comments are blanked out and a
bare `SERVICE` keyword anywhere else refuses the query, so no parser disagreement can let one through.

>>> check_query("SELECT * WHERE { ?s ?p ?o }")
'SELECT'
>>> check_query('ASK { ?s rdfs:label "SERVICE" }')  # inside a string: harmless
'ASK'
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import ontology
from kg.errors import InvalidParameter, NotFound, QueryError, QueryRefused, QueryTimeout
from kg.namespaces import MISSION_IDS, mission_iri
from kg.sparql_text import syntax_views
from kg.store import GraphStore, OxigraphStore, Rows, run_embedded, to_python

MAX_QUERY_CHARS = 100_000
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}

# A keyword is not part of a variable (?x, $x), prefixed name (ex:x, x:), blank node label or language tag.
_SERVICE = re.compile(r"(?<![\w:?$@\\])SERVICE(?![\w:])", re.IGNORECASE)
_PROLOGUE = re.compile(r"\s*(?:(?:BASE\s*<>|PREFIX\s*[^\s:]*:\s*<>)\s*)*([A-Za-z]*)", re.IGNORECASE)


def check_query(text: str) -> str:
    """The form (SELECT, ASK, CONSTRUCT, DESCRIBE) of a query allowed to run; QueryRefused or QueryError otherwise."""
    if not text.strip():
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    views = syntax_views(text)
    if any(_SERVICE.search(view) for view in views):
        raise QueryRefused("SERVICE (federated query) is not allowed: this endpoint never sends requests to other servers")
    found = _PROLOGUE.match(views[0])
    keyword = found.group(1).upper() if found else ""
    if keyword == "LOAD":
        raise QueryRefused("LOAD is not allowed: this endpoint is read-only and never fetches URLs")
    if keyword in _UPDATES:
        raise QueryRefused(f"SPARQL Update ({keyword}) is not allowed: this endpoint is read-only")
    if keyword not in FORMS:
        raise QueryError(f"expected a SELECT, ASK, CONSTRUCT or DESCRIBE query, found {keyword or 'nothing'!r} after the prologue")
    return keyword


@dataclass
class Bounded:
    """The result of one guarded query, cut at the row cap: solutions, a boolean or triples, as RDF terms."""

    form: str
    variables: list[str] = field(default_factory=list)
    solutions: list[list[Any]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False


def _raw_results(store: GraphStore, query: str, form: str) -> Any:
    """pyoxigraph results for the query, from the embedded store directly or parsed from a SPARQL server's answer."""
    if isinstance(store, OxigraphStore):
        try:
            return run_embedded(store.raw, query)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL: {exc}") from exc
    if form in ("CONSTRUCT", "DESCRIBE"):
        body, _ = store.query_serialized(query, "ntriples")
        return ox.parse(io.BytesIO(body), format=ox.RdfFormat.N_TRIPLES)
    body, _ = store.query_serialized(query, "json")
    return ox.parse_query_results(io.BytesIO(body), format=ox.QueryResultsFormat.JSON)


def _bounded_iter(items: Iterator[Any], max_rows: int, deadline: float, timeout_s: float) -> tuple[list[Any], bool]:
    taken: list[Any] = []
    for item in items:
        if len(taken) >= max_rows:
            return taken, True
        if time.monotonic() > deadline:
            raise QueryTimeout(f"the query ran past its time budget of {timeout_s:g} s; narrow it or add a LIMIT")
        taken.append(item)
    return taken, False


def run_bounded(store: GraphStore, query: str, *, max_rows: int, timeout_s: float) -> Bounded:
    """Check and run any read query, keeping at most `max_rows` solutions or triples within `timeout_s`."""
    form = check_query(query)
    deadline = time.monotonic() + timeout_s
    try:
        results = _raw_results(store, query, form)
        if time.monotonic() > deadline:
            raise QueryTimeout(f"the query ran past its time budget of {timeout_s:g} s; narrow it or add a LIMIT")
        if isinstance(results, ox.QueryBoolean):
            return Bounded(form, boolean=bool(results))
        if isinstance(results, ox.QuerySolutions):
            variables = [v.value for v in results.variables]
            rows, truncated = _bounded_iter(iter(results), max_rows, deadline, timeout_s)
            return Bounded(form, variables, [[s[v] for v in variables] for s in rows], truncated=truncated)
        triples, truncated = _bounded_iter(iter(results), max_rows, deadline, timeout_s)
        return Bounded(form, triples=[t.triple if isinstance(t, ox.Quad) else t for t in triples], truncated=truncated)
    except OSError as exc:
        raise QueryError(f"the query failed: {exc}") from exc


# Named analyst queries ------------------------------------------------------------------------------

PARAMETER_KINDS = ("mission", "integer", "string")
_PARAM_LINE = re.compile(r"^#\s*@param\s+(\w+)\s+(\w+)\s+(required|optional)\s+(.*)$")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query: bound into the query's `VALUES ?name { UNDEF }` placeholder."""

    name: str
    kind: str
    required: bool
    description: str

    def term(self, raw: str) -> str:
        """The parameter value as a SPARQL term, or InvalidParameter naming what is allowed."""
        value = raw.strip()
        if self.kind == "mission":
            if value not in MISSION_IDS:
                raise InvalidParameter(f"parameter {self.name!r} must be one of {', '.join(MISSION_IDS)}; got {raw!r}", self.name)
            return str(mission_iri(value))
        if self.kind == "integer":
            if not re.fullmatch(r"-?\d{1,9}", value):
                raise InvalidParameter(f"parameter {self.name!r} must be an integer; got {raw!r}", self.name)
            return str(ox.Literal(str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
        return str(ox.Literal(value))  # serialising through pyoxigraph escapes quotes: no text is injected


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (file stem), title, description, parameters and SPARQL text."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str

    def bind(self, values: Mapping[str, str]) -> str:
        """The query text with each given parameter's placeholder replaced by its value."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            allowed = ", ".join(known) or "no parameters"
            raise InvalidParameter(f"unknown parameter {unknown[0]!r} for query {self.name!r}: it takes {allowed}", unknown[0])
        text = self.text
        for param in self.parameters:
            raw = values.get(param.name)
            if raw is None or raw == "":
                if param.required:
                    raise InvalidParameter(f"query {self.name!r} needs parameter {param.name!r}: {param.description}", param.name)
                continue
            binding = f"VALUES ?{param.name} {{ {param.term(raw)} }}"
            text = _placeholder(param.name).sub(lambda _match, b=binding: b, text, count=1)  # a function: no escapes read
        return text


def _placeholder(name: str) -> re.Pattern[str]:
    return re.compile(rf"VALUES\s+\?{name}\s*\{{\s*UNDEF\s*\}}")


def parse_named_query(path: Path) -> NamedQuery:
    """Read a .rq file: a `#` comment header (title, description, `@param name kind required|optional text`), then SPARQL."""
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    prose = [line.lstrip("#").strip() for line in header if not _PARAM_LINE.match(line)]
    params = []
    for line in header:
        found = _PARAM_LINE.match(line)
        if found:
            name, kind, need, description = found.groups()
            if kind not in PARAMETER_KINDS:
                raise QueryError(f"{path.name}: parameter {name!r} has unknown kind {kind!r} (use {', '.join(PARAMETER_KINDS)})")
            if len(_placeholder(name).findall(text)) != 1:
                raise QueryError(f"{path.name}: parameter {name!r} needs exactly one `VALUES ?{name} {{ UNDEF }}` placeholder")
            params.append(Parameter(name, kind, need == "required", description.strip()))
    if not prose or not prose[0]:
        raise QueryError(f"{path.name}: the first line must be a `# Title` comment")
    description = " ".join(line for line in prose[1:] if line).strip()
    return NamedQuery(path.stem.replace("_", "-"), prose[0], description, tuple(params), text)


@cache
def _catalogue(directory: Path) -> dict[str, NamedQuery]:
    return {q.name: q for q in map(parse_named_query, sorted(directory.glob("*.rq")))}


def named_queries(directory: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query shipped in ontology/queries (or another directory), by name."""
    return _catalogue(directory or ontology.queries_dir())


def named_query(name: str, directory: Path | None = None) -> NamedQuery:
    """One named query, or NotFound listing the names there are."""
    queries = named_queries(directory)
    if name not in queries:
        raise NotFound(f"no named query {name!r}; there are: {', '.join(queries)}")
    return queries[name]


def run_named(store: GraphStore, name: str, params: Mapping[str, str], max_rows: int, timeout_s: float) -> Rows:
    """Run a named query with its parameters bound, as rows of plain Python values."""
    bounded = run_bounded(store, named_query(name).bind(params), max_rows=max_rows, timeout_s=timeout_s)
    rows = [{v: to_python(t) for v, t in zip(bounded.variables, solution)} for solution in bounded.solutions]
    return Rows(bounded.variables, rows, bounded.truncated)
