"""Schemathesis against the OpenAPI schema: no 5xx anywhere, and every response matches what the schema says.

Each operation gets a small example budget so the suite stays within CI's time; raise
MISSIONKG_FUZZ_EXAMPLES to dig deeper. (Operations are driven from a plain test because
schemathesis' lazy pytest loader does not run under pytest 9.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api import api_settings  # noqa: F401  (the shared invented graph)

from api import create_app
from api.config import ApiOptions
from kg.settings import Settings

EXAMPLES = int(os.environ.get("MISSIONKG_FUZZ_EXAMPLES", "15"))
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def operations(api_settings: Settings) -> dict[str, schemathesis.APIOperation]:  # noqa: F811
    """Every operation of the app's own OpenAPI document, served in-process."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(api_settings, ApiOptions(sparql_workers=1)))
    found = [result.ok() for result in schema.get_all_operations()]
    return {f"{op.method.upper()} {op.path}": op for op in found}


def test_every_route_is_fuzzed(operations: dict[str, schemathesis.APIOperation]) -> None:
    assert len(operations) >= 13


@pytest.mark.parametrize(
    "label",
    ["GET /healthz", "GET /readyz", "GET /api/v1/missions", "GET /api/v1/missions/{mission_id}",
     "GET /api/v1/missions/{mission_id}/contracts", "GET /api/v1/contracts/{ocid}", "GET /api/v1/suppliers",
     "GET /api/v1/suppliers/{org_id}", "GET /api/v1/buyers/{org_id}", "GET /api/v1/queries", "GET /api/v1/queries/{name}",
     "GET /sparql", "POST /sparql"],
)
def test_no_server_error_and_responses_match_the_schema(operations: dict[str, schemathesis.APIOperation], label: str) -> None:
    @given(case=operations[label].as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    fuzz()
