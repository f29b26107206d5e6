"""Property-based API testing: schemathesis generates requests from the hub's own OpenAPI
schema and sends them, authenticated as the owner, to a real hub process. No answer may be a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support.processes import Hub

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    hub = Hub(Path(tmp_path_factory.mktemp("hub")), extra_env={"EVERYST_LOGIN_MAX_FAILURES_PER_IP": "100000"})
    hub.start()
    yield hub
    hub.stop()


def test_no_request_the_schema_allows_gets_a_server_error(running_hub: Hub) -> None:
    token = running_hub.login()
    schema = schemathesis.openapi.from_url(f"{running_hub.url}/api/schema?format=json")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/auth/password":
            continue  # changing the owner's password would end the session the run uses
        if operation.path.endswith("/test"):
            continue  # a channel test sends a real message to wherever the generated channel points

        # 15 generated cases for each of the ~77 operations (~1,150 requests); 25 took 50-70 s of
        # a busy machine, most of it the hub answering, for the same operations and fields.
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(
                base_url=running_hub.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
            )
            if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                assert "error" in response.json(), response.text[:300]

        no_server_error()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 20, checked
