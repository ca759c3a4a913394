"""Property-based API tests generated from the OpenAPI document (schemathesis): no 5xx, documented codes only."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from greenpark.service.app import create_app
from greenpark.service.keys import create_key
from greenpark.service.settings import ServiceSettings

pytestmark = pytest.mark.service

_DB = Path(tempfile.mkdtemp(prefix="greenpark-schemathesis-")) / "jobs.db"
APP = create_app(ServiceSettings(db_url=f"sqlite:///{_DB}", wait_limit_s=0.2, max_jobs_in_flight=1000))
KEY = create_key(APP.state.store, "schemathesis")
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_contract(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, excluded_checks=[
        schemathesis.checks.positive_data_acceptance,  # a park can satisfy the schema and still be invalid (422)
    ])  # fmt: skip
