"""The simulator's 2026 faces: billed sends refused when the OA's Zalo Cloud Account cannot
pay (`zca_billing`), the `quota` a send answers with, and the group member events."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from bot.sim.webhook import WebhookDispatcher
from bot.zalo.client import ZaloClient
from bot.zalo.errors import Action, ZaloError
from bot.zalo.events import GroupMemberEvent, parse_event

DAY_MS = 86_400_000


class Bot(httpx.AsyncBaseTransport):
    """The bot's side of the webhook: answers 200 and keeps every event."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.events.append(json.loads(await request.aread()))
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def bot(sim: tuple[FastAPI, httpx.AsyncClient]) -> Bot:
    app, _ = sim
    transport = Bot()
    app.state.sim_hooks = WebhookDispatcher(app.state.sim, transport=transport)
    return transport


async def _zalo(client: httpx.AsyncClient) -> tuple[ZaloClient, str]:
    token = (await client.post("/_sim/tokens")).json()["access_token"]
    zalo = ZaloClient(
        client,
        openapi_base="http://sim",
        oauth_base="http://sim",
        app_id="app",
        app_secret="app-secret",
    )
    return zalo, token


async def _user(client: httpx.AsyncClient, days_ago: float) -> str:
    now = (await client.post("/_sim/clock", json={})).json()["now_ms"]
    body = {"display_name": "Bác Sáu", "last_interaction_ms": int(now - days_ago * DAY_MS)}
    return str((await client.post("/_sim/users", json=body)).json()["user_id"])


@pytest.mark.parametrize("code", [-320, -321])
async def test_billed_sends_are_refused_while_the_account_cannot_pay(
    sim: tuple[FastAPI, httpx.AsyncClient], code: int
) -> None:
    _, client = sim
    zalo, token = await _zalo(client)
    assert (await client.post("/_sim/config", json={"zca_billing": code})).status_code == 200
    fresh, billed, gone = await _user(client, 1), await _user(client, 3), await _user(client, 8)
    sent = await zalo.send_cs(token, fresh, {"text": "Chào bác"})
    assert sent.quota == {"quota_type": "reply"}  # free within 48 h: no count since 2026
    with pytest.raises(ZaloError) as refused:
        await zalo.send_cs(token, billed, {"text": "Chào bác"})
    assert refused.value.code == code and refused.value.action is Action.BILLING
    with pytest.raises(ZaloError) as closed:
        await zalo.send_cs(token, gone, {"text": "Chào bác"})
    assert closed.value.code == -230 and closed.value.action is Action.WINDOW
    items = (await client.get("/_sim/outbox")).json()["items"]
    assert [i["recipient"] for i in items] == [fresh]  # nothing refused was delivered


async def test_a_paid_billed_send_carries_no_quota_and_the_old_cap_shows_counts(
    sim: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = sim
    zalo, token = await _zalo(client)
    billed = await zalo.send_cs(token, await _user(client, 3), {"text": "Chào bác"})
    assert billed.quota is None
    await client.post("/_sim/config", json={"cs_free_cap": 8})
    capped = await zalo.send_cs(token, await _user(client, 1), {"text": "Chào bác"})
    assert capped.quota == {"quota_type": "reply", "remain": "7", "total": "8"}


@pytest.mark.parametrize(
    ("name", "users", "after"),
    [
        ("accept_request_join_group", ["u3"], {"u1", "u2", "u3"}),
        ("reject_request_join_group", ["u3"], {"u1", "u2"}),
        ("user_out_group", ["u1"], {"u2"}),
        ("user_leave_group", ["u1"], {"u2"}),  # the older name, still accepted
    ],
)
async def test_group_member_events_change_the_group_and_reach_the_bot(
    sim: tuple[FastAPI, httpx.AsyncClient], bot: Bot, name: str, users: list[str], after: set[str]
) -> None:
    _, client = sim
    group = {"group_id": "g1", "name": "Thôn Đông", "members": ["u1", "u2"]}
    await client.post("/_sim/groups", json=group)
    response = await client.post(
        "/_sim/group_event", json={"group_id": "g1", "event": name, "user_ids": users}
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["members"]) == after
    [event] = bot.events
    assert event["event_name"] == name and event["group_id"] == "g1"
    assert event["users"] == [{"id": u} for u in users] and event["oa_id"] == "oa"
    parsed = parse_event(event)
    assert isinstance(parsed, GroupMemberEvent) and parsed.subject_id == "group:g1"


async def test_an_unknown_group_event_name_is_refused(
    sim: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = sim
    await client.post("/_sim/groups", json={"group_id": "g1", "name": "Thôn Đông"})
    bad = await client.post("/_sim/group_event", json={"group_id": "g1", "event": "user_dance"})
    assert bad.status_code == 400
