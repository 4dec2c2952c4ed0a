"""Schemathesis over the OpenAPI document against the ASGI app: no 5xx, and every answer matches its schema.

Runs on a throwaway copy of the test Site (SQLite: the storage tests cover both backends) with an
administrator's bearer token, so the state-changing routes are exercised too. Bounded: a few
examples per operation (schemathesis keeps Hypothesis' settings of the test).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import bearer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_every_operation_answers_within_its_schema(app, site, subtests) -> None:  # noqa: ANN001
    """Each operation of the document, a few generated cases each, every check on every answer.

    The operations are walked here rather than through schemathesis' pytest plugin (`from_fixture`),
    whose lazy fixtures break with pytest releases; the cases and checks are the same.
    """
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40, "the document lost its operations"
    headers = bearer(site, "administrator")
    for operation in operations:
        with subtests.test(operation=operation.label):

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def answers_within_schema(case) -> None:  # noqa: ANN001
                case.call_and_validate(headers=headers, checks=CHECKS)

            answers_within_schema()
