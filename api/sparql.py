"""The SPARQL 1.1 Protocol endpoint as a mountable router: read-only, bounded, content-negotiated.

GET ?query=..., POST application/x-www-form-urlencoded (query=...) and POST application/sparql-query
are answered; `update=` and application/sparql-update are refused, as are LOAD and SERVICE (see
kg.queries.check_query). Without a query the endpoint describes itself (SPARQL 1.1 Service
Description). A query runs in a worker process under the settings' time limit (503 past it) and row
cap; a cut result says so in the MissionKG-Truncated header.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.errors import ContentTooLarge, UnsupportedMediaType
from api.models import problem_responses
from api.results import negotiate
from api.workers import QueryPool
from kg.errors import QueryError, QueryRefused
from kg.queries import MAX_QUERY_CHARS, check_query
from kg.query_results import MEDIA_TYPES, RDF_FORMATS, Answer, answer
from kg.settings import Settings

TRUNCATED = "MissionKG-Truncated"
ROW_LIMIT = "MissionKG-Row-Limit"
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_EXAMPLE = "SELECT ?mission ?label WHERE { ?mission a mkg:Mission ; skos:prefLabel ?label }"
_DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")  # the protocol's; queries name graphs with FROM instead
_OK = {
    200: {
        "description": "Query results, or the service description when no query is given.",
        "content": {
            MEDIA_TYPES["json"]: {"example": {"head": {"vars": ["s"]}, "results": {"bindings": []}}},
            "application/json": {}, MEDIA_TYPES["xml"]: {}, "text/csv": {}, "text/tab-separated-values": {},
            "text/turtle": {}, "application/n-triples": {}, "application/ld+json": {}, "application/rdf+xml": {},
        },
    },
    **problem_responses(400, 406, 413, 415, 503),
}
_POST_BODY = {
    "requestBody": {
        "content": {
            "application/sparql-query": {"schema": {"type": "string"}, "example": _EXAMPLE},
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"query": {"type": "string"}, "update": {"type": "string"}}},
            },
        }
    }
}


def _service_description(endpoint: str) -> list[ox.Triple]:
    """What the endpoint offers, in the SPARQL 1.1 Service Description vocabulary."""
    service, sd = ox.NamedNode(endpoint), (lambda term: ox.NamedNode(_SD + term))
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
    ]
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(_FORMATS_NS + name)))
    return triples


def _reply(result: Answer, max_rows: int) -> Response:
    headers = {TRUNCATED: "true" if result.truncated else "false", ROW_LIMIT: str(max_rows), "Vary": "Accept"}
    return Response(result.body, media_type=result.media_type, headers=headers)


class SparqlEndpoint:
    """Answers protocol requests with the app's settings and query workers."""

    def __init__(self, settings: Settings, pool: QueryPool) -> None:
        self.settings = settings
        self.pool = pool

    def run(self, query: str, accept: str | None, fmt: str | None) -> Answer:
        """Check, negotiate, then run in a worker (blocking: call it off the event loop)."""
        form = check_query(query)
        key = negotiate(form, accept, fmt)
        timeout_s, max_rows = self.settings.query_timeout_s, self.settings.max_rows
        result: Answer = self.pool.call(answer, query, key, max_rows, timeout_s, timeout_s=timeout_s)
        return result

    def describe(self, endpoint: str, accept: str | None, fmt: str | None) -> Response:
        """The service description in a negotiated RDF format."""
        key = negotiate("DESCRIBE", accept, fmt)
        body = ox.serialize(_service_description(endpoint), format=RDF_FORMATS[key], prefixes={"sd": _SD}) or b""
        return Response(body, media_type=MEDIA_TYPES[key], headers={"Vary": "Accept"})

    async def handle(
        self, request: Request, query: str | None, update: str | None, fmt: str | None, accept: str | None, *, form_names_graphs: bool = False
    ) -> Response:
        """One protocol operation, whatever the HTTP form it came in."""
        if update is not None:
            check_query(update)  # names LOAD or the update's own keyword when it can
            raise QueryRefused("SPARQL Update is not allowed: this endpoint is read-only")
        if form_names_graphs or any(request.query_params.getlist(name) for name in _DATASET_PARAMETERS):
            raise QueryError("default-graph-uri and named-graph-uri are not supported: name graphs with FROM, FROM NAMED or GRAPH in the query")
        if query is None:
            return self.describe(str(request.url.replace(query="")).rstrip("?"), accept, fmt)
        result = await run_in_threadpool(self.run, query, accept, fmt)
        return _reply(result, self.settings.max_rows)


async def _read(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it is known to exceed `limit` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    too_large = ContentTooLarge(f"the request body is larger than {limit:,} bytes")
    if declared and declared.isdecimal() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def _body(request: Request) -> tuple[str | None, str | None, bool]:
    """(query, update, whether a form names graphs) from a POST body, by its content type."""
    raw = await _read(request, 4 * MAX_QUERY_CHARS)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError("the request body is not UTF-8") from exc
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-query":
        return text, None, False
    if content_type == "application/sparql-update":
        return None, text, False
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        if len(form.get("query", [])) > 1:
            raise QueryError("give one query parameter, not several")
        query, update = (form[key][0] if key in form else None for key in ("query", "update"))
        return query, update, any(form.get(name) for name in _DATASET_PARAMETERS)
    raise UnsupportedMediaType(
        f"POST a query as application/sparql-query or application/x-www-form-urlencoded, not {content_type or 'no content type'!r}"
    )


def sparql_router(settings: Settings, pool: QueryPool, path: str = "/sparql") -> APIRouter:
    """A router serving the SPARQL 1.1 Protocol at `path`, to compose into any FastAPI app."""
    endpoint = SparqlEndpoint(settings, pool)
    router = APIRouter(tags=["sparql"])
    description = (
        "SPARQL 1.1 Protocol, read-only. The default graph is the union of all graphs; the mkg:, skos:, dcterms:, "
        f"prov: ... prefixes are predeclared. Example:\n\n```\n{_EXAMPLE}\n```\n\nSELECT/ASK as SPARQL JSON, XML, CSV or TSV; "
        "CONSTRUCT/DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML, by Accept or `format`. Updates, LOAD and SERVICE are "
        f"refused (400). Results beyond the row cap are cut ({TRUNCATED}: true); a query past the time limit gets 503."
    )

    @router.get(path, summary="SPARQL query (GET)", description=description, responses=_OK, response_class=Response)
    async def sparql_get(
        request: Request,
        query: Annotated[str | None, Query(description="The SPARQL query; without it, the service description.", examples=[_EXAMPLE])] = None,
        fmt: Annotated[str | None, Query(alias="format", description="json, xml, csv, tsv, turtle, ntriples or jsonld; overrides Accept.")] = None,
        accept: Annotated[str | None, Header(description="Media types for content negotiation.")] = None,
    ) -> Response:
        if len(request.query_params.getlist("query")) > 1:
            raise QueryError("give one query parameter, not several")
        return await endpoint.handle(request, query, request.query_params.get("update"), fmt, accept)

    @router.post(path, summary="SPARQL query (POST)", description=description, responses=_OK, response_class=Response, openapi_extra=_POST_BODY)
    async def sparql_post(
        request: Request,
        fmt: Annotated[str | None, Query(alias="format", description="json, xml, csv, tsv, turtle, ntriples or jsonld; overrides Accept.")] = None,
        accept: Annotated[str | None, Header(description="Media types for content negotiation.")] = None,
    ) -> Response:
        query, update, names_graphs = await _body(request)
        return await endpoint.handle(request, query, update, fmt, accept, form_names_graphs=names_graphs)

    return router
