"""`user_withdraw` as Zalo (here the simulator) sends it: parsed with its user as subject, and
queued for processing rather than stored as an unknown event."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from bot.sim.webhook import WebhookDispatcher
from bot.zalo.events import UnknownEvent, WithdrawEvent, parse_event
from tests.sim.conftest import sim

__all__ = ["sim"]  # the fixture


class Capture(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(await request.aread()))
        return httpx.Response(200, json={"error": 0})


async def test_the_simulator_sends_user_withdraw(sim: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = sim
    bot = Capture()
    app.state.sim_hooks = WebhookDispatcher(app.state.sim, transport=bot)
    user = (await client.post("/_sim/users", json={"display_name": "Bà Lan"})).json()
    response = await client.post("/_sim/withdraw", json={"user_id": user["user_id"]})
    assert response.status_code == 200
    event = parse_event(bot.bodies[-1])
    assert isinstance(event, WithdrawEvent)
    assert not isinstance(event, UnknownEvent)
    assert event.subject_id == user["user_id"]
    assert event.dedupe_key.endswith(user["user_id"])
