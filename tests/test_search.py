"""Search on real notices: ranking, every filter, similar, opportunities, CLI and API, incremental update and
index/graph consistency after an interrupted build.

The read-only tests share the `aligned_settings` graph, whose build already ran the index stage; tests that
change the index work on a copy of that data directory.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kg.search import SearchFilters, SearchIndex, opportunities, opportunity_report, search, similar
from kg.settings import Settings

AS_OF = "2025-03-01"  # the 2025 notices of the aligned sources: about 90 tenders open that day
GENERIC = "services"


@pytest.fixture(scope="module")
def index(aligned_settings: Settings) -> SearchIndex:
    opened = SearchIndex(aligned_settings)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def graph(aligned_settings: Settings) -> Any:
    from kg.store import open_store

    return open_store(aligned_settings, read_only=True)


@pytest.fixture
def copied(aligned_settings: Settings, tmp_path: Path) -> Settings:
    """A private copy of the aligned graph and its index, to change."""
    target = tmp_path / "data"
    shutil.copytree(aligned_settings.data_dir, target)
    return Settings(data_dir=target)


def _run(settings: Settings, query: str, limit: int = 10, **filters: Any) -> dict[str, Any]:
    return search(settings, query, SearchFilters(**filters), limit=limit)


def test_index_built_by_build_covers_the_graph(index: SearchIndex, graph: Any) -> None:
    ocids = set(graph.select("SELECT ?o WHERE { ?p mkg:ocid ?o }").column("o"))
    assert set(index.db.manifest()) == ocids
    assert index.dense is not None and index.dense.kind == "flat"
    assert len(index) == len(ocids) > 300


def test_school_transport_notices_come_first(aligned_settings: Settings, index: SearchIndex) -> None:
    result = search(aligned_settings, "school transport", limit=5, index=index)
    titles = [r["title"].lower() for r in result["results"]]
    assert all("school" in t and "transport" in t for t in titles[:5]), titles
    # the notices titled as school transport are all in the first five
    named = {o for o, i in index.columns.ocid.items() if re.search(r"school.*transport", index.db.rows([i])[i]["title"].lower())}
    assert named and named <= {r["ocid"] for r in result["results"]}
    top = result["results"][0]
    assert set(top["scores"]) >= {"dense", "keyword", "fused"} and top["scores"]["dense"] > 0.5 and top["scores"]["keyword"] > 0
    assert "<mark>" in top["snippet"] and top["buyer"]["name"] and top["status"] in ("open", "awarded", "closed")
    assert top["missions"][0]["mission"] == "opportunity"


def _value_ok(hit: dict[str, Any]) -> bool:
    return hit["value"] is not None and 50_000 <= hit["value"] <= 5_000_000


FILTERS: list[tuple[dict[str, Any], Any]] = [
    ({"mission": "health"}, lambda h: any(m["mission"] == "health" and m["advances"] for m in h["missions"])),
    ({"mission": "growth", "min_score": 0.5}, lambda h: any(m["mission"] == "growth" and m["score"] >= 0.5 for m in h["missions"])),
    ({"cpv": ("79",)}, lambda h: any(c.startswith("79") for c in h["cpv"])),
    ({"buyer": "merton"}, lambda h: "merton" in h["buyer"]["name"].lower()),
    ({"min_value": 50_000, "max_value": 5_000_000}, _value_ok),
    ({"published_from": "2025-01-01", "published_to": "2025-06-30"}, lambda h: "2025-01-01" <= h["dates"]["published"] <= "2025-06-30"),
    ({"deadline_from": "2025-03-01"}, lambda h: h["dates"]["deadline"] >= "2025-03-01"),
    ({"status": "open", "as_of": AS_OF}, lambda h: h["status"] == "open"),
    ({"status": "awarded", "as_of": AS_OF}, lambda h: h["status"] == "awarded" and h["suppliers"]),
    ({"status": "closed", "as_of": AS_OF}, lambda h: h["status"] == "closed"),
    ({"region": "wales"}, lambda h: any(r.lower() == "wales" or r.upper().startswith("UKL") for r in h["regions"])),
    ({"sme": True}, lambda h: h["sme"]),
    ({"vcse": True}, lambda h: h["vcse"]),
    ({"supplier": "cars"}, lambda h: any("cars" in s.lower() for s in h["suppliers"])),
]


@pytest.mark.parametrize(("filters", "holds"), FILTERS, ids=lambda v: ",".join(v) if isinstance(v, dict) else "")
def test_every_hit_satisfies_each_filter_and_limit_is_filled(aligned_settings: Settings, index: SearchIndex, filters: dict[str, Any], holds: Any) -> None:
    result = search(aligned_settings, GENERIC, SearchFilters(**filters), limit=10, index=index)
    hits = result["results"]
    assert hits, filters
    assert all(holds(h) for h in hits), [(h["title"], filters) for h in hits if not holds(h)]
    # filtering happens before ranking: as many hits as asked whenever enough processes pass the filter
    assert len(hits) == min(10, result["candidates"])
    assert result["candidates"] < len(index)


def test_narrow_filter_with_unrelated_query_still_fills_the_limit(aligned_settings: Settings, index: SearchIndex) -> None:
    """'Top-k then filter' would find almost nothing here: few taxi notices are in the top 10 for 'software licences'."""
    filters = SearchFilters(supplier="cars")
    result = search(aligned_settings, "software licences", filters, limit=5, index=index)
    assert result["candidates"] >= 5 and len(result["results"]) == 5


def test_filters_combine(aligned_settings: Settings, index: SearchIndex) -> None:
    filters = SearchFilters(status="open", as_of=AS_OF, mission="opportunity")
    hits = search(aligned_settings, "transport", filters, index=index)["results"]
    assert hits and all(h["status"] == "open" and any(m["mission"] == "opportunity" and m["advances"] for m in h["missions"]) for h in hits)


def test_bad_filters_are_refused_with_the_fix() -> None:
    from kg.errors import QueryError

    with pytest.raises(QueryError, match="use one of growth"):
        SearchFilters(mission="prosperity")
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        SearchFilters(published_from="last week")
    with pytest.raises(QueryError, match="digits"):
        SearchFilters(cpv=("roads",))
    for day in ("2025-01-01garbage", "2025-01-01T99:99"):
        with pytest.raises(QueryError, match="YYYY-MM-DD"):
            SearchFilters(as_of=day)
    assert SearchFilters(as_of="2025-01-01T23:30:00Z").as_of == "2025-01-01"
    assert SearchFilters(outcome="health/mental-health").outcome == SearchFilters(outcome="mental-health").outcome == "mental-health"
    for wrong in ("bogus", "growth/mental-health"):
        with pytest.raises(QueryError, match=f"unknown outcome area '{wrong}'"):
            SearchFilters(outcome=wrong)
    for value in (float("nan"), float("inf")):
        with pytest.raises(QueryError, match="min_value must be a finite number"):
            SearchFilters(min_value=value)


def test_snippets_escape_the_notice_text() -> None:
    from kg.search.keyword import snippet

    shown = snippet('Road works <img src=x onerror="alert(1)"> & resurfacing of the A1 road', "road")
    assert shown.startswith("<mark>Road</mark> works &lt;img") and "&amp; resurfacing" in shown and "<img" not in shown
    assert shown.endswith("A1 <mark>road</mark>")


def test_similar_contracts(aligned_settings: Settings, index: SearchIndex) -> None:
    top = search(aligned_settings, "school transport", limit=1, index=index)["results"][0]
    result = similar(aligned_settings, top["ocid"], limit=5, index=index)
    ocids = [r["ocid"] for r in result["results"]]
    assert top["ocid"] not in ocids and len(ocids) == 5
    assert sum(bool(re.search(r"transport|taxi", r["title"] + r["snippet"], re.IGNORECASE)) for r in result["results"]) >= 4
    assert all(r["scores"]["dense"] == r["score"] for r in result["results"])


def test_opportunities_are_open_tenders_with_reasons(aligned_settings: Settings, index: SearchIndex, graph: Any) -> None:
    report = opportunity_report(aligned_settings, "Cascade Cars", as_of=AS_OF, limit=5, store=graph, index=index)
    assert report["supplier"]["name"] == "Cascade Cars" and report["awards_compared"] >= 3
    won = {r["ocid"] for r in search(aligned_settings, "", SearchFilters(supplier="Cascade Cars"), limit=50, index=index)["results"]}
    results = report["results"]
    assert len(results) == 5
    for hit in results:
        assert hit["status"] == "open" and hit["ocid"] not in won
        assert hit["dates"]["deadline"] is None or hit["dates"]["deadline"] >= AS_OF
        assert hit["reason"].startswith("resembles your award") and hit["resembles"]["ocid"] in won
        assert hit["resembles"]["buyer"] and hit["resembles"]["buyer"] in hit["reason"]
    assert "transport" in results[0]["title"].lower()
    # the notebook's call: a list of results
    assert [r["ocid"] for r in opportunities(aligned_settings, report["supplier"]["iri"], as_of=AS_OF, limit=5, store=graph, index=index)] == [r["ocid"] for r in results]


def test_opportunities_from_a_capability_statement_alone(aligned_settings: Settings, index: SearchIndex, graph: Any) -> None:
    report = opportunity_report(aligned_settings, "Cascade Cars", as_of=AS_OF, capability="electric vehicle charging points",
                                region="wales", limit=3, store=graph, index=index)
    assert report["results"] and all(h["status"] == "open" for h in report["results"])
    assert any(h["reason"].startswith("matches your capability") for h in report["results"])


def test_typed_queries_and_capabilities_stay_out_of_the_embedding_cache(aligned_settings: Settings, index: SearchIndex, graph: Any) -> None:
    typed = [f"winter gritting of rural roads {uuid.uuid4().hex}", f"we install heat pumps {uuid.uuid4().hex}"]
    search(aligned_settings, typed[0], limit=3, index=index)
    opportunity_report(aligned_settings, "Cascade Cars", as_of=AS_OF, capability=typed[1], limit=3, store=graph, index=index)
    cache = index.embedder.cache
    assert not cache.get_many([cache.key(index.embedder.model_id, text) for text in typed])


def test_cli_search_similar_opportunities(aligned_settings: Settings) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    runner = CliRunner()
    data = ["--data-dir", str(aligned_settings.data_dir)]
    out = runner.invoke(app, ["search", "school transport", "--status", "open", "--as-of", AS_OF, "--limit", "3", "--json", *data])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert set(payload) >= {"results", "candidates", "filters"} and payload["filters"]["status"] == "open"
    assert payload["results"] and all({"ocid", "title", "score"} <= set(r) for r in payload["results"])
    out = runner.invoke(app, ["similar", payload["results"][0]["ocid"], "--json", *data])
    assert out.exit_code == 0 and len(json.loads(out.stdout)["results"]) == 10
    out = runner.invoke(app, ["opportunities", "Cascade Cars", "--as-of", AS_OF, "-n", "2", *data])
    assert out.exit_code == 0 and "resembles your award" in out.stdout


def test_cli_names_a_bad_filter_by_its_option(aligned_settings: Settings) -> None:
    bad = subprocess.run([sys.executable, "-m", "kg.cli", "search", "x", "--published-from", "2024-13-01", "-d", str(aligned_settings.data_dir)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "Error: --published-from must be a date written YYYY-MM-DD, got '2024-13-01'" in bad.stderr


JUDGMENTS = Path(__file__).parent / "data" / "search_judgments.jsonl"


def test_eval_search_scores_the_judged_queries_and_hybrid_beats_each_ranker(aligned_settings: Settings) -> None:
    from typer.testing import CliRunner

    from kg.cli import app

    out = CliRunner().invoke(app, ["eval", "search", "--judgments", str(JUDGMENTS), "--json", "--data-dir", str(aligned_settings.data_dir)])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    methods = report["methods"]
    assert report["queries"] >= 25 and report["judged_missing"] > 0  # the test graph holds four of the sources
    assert set(methods) == {"dense", "bm25", "hybrid", "rrf"}
    assert methods["hybrid"]["ndcg_at_10"] >= 0.6
    assert methods["hybrid"]["ndcg_at_10"] > max(methods["dense"]["ndcg_at_10"], methods["bm25"]["ndcg_at_10"])
    assert methods["hybrid"]["recall_at_50"] >= max(methods["dense"]["recall_at_50"], methods["bm25"]["recall_at_50"])
    assert methods["hybrid"]["per_query"]["home to school transport"] >= 0.8


def test_judgment_files_cover_every_query_and_bad_lines_are_named(tmp_path: Path) -> None:
    from kg.errors import InputError
    from kg.search.evaluation import load_judgments

    judged = load_judgments(JUDGMENTS)
    queries = [json.loads(line)["query"] for line in (JUDGMENTS.parent / "search_queries.jsonl").read_text().splitlines()]
    assert len(queries) >= 30 and list(judged) == queries
    assert all(len(grades) >= 40 and any(g >= 1 for g in grades.values()) for grades in judged.values())  # whole pools judged
    bad = tmp_path / "judged.jsonl"
    bad.write_text('{"query": "school meals", "ocid": "ocds-1", "grade": 2}\n{"query": "school meals", "ocid": "ocds-2", "grade": 5}\n')
    with pytest.raises(InputError, match=r"judged.jsonl:2: needs a query, an ocid and a grade 0-3"):
        load_judgments(bad)


def test_api_routes(aligned_settings: Settings, index: SearchIndex) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(aligned_settings)) as client:
        found = client.get("/api/v1/search", params={"q": "school transport", "cpv": "60", "limit": 3})
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["results"] and all(any(c.startswith("60") for c in r["cpv"]) for r in body["results"])
        ocid = body["results"][0]["ocid"]
        like = client.get(f"/api/v1/contracts/{ocid}/similar", params={"limit": 2})
        assert like.status_code == 200 and len(like.json()["results"]) == 2
        supplier = next(iri for iri in index.columns.suppliers.keys if iri.endswith("/cascade-cars"))
        tail = supplier.split("/id/org/", 1)[1]
        opps = client.get(f"/api/v1/suppliers/{tail}/opportunities", params={"as_of": AS_OF, "limit": 2})
        assert opps.status_code == 200, opps.text
        assert all(r["status"] == "open" and r["reason"] for r in opps.json()["results"])
        missing = client.get("/api/v1/contracts/ocds-nope/similar")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        bad = client.get("/api/v1/search", params={"q": "x", "status": "pending"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def _demo(path: Path, n: int, seed: int) -> list[str]:
    from ingest.demo import write_demo

    write_demo(path, n, seed=seed)
    return sorted({json.loads(line)["ocid"] for line in path.read_text().splitlines()})


def test_incremental_update_adds_new_processes_without_rebuilding(copied: Settings, tmp_path: Path) -> None:
    from ingest.build import build

    before = SearchIndex(copied)
    old_count, old_slots, old_generation = len(before), len(before.dense.slot_doc), before.generation
    old_vectors = np.array(before.dense.vectors())
    before.close()
    new = _demo(tmp_path / "demo.jsonl", 12, seed=5)
    summary = build(copied, [str(tmp_path / "demo.jsonl")])
    figures = summary.stages["index"]
    assert figures["added"] == len(new) and figures["replaced"] == 0 and figures["removed"] == 0
    assert figures["full_rebuilds"] == 0 and figures["keyword_rebuilds"] == 1
    after = SearchIndex(copied)
    # the old vectors are kept as they were: only the new processes' passages were added
    assert len(after) == old_count + len(new)
    assert len(after.dense.slot_doc) == old_slots + figures["passages_added"]
    assert np.array_equal(after.dense.vectors()[:old_slots], old_vectors)
    assert after.generation > old_generation
    title = after.db.rows([after.columns.ocid[new[0]]])[after.columns.ocid[new[0]]]["title"]
    hits = search(copied, title, limit=3, index=after)["results"]
    assert new[0] in {h["ocid"] for h in hits}
    after.close()


def test_interrupted_index_update_leaves_a_consistent_index_that_a_rerun_completes(
    copied: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.build import build
    from kg.namespaces import process_graph
    from kg.search import index as index_module
    from kg.search.meta import MetaDB
    from kg.store import open_store

    new = _demo(tmp_path / "demo.jsonl", 8, seed=9)
    build(copied, [str(tmp_path / "demo.jsonl")], skip_stages=frozenset({"index"}))  # as if killed before the index stage
    old = SearchIndex(copied)
    old_ocids, old_generation = set(old.db.manifest()), old.generation
    old.close()

    def killed(self: MetaDB) -> None:
        raise KeyboardInterrupt("killed between writing the new index files and committing them")

    monkeypatch.setattr(MetaDB, "commit", killed)
    store = open_store(copied)
    with pytest.raises(KeyboardInterrupt):
        index_module.run(copied, store, [], lambda *a: None)
    monkeypatch.undo()
    # a real kill also leaves the files of the generation it was writing: they are not current
    shutil.copy(copied.index_dir / f"dense-{old_generation}.faiss", copied.index_dir / f"dense-{old_generation + 1}.faiss")
    reopened = SearchIndex(copied, writable=True)
    assert set(reopened.db.manifest()) == old_ocids and reopened.generation == old_generation
    assert sorted(p.name for p in copied.index_dir.glob("dense-*")) == [f"dense-{old_generation}.faiss"]
    # one process disappears from the graph meanwhile
    gone = min(old_ocids)
    store.drop_graphs([process_graph(gone)])
    figures = reopened.sync(store)
    assert figures["added"] == len(new) and figures["removed"] == 1 and figures["replaced"] == 0
    graph_ocids = set(store.select("SELECT ?o WHERE { ?p mkg:ocid ?o }").column("o"))
    assert set(reopened.db.manifest()) == graph_ocids
    live = reopened.dense.slot_doc[reopened.dense.slot_doc >= 0]
    assert set(np.unique(live)) == {reopened.columns.ocid[o] for o in graph_ocids}
    assert set(reopened.keyword.row_doc) == {reopened.columns.ocid[o] for o in graph_ocids}
    assert gone not in {h["ocid"] for h in search(copied, "", limit=1000, index=reopened)["results"]}
    # a second rerun finds nothing to do
    assert reopened.sync(store)["added"] == 0 and reopened.stats["passages_added"] == figures["passages_added"]
    reopened.close()
    store.close()
