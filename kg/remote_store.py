"""A GraphStore over any SPARQL 1.1 server: Query and Update protocols plus the Graph Store Protocol."""

from __future__ import annotations

import io
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError, QueryTimeout, StoreError
from kg.store import GRAPH_FORMATS, RESULT_FORMATS, Rows, collect_rows, with_prefixes


def _endpoints(query_url: str) -> tuple[str, str]:
    """Update and Graph Store endpoints: from MISSIONKG_STORE_UPDATE_URL / _GSP_URL, else Oxigraph's layout."""
    base = query_url[: -len("/query")] if query_url.endswith("/query") else None
    update = os.environ.get("MISSIONKG_STORE_UPDATE_URL") or (f"{base}/update" if base else query_url)
    gsp = os.environ.get("MISSIONKG_STORE_GSP_URL") or (f"{base}/store" if base else query_url)
    return update, gsp


class RemoteStore:
    """A SPARQL 1.1 server chosen by one URL (its query endpoint)."""

    def __init__(self, query_url: str, *, timeout_s: float = 30.0) -> None:
        import httpx

        if not query_url.startswith(("http://", "https://")):
            raise StoreError(f"store URL must be http(s): {query_url!r}")
        self.query_url = query_url
        self.update_url, self.gsp_url = _endpoints(query_url)
        self._client = httpx.Client(timeout=timeout_s, headers={"User-Agent": "missionkg"})
        self._timeout_s = timeout_s

    def _post(self, url: str, content: bytes, content_type: str, accept: str | None = None, params: dict | None = None) -> bytes:
        import httpx

        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        try:
            response = self._client.post(url, content=content, headers=headers, params=params)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"{url} did not answer within {self._timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(f"the SPARQL server refused the request: {response.text[:300]}")
        if response.status_code >= 300:
            raise StoreError(f"{url} answered {response.status_code}: {response.text[:300]}")
        return response.content

    def _query(self, query: str, accept: str) -> bytes:
        return self._post(self.query_url, with_prefixes(query).encode(), "application/sparql-query", accept)

    def update(self, update: str) -> None:
        """Run a SPARQL Update on the server."""
        self._post(self.update_url, with_prefixes(update).encode(), "application/sparql-update")

    def add_quads(self, quads: Iterable[ox.Quad], *, bulk: bool = False) -> None:
        """POST the quads of each graph to the Graph Store Protocol endpoint (bulk makes no difference here)."""
        by_graph: dict[ox.NamedNode | ox.DefaultGraph, list[ox.Triple]] = defaultdict(list)
        for quad in quads:
            by_graph[quad.graph_name].append(quad.triple)
        for graph, triples in by_graph.items():
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            params = {"default": ""} if isinstance(graph, ox.DefaultGraph) else {"graph": graph.value}
            self._post(self.gsp_url, body, "application/n-triples", params=params)

    def load_rdf(self, document: str | None = None, *, path: Path | None = None, format: ox.RdfFormat) -> None:
        """Add an RDF document or file that missionkg wrote itself: its quads go through ``add_quads``."""
        quads = ox.parse(path=path, format=format) if path is not None else ox.parse(document, format=format)
        self.add_quads(quads, bulk=True)

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> None:
        """Replace one named graph: drop it, then add the new quads."""
        self.drop_graphs([graph])
        self.add_quads(quads)

    def drop_graphs(self, graphs: Iterable[ox.NamedNode]) -> None:
        """DROP SILENT each graph."""
        statements = [f"DROP SILENT GRAPH <{g.value}>" for g in graphs]
        if statements:
            self.update(" ;\n".join(statements))

    def select(self, query: str, *, max_rows: int | None = None, timeout_s: float | None = None) -> Rows:
        """Run a SELECT on the server and cap its rows."""
        started = time.monotonic()
        body = self._query(query, "application/sparql-results+json")
        solutions = ox.parse_query_results(io.BytesIO(body), format=ox.QueryResultsFormat.JSON)
        return collect_rows(solutions, max_rows, started, timeout_s)

    def ask(self, query: str) -> bool:
        """Run an ASK on the server."""
        body = self._query(query, "application/sparql-results+json")
        return bool(ox.parse_query_results(io.BytesIO(body), format=ox.QueryResultsFormat.JSON))

    def query_serialized(self, query: str, fmt: str) -> tuple[bytes, str]:
        """Run any query and return the server's answer in the asked format."""
        media = (RESULT_FORMATS.get(fmt) or GRAPH_FORMATS.get(fmt) or ox.QueryResultsFormat.JSON).media_type
        return self._query(query, media), media

    def count_quads(self) -> int:
        """Quads in the named graphs, where missionkg keeps everything."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows.rows[0]["n"]) if rows.rows else 0

    def flush(self) -> None:
        """Nothing to flush: every write was one HTTP request."""

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
