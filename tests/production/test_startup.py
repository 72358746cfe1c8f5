"""Production start-up on a database that has been used before: the demo admin token left by
demo mode stops working, a revoked bootstrap token stays revoked (and the start does not
crash on it), and `bot serve --demo` cannot turn a production deployment into a demo. The
real app over HTTP, on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import DEMO_ADMIN_TOKEN
from db import admin as admin_rows
from db.session import make_engine, read_scope, session_scope
from db.types import utcnow
from tests.production.settings import ADMIN_TOKEN, ENVIRONMENT, PRODUCTION, bearer, served
from tests.servers import ROOT, free_port


def _status(db_url: str, token: str, **settings: object) -> int:
    """Start the app on `db_url`, ask /admin/stats with `token`, stop it."""
    with served(db_url, **settings) as live, live.client() as http:
        return http.get("/admin/stats", headers=bearer(token)).status_code


def _revoke(db_url: str, label: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        [row] = [r for r in admin_rows.list_tokens(session) if r.label == label]
        assert row.id is not None and admin_rows.revoke(session, token_id=row.id, now=utcnow())
    engine.dispose()


def _tokens(db_url: str) -> list[tuple[str, bool]]:
    engine = make_engine(db_url)
    with read_scope(engine) as session:
        rows = [(r.label, r.revoked_at is None) for r in admin_rows.list_tokens(session)]
    engine.dispose()
    return rows


def test_production_revokes_the_demo_token_a_demo_run_left(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert _status(sqlite_url, DEMO_ADMIN_TOKEN) == 200  # demo mode: the printed token works
    with caplog.at_level("WARNING", logger="bot.main"):
        assert _status(sqlite_url, DEMO_ADMIN_TOKEN, **PRODUCTION) == 401
    assert any(
        "demo admin token" in r.getMessage() and "revoked" in r.getMessage() for r in caplog.records
    )
    assert ("demo", False) in _tokens(sqlite_url)
    # The configured ADMIN_TOKEN works, and a second start has nothing left to revoke.
    caplog.clear()
    with caplog.at_level("WARNING", logger="bot.main"):
        assert _status(sqlite_url, ADMIN_TOKEN, **PRODUCTION) == 200
    assert not any("demo admin token" in r.getMessage() for r in caplog.records)


def test_a_revoked_admin_token_stays_revoked_across_restarts(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert _status(sqlite_url, ADMIN_TOKEN, **PRODUCTION) == 200
    _revoke(sqlite_url, "bootstrap")
    for _ in range(2):  # the start used to fail: UNIQUE constraint failed: api_token.token_hash
        caplog.clear()
        with caplog.at_level("WARNING", logger="bot.main"):
            assert _status(sqlite_url, ADMIN_TOKEN, **PRODUCTION) == 401
        assert any(
            "ADMIN_TOKEN" in r.getMessage() and "revoked" in r.getMessage() for r in caplog.records
        )
    assert _tokens(sqlite_url) == [("bootstrap", False)]


def test_a_revoked_demo_token_stays_revoked_in_demo_mode(sqlite_url: str) -> None:
    assert _status(sqlite_url, DEMO_ADMIN_TOKEN) == 200
    _revoke(sqlite_url, "demo")
    assert _status(sqlite_url, DEMO_ADMIN_TOKEN) == 401
    assert _tokens(sqlite_url) == [("demo", False)]


def test_serve_demo_is_refused_in_production(sqlite_url: str) -> None:
    env = {**os.environ, **ENVIRONMENT, "DATABASE_URL": sqlite_url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "bot", "serve", "--demo", "--port", str(free_port())]
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:  # it started serving, simulator and all
        pytest.fail("`bot serve --demo` ran with BOT_MODE=production")
    assert done.returncode != 0
    assert "--demo" in done.stderr.decode() and "BOT_MODE=production" in done.stderr.decode()
    assert _tokens(sqlite_url) == []  # nothing was started on the database
