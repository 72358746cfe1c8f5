"""Property-based testing of /admin/campaigns with a valid admin token: whatever schemathesis
sends (bodies, ids, query strings), the answer is never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from bot.config import DEMO_ADMIN_TOKEN
from tests.dbs import migrated_sqlite_template, sqlite_copy
from tests.live import Live, run_live

PATHS = r"^/admin/campaigns"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    directory = tmp_path_factory.mktemp("campaign-fuzz")
    url = sqlite_copy(migrated_sqlite_template(directory), directory)
    yield from run_live(url, campaign_tick_s=0.5)


def test_campaign_api_never_answers_with_a_server_error(live_app: Live) -> None:
    schema = schemathesis.openapi.from_url(f"{live_app.url}/openapi.json").include(path_regex=PATHS)
    operations: list[Any] = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    headers = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
    seen: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=live_app.url, headers=headers)
            seen.append(response.status_code)
            assert response.status_code < 500, (
                case.method,
                case.path,
                case.body,
                response.status_code,
                response.text[:300],
            )

        check()
    assert {200, 400} <= set(seen)  # both accepted and refused requests were tried
