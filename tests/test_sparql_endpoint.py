"""The SPARQL 1.1 Protocol endpoint: formats, refusals, bounds, and real clients against a real server."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from test_api import api_settings, assert_problem  # noqa: F401  (shared session fixture and the error-shape check)

from api import create_app
from api.config import ApiOptions
from kg.errors import QueryError, QueryRefused
from kg.queries import check_query
from kg.settings import Settings

REPO = Path(__file__).resolve().parents[1]
MISSIONS = "SELECT ?m ?label WHERE { ?m a mkg:Mission ; skos:prefLabel ?label } ORDER BY ?m"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(api_settings, ApiOptions(sparql_workers=1))) as c:
        yield c


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ?o . OPTIONAL { SeRvIcE ?endpoint { ?s ?p ?o } } }",
        "SELECT ?x WHERE { { SELECT ?x WHERE { SERVICE <http://a/> { ?x ?p ?o } } } }",
        "ASK { FILTER EXISTS { SERVICE <http://a/> { ?x ?p ?o } } }",
        "SELECT * WHERE { ?s ?p ?o .SERVICE<http://a/>{?s ?p ?o} }",
        "SELECT * WHERE { SERVI\\u0043E <http://a/> { ?s ?p ?o } }",
        "# a comment\nSELECT * WHERE { ?s ?p 'x' SERVICE <http://a/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_in_every_disguise(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ('SELECT * WHERE { ?s rdfs:label "SERVICE <http://a/> { }" }', "SELECT"),
        ("PREFIX service: <http://e/> ASK { ?service service:x <http://e/SERVICE> } # SERVICE", "ASK"),
        ("BASE <http://e/> PREFIX : <http://e/> CONSTRUCT WHERE { ?s :p ?o }", "CONSTRUCT"),
        ("describe <http://e/x>", "DESCRIBE"),
        ("SELECT * WHERE { ?s ?p '''a\n'SERVICE'\n''' }", "SELECT"),
    ],
)
def test_harmless_mentions_pass(query: str, form: str) -> None:
    assert check_query(query) == form


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD is not allowed"),
        ("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", "SPARQL Update (INSERT)"),
        ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE)"),
        ("CLEAR ALL", "SPARQL Update (CLEAR)"),
        ("x" * 100_001, "characters long"),
    ],
)
def test_updates_and_oversized_queries_are_refused(query: str, words: str) -> None:
    with pytest.raises(QueryRefused, match=words.replace("(", r"\(").replace(")", r"\)")):
        check_query(query)


def test_garbage_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="expected a SELECT"):
        check_query("HELLO WORLD")


def test_select_in_each_results_format(client: TestClient) -> None:
    as_json = client.get("/sparql", params={"query": MISSIONS}, headers={"Accept": "application/sparql-results+json"})
    assert as_json.headers["content-type"] == "application/sparql-results+json"
    bindings = as_json.json()["results"]["bindings"]
    assert len(bindings) == 5 and bindings[0]["label"] == {"type": "literal", "value": "Make Britain a clean energy superpower", "xml:lang": "en"}
    as_xml = client.get("/sparql", params={"query": MISSIONS}, headers={"Accept": "application/sparql-results+xml"})
    parsed = rdflib.query.Result.parse(io.BytesIO(as_xml.content), format="xml")
    assert {str(row[1]) for row in parsed} == {b["label"]["value"] for b in bindings}
    as_csv = client.get("/sparql", params={"query": MISSIONS}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["m", "label"] and rows[1] == [bindings[0]["m"]["value"], bindings[0]["label"]["value"]]
    as_tsv = client.get("/sparql", params={"query": MISSIONS, "format": "tsv"})
    assert as_tsv.text.splitlines()[1] == f"<{bindings[0]['m']['value']}>\t\"{bindings[0]['label']['value']}\"@en"
    assert client.get("/sparql", params={"query": "ASK { ?m a mkg:Mission }"}).json() == {"head": {}, "boolean": True}


def test_xml_results_stay_well_formed_with_control_characters(client: TestClient) -> None:
    from xml.dom.minidom import parseString

    body = client.get("/sparql", params={"query": 'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }', "format": "xml"}).content
    [literal] = parseString(body).getElementsByTagName("literal")
    assert literal.firstChild.data == "a\ufffdb"


def test_graph_results_parse_back_to_the_same_triples(client: TestClient) -> None:
    query = "CONSTRUCT { ?m skos:prefLabel ?l } WHERE { ?m a mkg:Mission ; skos:prefLabel ?l }"
    graphs = {}
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.headers["content-type"].startswith(accept)
        graphs[fmt] = rdflib.Graph().parse(data=response.text, format=fmt)
    assert len(graphs["turtle"]) == 5
    assert set(graphs["turtle"]) == set(graphs["nt"]) == set(graphs["json-ld"])


def test_service_description(client: TestClient) -> None:
    graph = rdflib.Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert str(service) == "http://testserver/sparql"
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph


def test_post_forms(client: TestClient) -> None:
    direct = client.post("/sparql", content=MISSIONS, headers={"Content-Type": "application/sparql-query"})
    form = client.post("/sparql", data={"query": MISSIONS})
    assert direct.json() == form.json() and len(form.json()["results"]["bindings"]) == 5
    assert_problem(client.post("/sparql", content=MISSIONS, headers={"Content-Type": "text/plain"}), 415)


@pytest.mark.parametrize(
    ("request_kwargs", "status", "words"),
    [
        ({"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}}, 400, "read-only"),
        ({"method": "POST", "content": "LOAD <http://127.0.0.1:9/x>", "headers": {"Content-Type": "application/sparql-update"}}, 400, "LOAD"),
        ({"method": "GET", "params": {"query": "SELECT * WHERE { SERVICE <http://a/> { ?s ?p ?o } }"}}, 400, "SERVICE"),
        ({"method": "GET", "params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "invalid SPARQL"),
        ({"method": "GET", "params": {"query": MISSIONS}, "headers": {"Accept": "image/png"}}, 406, "offers"),
        ({"method": "GET", "params": {"query": MISSIONS, "default-graph-uri": "http://e/"}}, 400, "FROM"),
        ({"method": "POST", "data": {"query": MISSIONS, "named-graph-uri": "http://e/"}}, 400, "FROM"),
        ({"method": "POST", "content": "#" * 500_000, "headers": {"Content-Type": "application/sparql-query"}}, 413, "larger than"),
    ],
)
def test_refusals_are_problems(client: TestClient, request_kwargs: dict, status: int, words: str) -> None:
    kwargs = dict(request_kwargs)
    body = assert_problem(client.request(kwargs.pop("method"), "/sparql", **kwargs), status)
    assert words in body["detail"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("SELECT * FROM <g> {}", True), ("select * from named <g> {}", True), ("SELECT (COUNT(*) AS ?n)FROM <g> {}", True),
        ("SELECT * \\u0046ROM <g> {}", True), ('SELECT ("""a\\"""" AS ?x) FROM <g> { ?s ?p "b" }', True),
        ("SELECT * WHERE { ?s ex:date-from ?o }", False), ("SELECT * WHERE { ?s ex:valid.from ?o }", False),
        ("SELECT ?from WHERE { ?s <http://a#from> 'FROM <x>' } # FROM <y>", False),
    ],
)
def test_only_a_from_clause_names_the_dataset(query: str, names: bool) -> None:
    from kg.store import declares_dataset

    assert declares_dataset(query) is names


def test_from_names_the_dataset_and_prefix_lines_in_strings_are_text(client: TestClient) -> None:
    count = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"
    sizes = {}
    for key, clause in (("union", ""), ("vocab", "FROM <https://w3id.org/missionkg/id/graph/vocab/missions>"), ("none", "FROM <urn:x:nothing>")):
        rows = client.get("/sparql", params={"query": count.format(**{"from": clause})}).json()["results"]["bindings"]
        sizes[key] = int(rows[0]["n"]["value"])
    assert sizes["union"] > sizes["vocab"] > 0 == sizes["none"]
    streamed = client.post("/sparql", content=iter([b"ASK { ?m a mkg:Mission ", b'FILTER(?m != """\nprefix\n""") }']),
                           headers={"Content-Type": "application/sparql-query"})
    assert streamed.status_code == 200 and streamed.json()["boolean"] is True
    body = assert_problem(client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}), 400)
    assert "error at 1:" in body["detail"]  # positions count from the query's own first line


def test_the_command_line_keeps_the_endpoints_bounds(api_settings: Settings) -> None:  # noqa: F811
    def cli(*args: str, timeout: str = "10") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MISSIONKG_QUERY_TIMEOUT": timeout}
        command = [sys.executable, "-m", "kg.cli", "sparql", *args, "--data-dir", str(api_settings.data_dir)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)

    table = cli(MISSIONS)
    assert table.returncode == 0 and "Take back our streets" in table.stdout and cli("ASK { ?m a mkg:Mission }").stdout == "true\n"
    rows = cli(MISSIONS, "--format", "csv", "--limit", "2")
    assert rows.stdout.splitlines()[0] == "m,label" and len(rows.stdout.splitlines()) == 3 and "only the first 2" in rows.stderr
    graph = cli("CONSTRUCT { ?m a mkg:Mission } WHERE { ?m a mkg:Mission }", "--format", "json")
    assert len(json.loads(graph.stdout)) == 5  # JSON-LD, as the endpoint answers a graph asked for as JSON
    for query, words in (("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
                         ("INSERT DATA { <a:b> <a:c> <a:d> }", "read-only")):
        refused = cli(query)
        assert refused.returncode == 1 and words in refused.stderr and "Traceback" not in refused.stderr
    started = time.monotonic()
    slow = cli(HEAVY, "--format", "csv", timeout="1")
    assert slow.returncode == 1 and "time budget of 1 s" in slow.stderr and time.monotonic() - started < 20


def test_a_query_past_the_memory_cap_is_refused_and_the_worker_recovers(api_settings: Settings) -> None:  # noqa: F811
    with TestClient(create_app(api_settings, ApiOptions(sparql_workers=1, sparql_memory_mb=300))) as small:
        hungry = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"
        body = assert_problem(small.get("/sparql", params={"query": hungry}), 400)
        assert "more than 300 MiB of memory" in body["detail"]
        assert len(small.get("/sparql", params={"query": MISSIONS}).json()["results"]["bindings"]) == 5  # a new worker answers


def test_a_result_too_large_to_send_is_refused(client: TestClient) -> None:
    # few rows of strings the query builds itself: 700 rows of 117,000 characters
    grow = ('BIND("0123456789" AS ?x) BIND(REPLACE(?x, "", ?x) AS ?y) BIND(REPLACE(?y, "", ?y) AS ?z) '
            'BIND(CONCAT(?z, ?z, ?z, ?z, ?z, ?z, ?z, ?z) AS ?w)')
    body = assert_problem(client.get("/sparql", params={"query": f"SELECT ?w WHERE {{ ?s ?p ?o {grow} }} LIMIT 700"}), 400)
    assert "larger than 64 MiB" in body["detail"]


def test_row_cap_truncates_and_says_so(api_settings: Settings) -> None:  # noqa: F811
    with TestClient(create_app(replace(api_settings, max_rows=3), ApiOptions(sparql_workers=1))) as c:
        response = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        small = c.get("/sparql", params={"query": "SELECT * WHERE { ?s a mkg:Mission } LIMIT 2"})
    assert len(response.json()["results"]["bindings"]) == 3
    assert response.headers["missionkg-truncated"] == "true" and response.headers["missionkg-row-limit"] == "3"
    assert small.headers["missionkg-truncated"] == "false"


def test_time_limit_answers_503_and_the_worker_recovers(api_settings: Settings) -> None:  # noqa: F811
    with TestClient(create_app(replace(api_settings, query_timeout_s=1.0), ApiOptions(sparql_workers=1))) as c:
        c.get("/sparql", params={"query": "ASK {}"})  # let the worker start before the clock matters
        started = time.monotonic()
        body = assert_problem(c.get("/sparql", params={"query": HEAVY}), 503)
        assert time.monotonic() - started < 5
        assert "time budget" in body["detail"]
        assert c.get("/sparql", params={"query": "ASK { ?m a mkg:Mission }"}).json()["boolean"] is True


# Real server, real clients -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(api_settings: Settings) -> Iterator[str]:  # noqa: F811
    """`missionkg serve` as a separate uvicorn process on a free loopback port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MISSIONKG_SPARQL_WORKERS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--data-dir", str(api_settings.data_dir), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"server did not start: {process.stderr.read().decode() if process.stderr else ''}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.serial
def test_sparqlwrapper_json_and_csv(server: str) -> None:
    from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper

    wrapper = SPARQLWrapper(server + "/sparql")
    wrapper.setQuery(MISSIONS)
    wrapper.setReturnFormat(JSON)
    result = wrapper.query().convert()
    labels = [b["label"]["value"] for b in result["results"]["bindings"]]
    assert labels[0] == "Make Britain a clean energy superpower" and len(labels) == 5
    wrapper.setReturnFormat(CSV)
    rows = list(csv.DictReader(io.StringIO(wrapper.query().convert().decode())))
    assert [r["label"] for r in rows] == labels
    wrapper.setMethod(POST)
    wrapper.setReturnFormat(JSON)
    assert [b["label"]["value"] for b in wrapper.query().convert()["results"]["bindings"]] == labels


@pytest.mark.serial
def test_rdflib_sparqlstore(server: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server + "/sparql")
    rows = list(store.query("SELECT ?m WHERE { ?m a <https://w3id.org/missionkg/ontology#Mission> } ORDER BY ?m"))
    assert [str(r[0]).rsplit("/", 1)[1] for r in rows] == ["clean-energy", "growth", "health", "opportunity", "safer-streets"]
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql"))
    assert len(list(graph.triples((rdflib.URIRef("https://w3id.org/missionkg/id/mission/health"), rdflib.RDF.type, None)))) == 2


@pytest.mark.serial
def test_rest_routes_over_real_http(server: str) -> None:
    missions = httpx.get(server + "/api/v1/missions").json()
    ranked = httpx.get(server + "/api/v1/missions/health/contracts", params={"limit": 1}).json()["items"][0]
    detail = httpx.get(server + f"/api/v1/contracts/{ranked['ocid']}").json()
    assert len(missions) == 5 and detail["ocid"] == ranked["ocid"] and "health" in {a["mission"] for a in detail["alignments"]}
    named = httpx.get(server + "/api/v1/queries/sme-share-per-mission", params={"mission": "health"}).json()
    assert named["rows"][0]["mission"].endswith("/health")


@pytest.mark.serial
def test_service_clause_never_reaches_a_listener(server: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.5)
        port = listener.getsockname()[1]
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"):
            response = httpx.get(server + "/sparql", params={"query": query})
            assert response.status_code == 400 and "SERVICE" in json.loads(response.text)["detail"]
        with pytest.raises(TimeoutError):
            listener.accept()
