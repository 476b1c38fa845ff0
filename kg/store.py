"""One interface over the embedded Oxigraph store and any SPARQL 1.1 server reached by URL."""

from __future__ import annotations

import os
import re
import socket
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from kg.errors import QueryError, QueryTimeout, StoreError, StoreLockedError
from kg.namespaces import PREFIXES
from kg.settings import Settings
from kg.sparql_text import blank_opaque, syntax_views

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer": int,
    "http://www.w3.org/2001/XMLSchema#long": int,
    "http://www.w3.org/2001/XMLSchema#int": int,
    "http://www.w3.org/2001/XMLSchema#decimal": float,
    "http://www.w3.org/2001/XMLSchema#double": float,
    "http://www.w3.org/2001/XMLSchema#float": float,
}
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def to_python(term: Any) -> Any:
    """A plain Python value for an RDF term: IRI and string as str, numbers and booleans typed."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        cast = _NUMERIC.get(datatype)
        if cast is not None:
            try:
                return cast(term.value)
            except ValueError:
                return term.value
        if datatype == _BOOLEAN:
            return term.value in ("true", "1")
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


@dataclass
class Rows:
    """A bounded SELECT result: variable names, rows of Python values, and whether the cap cut it."""

    variables: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def column(self, name: str) -> list[Any]:
        """All values of one variable, in row order."""
        return [row.get(name) for row in self.rows]


def collect_rows(solutions: Any, max_rows: int | None, started: float, timeout_s: float | None) -> Rows:
    """Python rows of SELECT solutions, stopping at `max_rows` (truncated) or past the time budget."""
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError("expected a SELECT query")
    variables = [v.value for v in solutions.variables]
    result = Rows(variables)
    for solution in solutions:
        if max_rows is not None and len(result.rows) >= max_rows:
            result.truncated = True
            break
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise QueryTimeout(f"query exceeded its time budget of {timeout_s:g} s")
        result.rows.append({name: to_python(solution[name]) for name in variables})
    return result


class GraphStore(Protocol):
    """What the rest of missionkg needs from a quad store."""

    def add_quads(self, quads: Iterable[ox.Quad], *, bulk: bool = False) -> None: ...
    def load_rdf(self, document: str | None = None, *, path: Path | None = None, format: ox.RdfFormat) -> None: ...
    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None: ...
    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None: ...
    def update(self, update: str) -> None: ...
    def select(self, query: str, *, max_rows: int | None = None, timeout_s: float | None = None) -> Rows: ...
    def ask(self, query: str) -> bool: ...
    def query_serialized(self, query: str, fmt: str) -> tuple[bytes, str]: ...
    def count_quads(self) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


# A keyword is not part of a variable, prefixed name (ex:date-from, ex:valid.from), blank node or language tag.
_FROM = re.compile(r"(?<![\w:?$@\\.-])FROM(?![\w:-])", re.IGNORECASE)
_PREFIX_DECLARATION = re.compile(r"(?<![\w:?$@\\.-])PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


def declares_dataset(query: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED), which the union default graph would override."""
    # Every internal query passes here, many with thousands of IRIs: lexing is for texts that may hold one.
    maybe = "\\" in query or "from" in query.lower()  # without either, no FROM can hide in the text (escaped or not)
    return maybe and any(_FROM.search(view) for view in syntax_views(query))


def with_prefixes(query: str) -> str:
    """The query with the project prefixes it does not declare itself, for SPARQL servers reached by URL."""
    declared = {name or "" for name in _PREFIX_DECLARATION.findall(blank_opaque(query))}
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return header + query


def run_embedded(store: ox.Store, query: str) -> Any:
    """Run a query on the embedded store: project prefixes predeclared, and the default graph the union of all
    graphs unless the query names its dataset with FROM."""
    return store.query(query, prefixes=PREFIXES, use_default_graph_as_union=not declares_dataset(query))


class OxigraphStore:
    """The embedded default: Oxigraph on disk, queried with the default graph as the union of all graphs."""

    def __init__(self, path: Path | str | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise _no_store(self.path)
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
                _writer_file(self.path).write_text(_writer())
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreLockedError(
                    f"the store at {self.path} is open for writing by another missionkg process; "
                    "wait for it to finish (readers such as `serve` and `sparql` open it read-only)"
                ) from exc
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph Store, for bulk work and notebooks."""
        return self._store

    def add_quads(self, quads: Iterable[ox.Quad], *, bulk: bool = False) -> None:
        """Add quads; `bulk` skips transactions for speed (callers make reruns idempotent)."""
        if bulk:
            self._store.bulk_extend(quads)
        else:
            self._store.extend(quads)

    def load_rdf(self, document: str | None = None, *, path: Path | None = None, format: ox.RdfFormat) -> None:
        """Bulk-add an RDF document or file that missionkg wrote itself, through Oxigraph's bulk loader.

        Lenient: every IRI in it was minted from percent-encoded parts or read from the store, and every literal
        escaped (the writers' tests parse their output strictly), so re-validating would cost a tenth of the load.
        """
        if path is not None:
            self._store.bulk_load(path=path, format=format, lenient=True)
        else:
            self._store.bulk_load(document, format=format, lenient=True)

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
        """Replace the whole content of one named graph."""
        self.drop_graphs([graph])
        self._store.extend(quads)

    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """Remove named graphs and their quads; graphs that do not exist are ignored."""
        for graph in graphs:
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)

    def update(self, update: str) -> None:
        """Run a SPARQL Update (library use only: the endpoint never accepts updates)."""
        try:
            self._store.update(update, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL update: {exc}") from exc

    def _run(self, query: str) -> Any:
        try:
            return run_embedded(self._store, query)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def select(self, query: str, *, max_rows: int | None = None, timeout_s: float | None = None) -> Rows:
        """Run a SELECT; stop at `max_rows` (fetching one more to flag truncation) or past `timeout_s`."""
        started = time.monotonic()
        return collect_rows(self._run(query), max_rows, started, timeout_s)

    def ask(self, query: str) -> bool:
        """Run an ASK query."""
        return bool(self._run(query))

    def query_serialized(self, query: str, fmt: str) -> tuple[bytes, str]:
        """Run any query and serialise its result: SELECT/ASK in json|xml|csv|tsv, graphs in turtle|ntriples|jsonld."""
        result = self._run(query)
        if isinstance(result, ox.QueryTriples):
            rdf_format = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
            return result.serialize(format=rdf_format), rdf_format.media_type
        results_format = RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.JSON)
        return result.serialize(format=results_format), results_format.media_type

    def triples(self, query: str) -> Iterator[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE and stream its triples."""
        result = self._run(query)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        return iter(result)

    def count_quads(self) -> int:
        """Number of quads in every graph."""
        return len(self._store)

    def named_graphs(self) -> list[ox.NamedNode]:
        """Every named graph in the store."""
        return [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def rdflib_dataset(self) -> Any:
        """An rdflib Dataset over this same store (oxrdflib), for notebook users who know rdflib."""
        from oxrdflib import OxigraphStore as RdflibOxigraph
        from rdflib import Dataset

        dataset = Dataset(store=RdflibOxigraph(store=self._store), default_union=True)
        for prefix, iri in PREFIXES.items():
            dataset.bind(prefix, iri)
        return dataset

    def flush(self) -> None:
        """Write buffered data to disk."""
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        """Flush and release the store (and, for a writer, say it is done)."""
        self.flush()
        del self._store
        if self.path is not None and not self.read_only:
            marker = _writer_file(self.path)
            if marker.is_file() and marker.read_text() == _writer():
                marker.unlink(missing_ok=True)


def _writer() -> str:
    """How this process names itself as a store's writer: host and process id."""
    return f"{socket.gethostname()} {os.getpid()}\n"


def _writer_file(path: Path) -> Path:
    """The file beside a store in which the process writing it names itself, while it writes."""
    return path.with_name(path.name + ".writer")


def writer_active(path: Path) -> bool:
    """Whether the store at `path` is open for writing right now.

    Another process holds the store's lock file while it has it open (the kernel drops the lock with the process,
    however it ends; asked on Linux only); this process's own writer, whose lock it cannot see, names itself in a
    file beside the store.
    """
    try:
        if _writer_file(path).read_text() == _writer():
            return True
    except OSError:
        pass
    return sys.platform.startswith("linux") and _write_locked(path / "LOCK")


def _write_locked(lock: Path) -> bool:
    """Whether another process holds a lock on `lock`, asked of the kernel (F_GETLK) without taking one.

    Never called for a store this process writes: closing any descriptor of a lock file drops the caller's own locks.
    """
    import fcntl
    import struct

    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)  # struct flock: type, whence, start, len, pid
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
        return struct.unpack("hhqqi", answer)[0] != fcntl.F_UNLCK
    except OSError:
        return False
    finally:
        os.close(fd)


def _no_store(path: Path) -> StoreError:
    return StoreError(f"no graph store at {path}: run `missionkg build` or `missionkg vocab load` first")


def require_store(settings: Settings) -> None:
    """StoreError with the fix when the settings name an embedded store that does not exist (nothing is opened)."""
    if not settings.store_url and not settings.store_dir.exists():
        raise _no_store(settings.store_dir)


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    """Open the store the settings name: a SPARQL server by URL, else the embedded one under the data dir."""
    if settings.store_url:
        from kg.remote_store import RemoteStore

        return RemoteStore(settings.store_url, timeout_s=settings.query_timeout_s)
    return OxigraphStore(settings.store_dir, read_only=read_only)
