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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.dbs import migrated_sqlite_template, sqlite_copy
from tests.fuzz import fuzz_operations
from tests.live import Live, run_live

PATHS = r"^/(webhook/zalo|admin/stats|admin/stats\.csv|healthz|readyz)$"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    directory = tmp_path_factory.mktemp("schemathesis")
    url = sqlite_copy(migrated_sqlite_template(directory), directory)
    yield from run_live(url, api_docs=True)  # it reads /openapi.json


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


ADMIN_PATHS = r"^/admin/"
ANSWER_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Its own app: the tests above send wrong tokens, which the failure limiter remembers."""
    directory = tmp_path_factory.mktemp("schemathesis-admin")
    url = sqlite_copy(migrated_sqlite_template(directory), directory)
    yield from run_live(url, api_docs=True)  # it reads /openapi.json


def test_every_admin_route_documents_its_answer(live_app: Live) -> None:
    """Each admin operation's success answer has a schema (a response model) in the OpenAPI
    document, or is declared as CSV/HTML."""
    import httpx

    document = httpx.get(f"{live_app.url}/openapi.json").json()
    undocumented = []
    for path, methods in document["paths"].items():
        if not path.startswith("/admin/"):
            continue
        for method, operation in methods.items():
            ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            content = ok.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if "application/json" in content and not schema.get("$ref") and not schema.get("type"):
                undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []


def test_admin_answers_match_their_schema_with_a_valid_token(admin_app: Live) -> None:
    """With an admin token, schemathesis reaches past authentication: every admin route,
    campaigns and organisation included, answers without a server error and as documented
    (a refused query, 400 with a reason, is an answer: its reasons are tested elsewhere)."""
    from bot.config import DEMO_ADMIN_TOKEN

    headers = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
    seen = fuzz_operations(
        admin_app.url, ADMIN_PATHS, headers=headers, max_examples=25, checks=ANSWER_CHECKS
    )
    assert 200 in seen
