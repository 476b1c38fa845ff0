"""SPARQL results serialised in the formats of the SPARQL 1.1 Protocol, and a query run within hard bounds.

SELECT results are serialised here rather than by pyoxigraph because the row cap cuts the solution
stream, and pyoxigraph can only serialise a whole result. Formats: SPARQL Results JSON, XML, CSV and TSV
for SELECT and ASK; Turtle, N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE. The endpoint
(api.sparql) runs `answer` in its worker processes; the command line runs it through `answer_within`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.errors import MissionKGError, QueryError, QueryRefused, QueryTimeout
from kg.namespaces import PREFIXES
from kg.queries import Bounded, run_bounded
from kg.settings import Settings
from kg.store import GraphStore, open_store

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
# JSON, XML, CSV and TSV asked of a graph (CONSTRUCT, DESCRIBE) mean JSON-LD, RDF/XML and Turtle, as most clients expect.
GRAPH_FORMATS_OF_RESULTS = {"json": "jsonld", "xml": "rdfxml", "csv": "turtle", "tsv": "turtle"}
RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
MAX_RESULT_BYTES = 64 << 20
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# Characters XML 1.0 cannot carry at all, escaped or not: shown as U+FFFD so that the document stays well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", value))


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
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value not in (_XSD_STRING, _LANG_STRING):
            return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
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
    body = serialize(result, fmt)
    if len(body) > MAX_RESULT_BYTES:  # few rows can still be huge: strings built by the query itself
        raise QueryRefused(f"the result is larger than {MAX_RESULT_BYTES >> 20} MiB: select fewer or shorter values, or page with LIMIT")
    return Answer(body, MEDIA_TYPES[fmt], result.truncated)


def _answer_into(channel: Connection, settings: Settings, query: str, fmt: str, max_rows: int, timeout_s: float) -> None:
    try:
        channel.send(answer(open_store(settings, read_only=True), query, fmt, max_rows, timeout_s))
    except MissionKGError as exc:
        channel.send(exc)
    except Exception as exc:  # noqa: BLE001 - reported to the caller, which has no other way to learn of it
        channel.send(QueryError(f"the query failed: {type(exc).__name__}: {exc}"))


def answer_within(settings: Settings, query: str, fmt: str, *, max_rows: int, timeout_s: float) -> Answer:
    """`answer` on the embedded store in a forked process killed at the deadline: Oxigraph cannot be interrupted
    from Python while it evaluates, so only a process boundary makes the time limit hold. Inline without fork."""
    if sys.platform != "linux":
        return answer(open_store(settings, read_only=True), query, fmt, max_rows, timeout_s)
    context = get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_answer_into, args=(sender, settings, query, fmt, max_rows, timeout_s), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise QueryTimeout(f"the query ran past its time budget of {timeout_s:g} s; narrow it or add a LIMIT")
        outcome = receiver.recv()
    except EOFError:
        raise QueryError("the query process ended without an answer (out of memory?)") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
    if isinstance(outcome, Exception):
        raise outcome
    return outcome
