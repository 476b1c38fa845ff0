"""Content negotiation of SPARQL results: the format key (kg.query_results.MEDIA_TYPES) for a query form from an
explicit `format` name or the Accept header."""

from __future__ import annotations

from api.errors import NotAcceptable
from kg.query_results import GRAPH_FORMATS_OF_RESULTS, MEDIA_TYPES

_RESULT_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json", "text/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "application/sparql-results+csv": "csv",
    "text/tab-separated-values": "tsv", "application/sparql-results+tsv": "tsv",
    "*/*": "json", "application/*": "json", "text/*": "csv",
}
# JSON and XML asked of a graph mean JSON-LD and RDF/XML, as most SPARQL clients expect.
_GRAPH_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples", "text/plain": "ntriples",
    "application/ld+json": "jsonld", "application/json": "jsonld", "application/rdf+xml": "rdfxml", "application/xml": "rdfxml",
    "text/xml": "rdfxml", "*/*": "turtle", "text/*": "turtle", "application/*": "ntriples",
}
_FORMAT_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                 "ntriples": "ntriples", "nt": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld", "rdfxml": "rdfxml"}


def accepted(header: str | None) -> list[str]:
    """Media types of an Accept header, most preferred first (q=0 dropped, ties in the order written)."""
    ranked = []
    for index, part in enumerate((header or "*/*").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, index, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def negotiate(form: str, accept: str | None, fmt: str | None = None) -> str:
    """The format key for a query form, from an explicit `format` name or else the Accept header."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    if fmt:
        key = _FORMAT_NAMES.get(fmt.strip().lower())
        if key is None:
            raise NotAcceptable(f"unknown format {fmt!r}; use one of {', '.join(sorted(set(_FORMAT_NAMES.values())))}")
        if graph:
            return GRAPH_FORMATS_OF_RESULTS.get(key, key)
        if key not in GRAPH_FORMATS_OF_RESULTS:
            raise NotAcceptable(f"a {form} result cannot be given as {fmt!r}; use json, xml, csv or tsv")
        return key
    table = _GRAPH_TYPES if graph else _RESULT_TYPES
    for media in accepted(accept):
        if media in table:
            return table[media]
    offered = ", ".join(MEDIA_TYPES[k] for k in (("turtle", "ntriples", "jsonld", "rdfxml") if graph else ("json", "xml", "csv", "tsv")))
    raise NotAcceptable(f"none of the accepted media types can represent a {form} result; this endpoint offers {offered}")
