"""Replies reach residents through the simulator despite Zalo's failures."""

from __future__ import annotations

import asyncio

import httpx
from sqlmodel import select

from bot.dev.chat import ChatClient
from db.models import Outbox
from db.session import read_scope
from tests.live import Live

HOUR_MS = 3_600_000


async def resident(http: httpx.AsyncClient, name: str = "Bác Ba") -> ChatClient:
    chat = ChatClient(http, name, quiet_s=0.4)
    await chat.join()
    await chat.receive()
    return chat


def outbox_rows(live: Live) -> list[Outbox]:
    with read_scope(live.runtime.engine) as s:
        return list(s.exec(select(Outbox)).all())


async def test_follow_then_chat_end_to_end(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = ChatClient(http, "Cô Tư", quiet_s=0.4)
        await chat.join()
        welcome = await chat.receive()
        assert "Xã Hòa An" in welcome[0]
        assert "[5] Gặp cán bộ hỗ trợ" in welcome[-1]
        await asyncio.sleep(3.5)  # the profile job has fetched the display name meanwhile
        await chat.send("xin chào")
        assert "Chào Cô Tư" in "\n".join(await chat.receive())
        await chat.send("cảm ơn nhiều nha")
        assert "không có gì" in "\n".join(await chat.receive())


async def test_token_expiry_mid_conversation_refreshes_once(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = await resident(http)
        # Zalo's clock moves past the 25 h token lifetime; the bot still thinks it is valid.
        await http.post("/_sim/clock", json={"advance_ms": 26 * HOUR_MS})
        await http.post("/_sim/chatnow", json={"user_id": chat.user_id})
        await chat.send("menu")
        replies = await chat.receive()
        assert replies and "Bạn cần hỗ trợ việc gì?" in replies[-1]
        stats = (await http.get("/_sim/tokens/stats")).json()
    assert stats["refreshes"] == 1
    assert stats["refresh_reuse_attempts"] == 0
    assert live.runtime.tokens.refresh_count == 1


async def test_rate_limit_backs_off_then_delivers(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = await resident(http)
        await http.post(
            "/_sim/faults", json={"route": "/v3.0/oa/message/cs", "error_code": -32, "count": 3}
        )
        await chat.send("menu")
        replies = await chat.receive(max_wait_s=10)
        metrics = (await http.get("/metrics")).text
    assert replies and "Bạn cần hỗ trợ việc gì?" in replies[-1]
    [row] = [r for r in outbox_rows(live) if r.recipient == chat.user_id][-1:]
    assert row.status == "sent" and row.attempts == 4
    assert 'bot_send_failures_total{code="-32"} 3.0' in metrics


async def test_server_errors_and_timeouts_are_retried(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = await resident(http)
        await http.post(
            "/_sim/faults", json={"route": "/v3.0/oa/message/cs", "http_status": 502, "count": 2}
        )
        await chat.send("menu")
        assert "Bạn cần hỗ trợ việc gì?" in (await chat.receive(max_wait_s=10))[-1]
        sent = (await http.get("/_sim/outbox", params={"user_id": chat.user_id})).json()["items"]
    menus = [
        s
        for s in sent
        if "Bạn cần hỗ trợ việc gì?" in str(s["body"]["message"].get("attachment", ""))
    ]
    assert len(menus) == 2  # the welcome menu and this one: nothing sent twice


async def test_lost_answer_after_zalo_accepted_is_not_sent_twice(live: Live) -> None:
    """The answer to an accepted send never arrives: the row is uncertain, then reconciled."""
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = await resident(http)
        await http.post(
            "/_sim/faults",
            json={"route": "/v3.0/oa/message/cs", "http_status": 500, "after_accept": True},
        )
        await http.post("/_sim/config", json={"echo": False})  # only the history can tell
        await chat.send("menu")
        await chat.receive(max_wait_s=3)
        for _ in range(60):
            rows = [r for r in outbox_rows(live) if r.recipient == chat.user_id]
            if all(r.status == "sent" for r in rows):
                break
            await asyncio.sleep(0.1)
        sent = (await http.get("/_sim/outbox", params={"user_id": chat.user_id})).json()["items"]
    rows = [r for r in outbox_rows(live) if r.recipient == chat.user_id]
    assert [r.status for r in rows] == ["sent"] * len(rows)
    assert len(sent) == len(rows)  # each row reached Zalo exactly once


async def test_window_closed_is_recorded_with_its_reason(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = await resident(http)
        await http.post("/_sim/faults", json={"route": "/v3.0/oa/message/cs", "error_code": -230})
        await chat.send("menu")
        await chat.receive(max_wait_s=2)
    failed = [r for r in outbox_rows(live) if r.status == "failed"]
    assert [(r.error_code, r.error_message) for r in failed] == [
        (-230, "Người nhận không tương tác với OA trong 7 ngày qua")
    ]
