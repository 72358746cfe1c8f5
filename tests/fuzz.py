"""Running schemathesis over some of the app's own operations (shared by the API tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings


def fuzz_operations(
    url: str,
    path_regex: str,
    *,
    headers: dict[str, str],
    max_examples: int,
    checks: Sequence[Callable[..., Any]] | None = None,
    at_least: int = 1,
) -> list[int]:
    """Call every operation whose path matches with generated data; assert no server error
    (and, with `checks`, that each answer passes them); the status codes seen."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").include(path_regex=path_regex)
    operations: list[Any] = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= at_least, f"{len(operations)} operations match {path_regex}"
    seen: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=url, headers=headers)
            seen.append(response.status_code)
            assert response.status_code < 500, (
                case.method,
                case.path,
                case.body,
                response.status_code,
                response.text[:300],
            )
            if checks is not None:
                case.validate_response(response, checks=tuple(checks))

        check()
    return seen
