"""Property-based API testing with schemathesis against the app's own OpenAPI document:
whatever it sends, the webhook and the admin API answer without a server error, and their
answers match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dbs import migrated_sqlite_template, sqlite_copy
from tests.live import Live, run_live

PATHS = r"^/(webhook/zalo|admin/stats|admin/stats\.csv|healthz|readyz)$"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    directory = tmp_path_factory.mktemp("schemathesis")
    url = sqlite_copy(migrated_sqlite_template(directory), directory)
    yield from run_live(url)


@pytest.fixture(scope="module")
def operations(live_app: Live) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{live_app.url}/openapi.json").include(path_regex=PATHS)
    found = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in found} >= {"/webhook/zalo", "/admin/stats", "/healthz"}
    return found


def test_no_server_errors_and_answers_match_the_schema(
    live_app: Live, operations: list[Any]
) -> None:
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=live_app.url)
            assert response.status_code < 500, (
                case.method,
                case.path,
                response.status_code,
                response.text[:300],
            )
            case.validate_response(response)

        check()


def test_webhook_survives_arbitrary_json(live_app: Live) -> None:
    """Any JSON, signed or not: a 4xx or a 200, never a server error."""
    import httpx

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=15,
    )

    @given(value=json_values)
    @settings(
        max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(value: Any) -> None:
        import json

        body = json.dumps(value).encode()
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + "a" * 64}
        response = httpx.post(f"{live_app.url}/webhook/zalo", content=body, headers=headers)
        assert response.status_code in (400, 401), response.text

    check()
