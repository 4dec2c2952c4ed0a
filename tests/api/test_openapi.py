"""Schemathesis over the OpenAPI document against the ASGI app: no 5xx, and every answer matches its schema.

Runs on a throwaway copy of the test Site (SQLite: the storage tests cover both backends) with an
administrator's bearer token, so the state-changing routes are exercised too. Bounded: a few
examples per operation (schemathesis keeps Hypothesis' settings of the test).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from .conftest import bearer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def api_schema(app):  # noqa: ANN001, ANN201
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, site) -> None:  # noqa: ANN001
    case.call_and_validate(headers=bearer(site, "administrator"), checks=CHECKS)
