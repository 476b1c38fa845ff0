"""SPARQL results in the formats of the SPARQL 1.1 Protocol, chosen by content negotiation.

SELECT results are serialised here rather than by pyoxigraph because the row cap cuts the solution
stream, and pyoxigraph can only serialise a whole result. Formats: SPARQL Results JSON, XML, CSV and TSV
for SELECT and ASK; Turtle, N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from api.errors import NotAcceptable
from kg.namespaces import PREFIXES
from kg.queries import Bounded, run_bounded
from kg.store import GraphStore

MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
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
_GRAPH_FROM_RESULT = {"json": "jsonld", "xml": "rdfxml", "csv": "turtle", "tsv": "turtle"}
RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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
            return _GRAPH_FROM_RESULT.get(key, key)
        if key not in _GRAPH_FROM_RESULT:
            raise NotAcceptable(f"a {form} result cannot be given as {fmt!r}; use json, xml, csv or tsv")
        return key
    table = _GRAPH_TYPES if graph else _RESULT_TYPES
    for media in accepted(accept):
        if media in table:
            return table[media]
    offered = ", ".join(MEDIA_TYPES[k] for k in (("turtle", "ntriples", "jsonld", "rdfxml") if graph else ("json", "xml", "csv", "tsv")))
    raise NotAcceptable(f"none of the accepted media types can represent a {form} result; this endpoint offers {offered}")


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value not in (_XSD_STRING, _LANG_STRING):
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    parts = "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object"))
    return f"<triple>{parts}</triple>"


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)


def _tsv_value(term: Any) -> str:
    return "" if term is None else str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def serialize(result: Bounded, fmt: str) -> bytes:
    """The bytes of a bounded result in one format key of MEDIA_TYPES."""
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        prefixes = PREFIXES if fmt == "turtle" else None
        return ox.serialize(result.triples, format=RDF_FORMATS[fmt], prefixes=prefixes) or b""
    if fmt == "json":
        if result.boolean is not None:
            return json.dumps({"head": {}, "boolean": result.boolean}).encode()
        bindings = [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None} for row in result.solutions]
        return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False).encode()
    if fmt == "xml":
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
        if result.boolean is not None:
            body = f"<boolean>{str(result.boolean).lower()}</boolean>"
        else:
            rows = (
                "<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(result.variables, row) if t is not None)
                + "</result>"
                for row in result.solutions
            )
            body = "<results>" + "".join(rows) + "</results>"
        return f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{head}</head>{body}</sparql>\n'.encode()
    if result.boolean is not None:
        return str(result.boolean).lower().encode()  # as Oxigraph writes it: CSV/TSV define no boolean form
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(result.variables)
        writer.writerows([_csv_value(t) for t in row] for row in result.solutions)
        return buffer.getvalue().encode()
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in result.solutions]
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Answer:
    """A serialised result with what the response headers report about it."""

    body: bytes
    media_type: str
    truncated: bool


def answer(store: GraphStore, query: str, fmt: str, max_rows: int, timeout_s: float) -> Answer:
    """Run a checked query within its bounds and serialise it (this runs inside a SPARQL worker process)."""
    result = run_bounded(store, query, max_rows=max_rows, timeout_s=timeout_s)
    return Answer(serialize(result, fmt), MEDIA_TYPES[fmt], result.truncated)
