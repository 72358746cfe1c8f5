"""The simulator's webhook delivery: a transport failure of any kind is a failed delivery.

A bot killed mid-request makes anyio raise more than `httpx.HTTPError` (an `OSError`, or an
`AttributeError` about `getpeername` on a vanished socket). Those must not turn the control
call that caused the delivery into a 500; the delivery fails and is retried, as Zalo does.
The failure is injected at the HTTP transport, the only place it can be made to happen on cue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from bot.sim.webhook import WebhookDispatcher

FAILURES = [
    AttributeError("'NoneType' object has no attribute 'getpeername'"),
    OSError(9, "Bad file descriptor"),
    ConnectionResetError(104, "Connection reset by peer"),
    httpx.ConnectError("connection refused"),
]


class FailingThenUp(httpx.AsyncBaseTransport):
    """The bot's side of the wire: the first `failures` requests die with `exc`, the rest get
    200, and every request that reached it is kept."""

    def __init__(self, exc: BaseException, failures: int = 1) -> None:
        self.exc, self.failures = exc, failures
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            raise self.exc
        return httpx.Response(200, json={"ok": True})


async def _until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("exc", FAILURES, ids=lambda e: type(e).__name__)
async def test_a_transport_failure_is_a_failed_delivery_then_retried(
    sim: tuple[FastAPI, httpx.AsyncClient], exc: BaseException
) -> None:
    app, client = sim
    bot = FailingThenUp(exc)
    app.state.sim_hooks = WebhookDispatcher(app.state.sim, transport=bot)
    user = (await client.post("/_sim/users", json={"display_name": "Bà Lan"})).json()

    response = await client.post("/_sim/inbound", json={"user_id": user["user_id"], "text": "Chào"})

    assert response.status_code == 200
    delivery = response.json()["delivery"]
    assert delivery["status"] is None
    assert delivery["error"] == type(exc).__name__
    await _until(lambda: len(bot.requests) == 2)
    assert bot.requests[1].headers["num_retry"] == "1"
    assert bot.requests[1].content == bot.requests[0].content
    await _until(lambda: len(app.state.sim.webhook_log) == 2)
    log = (await client.get("/_sim/webhook_log")).json()
    assert [(e["retry"], e["status"]) for e in log["items"]] == [(0, None), (1, 200)]
    assert log["disabled"] is False


async def test_a_bot_that_keeps_dying_gets_its_webhook_disabled(
    sim: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = sim
    bot = FailingThenUp(OSError(9, "Bad file descriptor"), failures=100)
    app.state.sim_hooks = WebhookDispatcher(app.state.sim, transport=bot)
    user = (await client.post("/_sim/users", json={"display_name": "Ông Tư"})).json()

    response = await client.post("/_sim/chatnow", json={"user_id": user["user_id"]})

    assert response.status_code == 200
    assert response.json()["delivery"]["error"] == "OSError"
    await _until(lambda: app.state.sim.webhook_disabled, timeout_s=10.0)
    assert len(bot.requests) == 6  # the first try and the five retries of Zalo's ladder
