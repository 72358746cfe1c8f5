"""The token manager: refresh once, rotate atomically, never reuse a refresh token."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest
from sqlalchemy import Engine

from bot.clock import FakeClock
from bot.zalo.client import TokenPair, ZaloClient
from bot.zalo.tokens import TokenManager, TokenUnavailable
from db import tokens as token_rows
from db.session import session_scope

OA = "oa1"


class FakeOAuth:
    """Zalo's token endpoint: single-use refresh tokens, a new pair each time."""

    def __init__(self) -> None:
        self.valid_refresh = {"r0"}
        self.used: set[str] = set()
        self.reuse_attempts = 0
        self.calls = 0
        self.counter = itertools.count(1)
        self.mode = "ok"  # ok | lose_answer | refused

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v4/oa/access_token"
        assert request.headers["secret_key"] == "app-secret"
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        self.calls += 1
        token = form["refresh_token"]
        await asyncio.sleep(0.01)
        if token in self.used:
            self.reuse_attempts += 1
            return httpx.Response(
                200, json={"error": -14020, "error_name": "Invalid refresh token"}
            )
        if self.mode == "refused" or token not in self.valid_refresh:
            return httpx.Response(
                200, json={"error": -14020, "error_name": "Invalid refresh token"}
            )
        self.used.add(token)
        n = next(self.counter)
        self.valid_refresh.add(f"r{n}")
        if self.mode == "lose_answer":
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(
            200, json={"access_token": f"a{n}", "refresh_token": f"r{n}", "expires_in": "90000"}
        )


def _manager(engine: Engine, fake: FakeOAuth, clock: FakeClock) -> TokenManager:
    client = ZaloClient(
        httpx.AsyncClient(transport=httpx.MockTransport(fake)),
        openapi_base="https://openapi.test",
        oauth_base="https://oauth.test",
        app_id="app",
        app_secret="app-secret",
    )
    return TokenManager(engine=engine, client=client, oa_id=OA, clock=clock, margin_s=3600)


def _seed(engine: Engine, clock: FakeClock, *, expires_in_s: int) -> None:
    with session_scope(engine) as s:
        token_rows.save_pair(
            s,
            oa_id=OA,
            access_token="a0",
            refresh_token="r0",
            expires_in_s=expires_in_s,
            now=clock.now(),
        )


async def test_no_token_means_the_oa_must_be_connected(engine: Engine) -> None:
    with pytest.raises(TokenUnavailable, match="bot zalo connect"):
        await _manager(engine, FakeOAuth(), FakeClock()).access_token()


async def test_valid_token_is_used_without_calling_zalo(engine: Engine) -> None:
    clock, fake = FakeClock(), FakeOAuth()
    _seed(engine, clock, expires_in_s=90000)
    assert await _manager(engine, fake, clock).access_token() == "a0"
    assert fake.calls == 0


async def test_expiring_token_is_rotated_once_and_saved_before_use(engine: Engine) -> None:
    clock, fake = FakeClock(), FakeOAuth()
    _seed(engine, clock, expires_in_s=600)  # inside the 1 h margin
    manager = _manager(engine, fake, clock)
    assert await manager.access_token() == "a1"
    assert await manager.access_token() == "a1"
    with session_scope(engine) as s:
        row = token_rows.get(s, oa_id=OA)
        assert row is not None
        assert (row.access_token, row.refresh_token, row.state) == ("a1", "r1", "ok")
    assert fake.calls == 1 and fake.reuse_attempts == 0


async def test_rejected_token_refreshes_once_even_when_many_ask_at_once(engine: Engine) -> None:
    """Two processes (two managers) and many concurrent sends see -216 together."""
    clock, fake = FakeClock(), FakeOAuth()
    _seed(engine, clock, expires_in_s=90000)
    first, second = _manager(engine, fake, clock), _manager(engine, fake, clock)
    results = await asyncio.gather(*(m.rejected("a0") for m in [first, second] * 5))
    assert set(results) == {"a1"}
    assert fake.calls == 1
    assert fake.reuse_attempts == 0


async def test_lost_refresh_answer_is_never_retried_with_the_same_token(engine: Engine) -> None:
    clock, fake = FakeClock(), FakeOAuth()
    _seed(engine, clock, expires_in_s=60)
    fake.mode = "lose_answer"
    alerts: list[str] = []
    manager = _manager(engine, fake, clock)
    manager._on_alert = alerts.append
    with pytest.raises(TokenUnavailable):
        await manager.rejected("a0")
    fake.mode = "ok"
    clock.advance(seconds=120)
    for _ in range(3):
        with pytest.raises(TokenUnavailable, match="re-authorised"):
            await manager.access_token()
    assert fake.calls == 1 and fake.reuse_attempts == 0
    assert alerts
    with session_scope(engine) as s:
        row = token_rows.get(s, oa_id=OA)
        assert row is not None and row.state == "needs_reauth"


async def test_a_refresh_interrupted_by_a_crash_is_not_retried(engine: Engine) -> None:
    clock, fake = FakeClock(), FakeOAuth()
    _seed(engine, clock, expires_in_s=60)
    with session_scope(engine) as s:
        token_rows.set_state(s, oa_id=OA, state="refreshing", error=None, now=clock.now())
    with pytest.raises(TokenUnavailable):
        await _manager(engine, fake, clock).rejected("a0")
    assert fake.calls == 0


async def test_demo_bootstrap_authorises_again_when_needed(engine: Engine) -> None:
    clock, fake = FakeClock(), FakeOAuth()
    manager = _manager(engine, fake, clock)

    async def bootstrap() -> TokenPair:
        return TokenPair("boot-a", "boot-r", 90000)

    manager._bootstrap = bootstrap
    assert await manager.access_token() == "boot-a"
    clock.advance(hours=30)
    fake.valid_refresh.add("boot-r")
    assert await manager.access_token() == "a1"
