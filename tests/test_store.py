"""The store adapter behaves the same over the embedded Oxigraph store and a live `oxigraph serve` process."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg.errors import QueryError, StoreError, StoreLockedError
from kg.namespaces import GRAPH_MISSIONS, MKG, RDF_TYPE, process_graph, process_iri
from kg.remote_store import RemoteStore
from kg.settings import Settings
from kg.stats import graph_stats
from kg.store import GraphStore, OxigraphStore, open_store
from kg.vocab import load_vocabularies


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `oxigraph serve` on a free loopback port (union default graph, as missionkg expects); its query URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the oxigraph server (PyPI package `oxigraph`) is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph-server")), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("oxigraph serve did not start within 30 s")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """The same tests over both backends; the remote one starts empty each time."""
    if request.param == "embedded":
        backend: GraphStore = OxigraphStore(tmp_path / "store")
    else:
        backend = RemoteStore(request.getfixturevalue("oxigraph_server"))
        backend.update("DROP SILENT ALL")
    yield backend
    backend.close()


def _process(ocid: str, title: str) -> list[ox.Quad]:
    node, graph = process_iri(ocid), process_graph(ocid)
    return [
        ox.Quad(node, RDF_TYPE, MKG.ContractingProcess, graph),
        ox.Quad(node, MKG.ocid, ox.Literal(ocid), graph),
        ox.Quad(node, MKG.name, ox.Literal(title), graph),
    ]


def test_load_replace_and_drop_named_graphs(store: GraphStore) -> None:
    store.add_quads(_process("ocds-a", "first") + _process("ocds-b", "other"), bulk=True)
    store.replace_graph(process_graph("ocds-a"), _process("ocds-a", "second"))
    names = store.select("SELECT ?o ?n WHERE { ?p mkg:ocid ?o ; mkg:name ?n } ORDER BY ?o").rows
    assert names == [{"o": "ocds-a", "n": "second"}, {"o": "ocds-b", "n": "other"}]
    store.drop_graphs([process_graph("ocds-b"), process_graph("ocds-never-there")])
    assert store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }").column("o") == ["ocds-a"]
    assert store.count_quads() == 3


def test_load_rdf_from_a_document_and_from_a_file(store: GraphStore, tmp_path: Path) -> None:
    nquads = tmp_path / "batch.nq"
    nquads.write_text("".join(f"{q}.\n" for q in _process("ocds-file", "from a file")))
    store.load_rdf(path=nquads, format=ox.RdfFormat.N_QUADS)
    trig = "".join(f"{q.graph_name} {{ {q.subject} {q.predicate} {q.object} . }}\n" for q in _process("ocds-doc", "from a document"))
    store.load_rdf(trig, format=ox.RdfFormat.TRIG)
    names = store.select("SELECT ?o ?n WHERE { GRAPH ?g { ?p mkg:ocid ?o ; mkg:name ?n } } ORDER BY ?o").rows
    assert names == [{"o": "ocds-doc", "n": "from a document"}, {"o": "ocds-file", "n": "from a file"}]


def test_row_cap_reports_truncation(store: GraphStore) -> None:
    store.add_quads([q for i in range(30) for q in _process(f"ocds-{i:02}", "t")])
    rows = store.select("SELECT ?o WHERE { ?p mkg:ocid ?o } ORDER BY ?o", max_rows=10)
    assert rows.truncated and len(rows.rows) == 10 and rows.rows[0]["o"] == "ocds-00"
    assert not store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }", max_rows=30).truncated


def test_vocabularies_load_and_the_five_missions_are_there(store: GraphStore) -> None:
    load_vocabularies(store)
    missions = store.select("SELECT ?m WHERE { ?m a mkg:Mission }").column("m")
    assert sorted(m.rsplit("/", 1)[-1] for m in missions) == ["clean-energy", "growth", "health", "opportunity", "safer-streets"]
    assert store.ask(f"ASK {{ GRAPH <{GRAPH_MISSIONS.value}> {{ ?o a mkg:MissionOutcome }} }}")
    figures = graph_stats(store)
    assert figures["missions"] == 5 and figures["milestones"] == 6 and figures["outcome_areas"] >= 25


def test_serialised_results_in_each_format(store: GraphStore) -> None:
    store.add_quads(_process("ocds-a", "first"))
    body, media = store.query_serialized("SELECT ?o WHERE { ?p mkg:ocid ?o }", "csv")
    assert media.startswith("text/csv") and body.decode().splitlines() == ["o", "ocds-a"]
    body, _ = store.query_serialized("CONSTRUCT { ?p mkg:ocid ?o } WHERE { ?p mkg:ocid ?o }", "ntriples")
    assert b'"ocds-a"' in body


def test_bad_query_is_a_query_error(store: GraphStore) -> None:
    with pytest.raises(QueryError):
        store.select("SELECT WHERE {")


def test_embedded_store_is_locked_against_a_second_writer_but_readable(tmp_path: Path) -> None:
    writer = OxigraphStore(tmp_path / "store")
    writer.add_quads(_process("ocds-a", "first"))
    writer.flush()
    with pytest.raises(StoreLockedError, match="open for writing by another missionkg process"):
        OxigraphStore(tmp_path / "store")
    reader = OxigraphStore(tmp_path / "store", read_only=True)
    assert reader.select("SELECT ?o WHERE { ?p mkg:ocid ?o }").column("o") == ["ocds-a"]
    reader.close()
    writer.close()


def test_reading_a_missing_store_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `missionkg build` or `missionkg vocab load` first"):
        open_store(Settings(data_dir=tmp_path), read_only=True)


def test_rdflib_view_over_the_same_store(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.add_quads(_process("ocds-a", "first"))
    dataset = store.rdflib_dataset()
    rows = list(dataset.query("SELECT ?o WHERE { ?p mkg:ocid ?o }"))
    assert [str(r[0]) for r in rows] == ["ocds-a"]


def test_store_url_setting_selects_the_remote_store(oxigraph_server: str, tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path, store_url=oxigraph_server))
    assert isinstance(store, RemoteStore) and store.update_url.endswith("/update") and store.gsp_url.endswith("/store")
    with pytest.raises(StoreError, match="must be http"):
        RemoteStore("file:///etc/passwd")
