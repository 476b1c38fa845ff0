"""The REST API over an invented graph with alignments and commitments: content, pagination, errors, CORS, gzip,
search warm-up, and serving from several worker processes."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.config import ApiOptions
from api.server import listener
from kg.errors import ConfigError
from kg.namespaces import GRAPH_ALIGNMENTS, ID, MISSION_IDS, MKG, PROV, RDF_TYPE, XSD, mission_iri
from kg.search import SearchIndex, search
from kg.settings import Settings
from kg.store import OxigraphStore

SV_GRAPH = ox.NamedNode(ID + "graph/test-social-value")


def add_alignments(store: OxigraphStore) -> None:
    """Stand-in for the alignment and social-value stages: two scored alignments per process, a commitment on a third."""
    processes = store.select("SELECT ?p ?ocid WHERE { ?p a mkg:ContractingProcess ; mkg:ocid ?ocid } ORDER BY ?ocid").rows
    outcomes: dict[str, str] = {}
    for row in store.select("SELECT ?o ?m WHERE { ?o a mkg:MissionOutcome ; mkg:mission ?m } ORDER BY ?o").rows:
        outcomes.setdefault(row["m"], row["o"])
    run, g = ox.NamedNode(ID + "run/test"), GRAPH_ALIGNMENTS
    quads = [ox.Quad(run, RDF_TYPE, PROV.Activity, g)]
    for row in processes:
        digest = int(hashlib.sha1(row["ocid"].encode()).hexdigest(), 16)
        process = ox.NamedNode(row["p"])
        for k in range(2):
            mission = mission_iri(MISSION_IDS[(digest + k) % 5])
            score = round((digest >> (8 * k)) % 100 / 100 * (1 - 0.5 * k), 2)
            node = ox.NamedNode(f"{row['p']}/alignment/{k}")
            quads += [
                ox.Quad(node, RDF_TYPE, MKG.Alignment, g), ox.Quad(node, MKG.alignedProcess, process, g),
                ox.Quad(node, MKG.mission, mission, g), ox.Quad(node, MKG.score, ox.Literal(f"{score:.2f}", datatype=XSD.decimal), g),
                ox.Quad(node, MKG.method, ox.Literal("test"), g), ox.Quad(node, MKG.evidence, ox.Literal(f"evidence {k}"), g),
                ox.Quad(node, PROV.wasGeneratedBy, run, g),
            ]
            if k == 0:
                quads.append(ox.Quad(node, MKG.outcome, ox.NamedNode(outcomes[mission.value]), g))
            if score >= 0.5:
                quads.append(ox.Quad(process, MKG.advances, mission, g))
        if digest % 3 == 0:
            c = ox.NamedNode(f"{row['p']}/stand-in-commitment")
            quads += [
                ox.Quad(process, MKG.hasCommitment, c, SV_GRAPH), ox.Quad(c, RDF_TYPE, MKG.SocialValueCommitment, SV_GRAPH),
                ox.Quad(c, MKG.commitmentText, ox.Literal("Apprenticeships for local young people"), SV_GRAPH),
                ox.Quad(c, MKG.weight, ox.Literal("10", datatype=XSD.decimal), SV_GRAPH),
            ]
    store.add_quads(quads)


def build_api_graph(root: Path) -> Settings:
    """Settings of a data dir with 300 invented releases, built, plus stand-in alignments and commitments."""
    from ingest.build import build
    from ingest.demo import write_demo

    write_demo(root / "demo.jsonl", 300, seed=1)
    settings = Settings(data_dir=root / "data", query_timeout_s=10, max_rows=10_000)
    build(settings, [str(root / "demo.jsonl")], skip_stages=frozenset({"align"}))
    store = OxigraphStore(settings.store_dir)
    add_alignments(store)
    store.close()
    return settings


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The invented graph, built once per session."""
    return build_api_graph(tmp_path_factory.mktemp("api-graph"))


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    """An in-process client of an app over the invented graph, with one SPARQL worker."""
    with TestClient(create_app(api_settings, ApiOptions(cors_origins=("https://example.org",), sparql_workers=1))) as c:
        yield c


@pytest.fixture(scope="module")
def store(api_settings: Settings) -> OxigraphStore:
    """The same graph, read directly, to check answers against."""
    return OxigraphStore(api_settings.store_dir, read_only=True)


def assert_problem(response, status: int) -> dict:
    """The one error shape (RFC 9457) every error response must have."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_probes(client: TestClient, store: OxigraphStore) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    processes = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?p a mkg:ContractingProcess }").rows[0]["n"]
    assert ready == {"status": "ready", "store": "embedded", "processes": processes, "missions": 5}
    assert client.head("/healthz").status_code == client.head("/readyz").status_code == 200  # load balancers probe with HEAD


def test_readyz_without_a_store_is_503_with_the_fix(settings: Settings) -> None:
    with TestClient(create_app(settings)) as c:
        body = assert_problem(c.get("/readyz"), 503)
    assert "missionkg build" in body["detail"]


def test_missions_list_counts_match_the_graph(client: TestClient, store: OxigraphStore) -> None:
    missions = client.get("/api/v1/missions").json()
    assert [m["id"] for m in missions] == list(MISSION_IDS)
    for m in missions:
        expected = store.select(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p mkg:advances {mission_iri(m['id'])} }}").rows[0]["n"]
        assert m["processes"] == expected > 0
        assert m["label"] and m["outcome_areas"] > 0


def test_mission_detail(client: TestClient) -> None:
    health = client.get("/api/v1/missions/health").json()
    assert health["label"] == "Build an NHS fit for the future"
    assert any(o["processes"] > 0 for o in health["outcomes"])
    assert [m["id"] for m in health["milestones"]] == ["M3"] and health["milestones"][0]["target"] == 92
    assert sum(y["processes"] for y in health["by_year"]) == health["processes"]
    assert_problem(client.get("/api/v1/missions/happiness"), 404)


def test_mission_contracts_ranked_and_paginated(client: TestClient) -> None:
    first = client.get("/api/v1/missions/growth/contracts", params={"limit": 5}).json()
    second = client.get("/api/v1/missions/growth/contracts", params={"limit": 5, "offset": 5}).json()
    scores = [c["score"] for c in first["items"] + second["items"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10
    assert not {c["ocid"] for c in first["items"]} & {c["ocid"] for c in second["items"]}
    assert first["total"] == second["total"] >= 10
    assert all(c["advances"] == (c["score"] >= 0.5) for c in first["items"])
    high = client.get("/api/v1/missions/growth/contracts", params={"min_score": 0.5, "limit": 100}).json()
    assert high["total"] == client.get("/api/v1/missions").json()[0]["processes"]
    advancing = client.get("/api/v1/missions/growth/contracts", params={"advances": "true", "limit": 100}).json()
    assert advancing["total"] == high["total"] < first["total"] and all(c["advances"] for c in advancing["items"])
    assert_problem(client.get("/api/v1/missions/growth/contracts", params={"limit": 101}), 422)
    assert_problem(client.get("/api/v1/missions/growth/contracts", params={"offset": 10_001}), 422)
    assert_problem(client.get("/api/v1/missions/growth/contracts", params={"outcome": "Not A Slug"}), 422)


def test_contract_detail_compiles_the_process(client: TestClient, store: OxigraphStore) -> None:
    row = store.select(
        "SELECT ?ocid ?title WHERE { ?p mkg:ocid ?ocid ; dcterms:title ?title ; mkg:hasCommitment ?c ; mkg:hasAward/mkg:supplier ?s "
        'FILTER(STRENDS(STR(?c), "stand-in-commitment")) } LIMIT 1'
    ).rows[0]
    detail = client.get(f"/api/v1/contracts/{row['ocid']}").json()
    assert detail["ocid"] == row["ocid"] and detail["title"] == row["title"]
    assert detail["buyer"]["name"] and detail["releases"] and detail["releases"][0]["source"] == "demo.jsonl"
    assert detail["awards"][0]["suppliers"] and detail["suppliers"]
    assert len(detail["alignments"]) == 2 and {a["evidence"] for a in detail["alignments"]} == {"evidence 0", "evidence 1"}
    assert detail["missions"] == sorted(a["mission"] for a in detail["alignments"] if a["advances"])
    assert {"text": "Apprenticeships for local young people", "theme": None, "theme_label": None, "weight": 10.0} in detail["commitments"]
    assert_problem(client.get("/api/v1/contracts/ocds-nope-1"), 404)


def test_suppliers_and_buyers(client: TestClient, store: OxigraphStore) -> None:
    supplier = store.select("SELECT ?s ?name WHERE { ?a mkg:supplier ?s . ?s mkg:name ?name } ORDER BY ?s LIMIT 1").rows[0]
    hits = client.get("/api/v1/suppliers", params={"q": supplier["name"]}).json()["results"]
    assert supplier["s"] in [h["iri"] for h in hits]
    hit = next(h for h in hits if h["iri"] == supplier["s"])
    profile = client.get(f"/api/v1/suppliers/{hit['id']}").json()
    assert profile["iri"] == supplier["s"] and profile["award_count"] >= 1 and profile["awards"]
    buyer = profile["buyers"][0]["iri"]
    buyer_profile = client.get(f"/api/v1/buyers/{buyer.split('/id/org/')[1]}").json()
    assert buyer_profile["process_count"] >= 1 and supplier["s"] in [s["iri"] for s in buyer_profile["suppliers"]]
    # every field the library returns is one the OpenAPI schema declares
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(profile) <= set(schemas["SupplierProfile"]["properties"])
    assert set(buyer_profile) <= set(schemas["BuyerProfile"]["properties"]) and "sme_award_share" in buyer_profile
    assert_problem(client.get("/api/v1/suppliers/GB-COH-99999999"), 404)
    assert_problem(client.get("/api/v1/suppliers"), 422)


def test_named_queries_list_and_run(client: TestClient) -> None:
    listed = {q["name"]: q for q in client.get("/api/v1/queries").json()}
    assert {"spend-per-mission-per-year", "top-suppliers-per-mission", "sme-share-per-mission",
            "social-value-per-mission", "buyer-supplier-pairs"} <= set(listed)
    assert all(q["description"] and q["sparql"] for q in listed.values())
    spend = client.get("/api/v1/queries/spend-per-mission-per-year", params={"mission": "health"}).json()
    assert spend["rows"] and {r["missionId"] for r in spend["rows"]} == {"health"}
    social = client.get("/api/v1/queries/social-value-per-mission").json()
    assert all(0 < r["withCommitments"] < r["processes"] for r in social["rows"])
    pairs = client.get("/api/v1/queries/buyer-supplier-pairs", params={"mission": "growth", "limit": 2}).json()
    assert len(pairs["rows"]) == 2 and pairs["truncated"] is True


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/v1/queries/buyer-supplier-pairs", {}, 422, "needs parameter 'mission'"),
        ("/api/v1/queries/spend-per-mission-per-year", {"mission": "happiness"}, 422, "must be one of growth"),
        ("/api/v1/queries/spend-per-mission-per-year", {"colour": "red"}, 422, "unknown parameter 'colour'"),
        ("/api/v1/search", {"q": "x", "published_from": "2024-13-01"}, 422, "published_from must be a date"),
        ("/api/v1/search", {"q": "x", "limit": "many"}, 422, "query.limit"),
        ("/api/v1/queries/no-such-query", {}, 404, "there are: buyer-supplier-pairs"),
        ("/api/v1/nowhere", {}, 404, "Not Found"),
        ("/api/v1/search", {"q": "x", "supplier": "http://>"}, 404, "no organisation 'http://>'"),
    ],
)
def test_error_shape_is_pinned(client: TestClient, path: str, params: dict, status: int, words: str) -> None:
    body = assert_problem(client.get(path, params=params), status)
    assert words in body["detail"]
    assert body["instance"] == path
    if status == 422:  # which parameter, whether FastAPI or the library refused it
        named = [k for k in params if k != "q"] or ["mission"]  # the one bad parameter of each case
        assert [e["location"] for e in body["errors"]] == [f"query.{named[0]}"]


def test_method_not_allowed_and_crash_keep_the_shape(api_settings: Settings) -> None:
    app = create_app(api_settings)

    @app.get("/boom")
    def boom() -> None:
        raise ValueError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        assert_problem(c.delete("/api/v1/missions"), 405)
        body = assert_problem(c.get("/boom"), 500)
    assert "secret" not in body["detail"]


def test_cors_and_gzip(client: TestClient) -> None:
    response = client.get("/api/v1/missions", headers={"Origin": "https://example.org", "Accept-Encoding": "gzip"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["content-encoding"] == "gzip"
    assert "access-control-allow-origin" not in client.get("/healthz", headers={"Origin": "https://evil.example"}).headers


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/missions", "/api/v1/missions/{mission_id}", "/api/v1/missions/{mission_id}/contracts",
                 "/api/v1/contracts/{ocid}", "/api/v1/suppliers", "/api/v1/suppliers/{org_id}", "/api/v1/buyers/{org_id}",
                 "/api/v1/queries", "/api/v1/queries/{name}", "/sparql", "/healthz", "/readyz"):
        assert path in paths, path


def test_the_service_shows_each_finished_write_and_none_in_progress(settings: Settings) -> None:
    def add_process(writer: OxigraphStore, n: int) -> None:
        process = ox.NamedNode(f"{ID}process/test-{n}")
        writer.add_quads([ox.Quad(process, RDF_TYPE, MKG.ContractingProcess, ox.NamedNode(f"{ID}graph/process/test-{n}"))])
        writer.flush()

    first = OxigraphStore(settings.store_dir)
    add_process(first, 1)
    first.close()
    with TestClient(create_app(settings, ApiOptions(store_check_s=0))) as c:
        assert c.get("/readyz").json()["processes"] == 1
        writer = OxigraphStore(settings.store_dir)
        add_process(writer, 2)  # written and flushed, but the writer is still at work, as a running build would be
        assert c.get("/readyz").json()["processes"] == 1
        writer.close()
        assert c.get("/readyz").json()["processes"] == 2
        # a writer killed before it closed the store leaves its mark behind, which stops counting with its process
        killed = (f"import os, pyoxigraph as ox; from kg.store import OxigraphStore; w = OxigraphStore({str(settings.store_dir)!r}); "
                  f"w.add_quads([ox.Quad(ox.NamedNode('{ID}process/test-3'), ox.NamedNode('{RDF_TYPE.value}'), "
                  f"ox.NamedNode('{MKG.ContractingProcess.value}'), ox.NamedNode('{ID}graph/process/test-3'))]); w.flush(); os._exit(0)")
        subprocess.run([sys.executable, "-c", killed], check=True, timeout=120)
        assert settings.store_dir.with_name("store.writer").is_file()
        assert c.get("/readyz").json()["processes"] == 3
        # another process that holds the store open holds the snapshot back; once it lets go (even without
        # closing, as a notebook may) the next snapshot is opened, though that process lives on
        held = subprocess.Popen([sys.executable, "-c", killed.replace("test-3", "test-4").replace(
            "os._exit(0)", "print('written', flush=True); input(); del w; print('dropped', flush=True); input()")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert held.stdout.readline().strip() == "written"
            assert c.get("/readyz").json()["processes"] == 3
            held.stdin.write("\n")
            held.stdin.flush()
            assert held.stdout.readline().strip() == "dropped"
            if sys.platform.startswith("linux"):  # elsewhere the lock is not asked about, and nothing is held back
                assert c.get("/readyz").json()["processes"] == 4
        finally:
            held.kill()
            held.wait()


def test_every_route_answers_on_the_real_graph(real_settings: Settings) -> None:
    with TestClient(create_app(real_settings, ApiOptions(sparql_workers=1))) as c:
        found = c.get("/sparql", params={"query": "SELECT ?o WHERE { ?p mkg:ocid ?o ; mkg:hasAward/mkg:supplier ?s } ORDER BY ?o LIMIT 1"})
        ocid = found.json()["results"]["bindings"][0]["o"]["value"]
        detail = c.get(f"/api/v1/contracts/{ocid}").json()
        supplier, buyer = detail["suppliers"][0], detail["buyer"]
        paths = [
            "/healthz", "/readyz", "/api/v1/missions", "/api/v1/missions/health", "/api/v1/missions/health/contracts",
            f"/api/v1/suppliers?q={supplier['name']}", "/api/v1/suppliers/" + supplier["iri"].split("/id/org/")[1],
            "/api/v1/buyers/" + buyer["iri"].split("/id/org/")[1], "/api/v1/queries",
            *(f"/api/v1/queries/{name}?mission=health" for name in ("spend-per-mission-per-year", "top-suppliers-per-mission",
                                                                      "sme-share-per-mission", "social-value-per-mission", "buyer-supplier-pairs")),
            "/sparql",
        ]
        for path in paths:
            assert c.get(path).status_code == 200, path


def test_search_runs_the_model_once_and_outside_the_index_lock(api_settings: Settings) -> None:
    query = f"patient transport service {uuid.uuid4().hex}"  # never embedded before, whatever ran earlier
    with TestClient(create_app(api_settings, ApiOptions(sparql_workers=1))) as c:
        found = c.get("/api/v1/search", params={"q": query, "limit": 5}).json()
        state = c.app.state  # type: ignore[attr-defined]
        again = c.get("/api/v1/search", params={"q": query, "limit": 5}).json()
        encoder = state.query_encoder
        by_route, by_search = encoder.embedder.stats, state.search_index.embedder.stats
        written = encoder.embedder.cache.get_many([encoder.embedder.cache.key(encoder.embedder.model_id, query)])
    assert by_route.encoded == 1 and by_search.encoded == 0 and by_search.cache_hits == 0  # search() embeds through the app's encoder
    assert [r["ocid"] for r in again["results"]] == [r["ocid"] for r in found["results"]]  # the repeat came from memory
    assert not written  # user queries stay out of the on-disk embedding cache
    index = SearchIndex(api_settings)
    assert [r["ocid"] for r in found["results"]] == [r["ocid"] for r in search(api_settings, query, limit=5, index=index)["results"]]
    index.close()


def _join_warm_up() -> None:
    for thread in threading.enumerate():
        if thread.name == "missionkg-warm-search":
            thread.join(timeout=120)


def test_warm_search_opens_the_index_and_model_at_start(api_settings: Settings) -> None:
    with TestClient(create_app(api_settings, ApiOptions(sparql_workers=1, warm_search=True))) as c:
        _join_warm_up()
        state = c.app.state  # type: ignore[attr-defined]
        warmed = state.query_encoder
        assert state.search_index is not None
        assert c.get("/api/v1/search", params={"q": f"school meals {uuid.uuid4().hex}"}).status_code == 200
        assert state.query_encoder is warmed and warmed.embedder.stats.encoded == 1
    with TestClient(create_app(api_settings, ApiOptions(sparql_workers=1))) as c:
        assert not hasattr(c.app.state, "search_index")  # type: ignore[attr-defined]


def test_warm_search_without_an_index_still_serves(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(settings, ApiOptions(sparql_workers=1, warm_search=True))) as c:
        _join_warm_up()
        assert c.get("/healthz").status_code == 200
        body = assert_problem(c.get("/api/v1/search", params={"q": "school meals"}), 503)
    assert "missionkg build" in body["detail"] and "search not warmed up" in caplog.text


def test_shared_listener_turns_nagle_off_on_each_connection() -> None:
    sock = listener("127.0.0.1", 0)
    host, port = sock.getsockname()[:2]
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            seen.append(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(host, port)
        while not seen:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()

    asyncio.run(accept_one())
    assert seen and seen[0]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ConfigError, match=r"cannot listen on 127\.0\.0\.1:\d+: .*choose another --port"):
            listener("127.0.0.1", taken.getsockname()[1])


@pytest.mark.serial
def test_serve_with_two_workers(api_settings: Settings, tmp_path: Path, store: OxigraphStore) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "MISSIONKG_SPARQL_WORKERS": "1"}
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--data-dir", str(api_settings.data_dir), "--port", str(port), "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while log.read_text().count("Application startup complete") < 2:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        ocid = store.select("SELECT ?o WHERE { ?p mkg:ocid ?o } ORDER BY ?o LIMIT 1").rows[0]["o"]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:  # one keep-alive connection
            assert client.get(f"/api/v1/contracts/{ocid}").json()["ocid"] == ocid
            assert client.get("/api/v1/search", params={"q": "school transport"}).json()["results"]
            latencies = []
            for _ in range(30):
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                latencies.append(time.perf_counter() - started)
        # With Nagle's algorithm on, each keep-alive response would wait ~40 ms for the client's delayed ACK.
        assert statistics.median(latencies) < 0.03
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_mission_contracts_cpv_filter_sees_every_cpv_of_a_process(client: TestClient, store: OxigraphStore) -> None:
    """A CPV code on the tender, a lot, an item or an award's item counts (Find a Tender classifies items only)."""
    got = client.get("/api/v1/missions/growth/contracts", params={"cpv": "45", "limit": 100}).json()
    chains = ("?p mkg:hasTender/mkg:classification ?c", "?p mkg:hasTender/mkg:hasLot/mkg:classification ?c",
              "?p mkg:hasTender/mkg:hasItem/mkg:classification ?c", "?p mkg:hasAward/mkg:hasItem/mkg:classification ?c")
    coded = set()
    for chain in chains:
        rows = store.select(f'SELECT DISTINCT ?o WHERE {{ {chain} ; mkg:ocid ?o FILTER(STRSTARTS(STR(?c), "{ID}cpv/45")) }}').rows
        coded |= {r["o"] for r in rows}
    aligned = {r["o"] for r in store.select(
        f"SELECT DISTINCT ?o WHERE {{ ?a mkg:mission <{ID}mission/growth> ; mkg:alignedProcess ?p . ?p mkg:ocid ?o }}").rows}
    assert got["total"] == len(coded & aligned) > 0
    assert {c["ocid"] for c in got["items"]} <= coded & aligned
