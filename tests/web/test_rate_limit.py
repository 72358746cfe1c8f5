"""The admin failure limiter: it counts the connecting address, believes X-Forwarded-For only
from configured proxies (TRUSTED_PROXIES, none by default), and remembers a bounded number of
addresses. Over HTTP, against `bot serve` itself (its uvicorn options matter here)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.api.admin.auth import FailureLimiter
from bot.config import DEMO_ADMIN_TOKEN
from tests.live import Live, run_live
from tests.servers import BotProcess, bot_env, demo_sim_app, free_port, serve_in_thread

LIMIT = 30  # Settings.admin_rate_limit_per_min
VALID = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}


def _client(url: str, source: str = "127.0.0.1") -> httpx.Client:
    """A client connecting from `source` (any 127.x.y.z address reaches 127.0.0.1)."""
    return httpx.Client(
        base_url=url, timeout=15, transport=httpx.HTTPTransport(local_address=source)
    )


def _guess(http: httpx.Client, i: int, forwarded_for: str | None) -> int:
    headers = {"Authorization": f"Bearer zb_guess{i}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return http.get("/admin/stats", headers=headers).status_code


def _serve(db_url: str, tmp_path: Path, **env: str) -> Iterator[str]:
    port = free_port()
    with serve_in_thread(demo_sim_app(port)) as sim_url:
        bot = BotProcess(bot_env(db_url, sim_url, **env), port, tmp_path / "bot.log")
        try:
            bot.start()
            yield bot.url
        finally:
            bot.stop()


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[str]:
    """`bot serve --demo` with the default settings: no proxy is trusted."""
    yield from _serve(db_url, tmp_path)


@pytest.fixture
def behind_proxy(db_url: str, tmp_path: Path) -> Iterator[str]:
    """`bot serve --demo` behind a proxy at 127.0.0.1 (TRUSTED_PROXIES)."""
    yield from _serve(db_url, tmp_path, TRUSTED_PROXIES="127.0.0.1")


def test_a_rotating_forwarded_for_does_not_escape_the_limit(served: str) -> None:
    with _client(served) as http:
        codes = [_guess(http, i, f"198.51.100.{i}") for i in range(LIMIT + 10)]
    assert codes[:LIMIT] == [401] * LIMIT
    assert set(codes[LIMIT:]) == {429}


def test_a_spoofed_forwarded_for_does_not_lock_out_that_address(served: str) -> None:
    with _client(served) as attacker:
        codes = [_guess(attacker, i, "127.0.0.2") for i in range(LIMIT + 5)]
    assert codes[-1] == 429  # the attacker locked out itself
    with _client(served, source="127.0.0.2") as victim:
        assert victim.get("/admin/stats", headers=VALID).status_code == 200


def test_a_configured_proxy_is_believed_and_only_it(behind_proxy: str) -> None:
    with _client(behind_proxy) as proxy:
        # Through the proxy, each resident address has its own count ...
        codes = [_guess(proxy, i, "203.0.113.7") for i in range(LIMIT + 2)]
        assert codes[-1] == 429
        other = {"X-Forwarded-For": "203.0.113.8", **VALID}
        assert proxy.get("/admin/stats", headers=other).status_code == 200
        # ... and the right-most untrusted address counts, not what the client wrote first.
        spoofed = [_guess(proxy, i, f"10.9.9.{i}, 203.0.113.7") for i in range(3)]
        assert spoofed == [429, 429, 429]
    with _client(behind_proxy, source="127.0.0.2") as direct:  # not a trusted proxy
        codes = [_guess(direct, i, f"198.51.100.{i}") for i in range(LIMIT + 3)]
    assert codes[:LIMIT] == [401] * LIMIT and set(codes[LIMIT:]) == {429}


@pytest.fixture
def small_table(sqlite_url: str) -> Iterator[Live]:
    yield from run_live(sqlite_url, trusted_proxies="127.0.0.1", admin_rate_limit_max_clients=100)


def test_the_table_of_addresses_is_bounded(small_table: Live) -> None:
    limiter: FailureLimiter = small_table.app.state.admin_limiter
    with _client(small_table.url) as http:
        codes = {_guess(http, i, f"10.{i // 250}.{i % 250}.1") for i in range(400)}
        assert codes == {401}
        assert len(limiter) == 100
        # The most recent addresses are still counted: one of them reaches the limit.
        recent = "10.1.149.1"  # i = 399
        later = [_guess(http, i, recent) for i in range(LIMIT)]
    assert later[-1] == 429 and later.count(401) == LIMIT - 1


def test_twenty_thousand_addresses_take_bounded_memory() -> None:
    """The defect: +17 MB for 20,000 addresses, growing without end. Bounded to
    `max_clients` entries of one small tuple each."""
    limiter = FailureLimiter(limit=LIMIT, max_clients=10_000)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for i in range(20_000):
            address = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
            assert not limiter.blocked(address)
            limiter.fail(address)
        grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    assert len(limiter) == 10_000
    assert grown < 4 * 1024 * 1024, grown
