"""Hostile input and privacy: floods of redeliveries, secrets typed by residents."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx
import pytest
from sqlalchemy import MetaData, select

from bot.dev.chat import ChatClient
from db.models import InboundEvent, Outbox
from db.session import read_scope
from tests.e2e.test_webhook import sign, text_body
from tests.live import Live

SECRETS = {
    "cccd": "001090012345",
    "cccd_spaced": "0791 2345 6789",
    "otp": "482913",
    "card": "4111111111111111",
    "password": "Hoa@2024pass",
}


async def _flood(live: Live, body: bytes, n: int) -> list[int]:
    headers = sign(body, "1731900000123")
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=live.url, timeout=30, limits=limits) as http:
        sem = asyncio.Semaphore(20)

        async def one() -> int:
            async with sem:
                return (await http.post("/webhook/zalo", content=body, headers=headers)).status_code

        return await asyncio.gather(*(one() for _ in range(n)))


def _count(live: Live, user: str) -> tuple[int, int]:
    with read_scope(live.runtime.engine) as s:
        events = s.exec(select(InboundEvent).where(InboundEvent.subject_id == user)).all()
        replies = s.exec(select(Outbox).where(Outbox.recipient == user)).all()
        return len(events), len(replies)


async def _settled_count(live: Live, user: str) -> tuple[int, int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _count(live, user)[1] == 0:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    return _count(live, user)


@pytest.mark.parametrize("n", [1000, pytest.param(10000, marks=pytest.mark.slow)])
async def test_a_flood_of_redeliveries_is_processed_once(live: Live, n: int) -> None:
    # What one delivery of "menu" from a new resident queues (the first-contact notice, the
    # menu): the flooded resident must get exactly that.
    control = "100000000000000098"
    await _flood(live, text_body(control, "dd00000000000000001c", "menu"), 1)
    once = await _settled_count(live, control)
    assert once[0] == 1
    assert once[1] >= 1
    user = "100000000000000099"
    body = text_body(user, "dd00000000000000001d", "menu")
    codes = await _flood(live, body, n)
    assert set(codes) == {200}
    assert await _settled_count(live, user) == once
    async with httpx.AsyncClient(base_url=live.url) as http:
        assert (await http.get("/readyz")).status_code == 200
        metrics = (await http.get("/metrics")).text
    assert f"bot_webhook_duplicates_total {float(n - 1)}" in metrics


async def test_secrets_never_reach_the_database_or_the_logs(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        chat = ChatClient(http, "Bà Tám", quiet_s=0.4)
        await chat.join()
        await chat.receive()
        for message in [
            f"số căn cước của tôi là {SECRETS['cccd']}",
            f"cccd {SECRETS['cccd_spaced']} nhé",
            SECRETS["otp"],
            f"mã OTP là {SECRETS['otp']}",
            f"thẻ ngân hàng {SECRETS['card']}",
            f"mật khẩu là {SECRETS['password']}",
            "#go:handoff",
            f"nhờ cán bộ giúp, số căn cước {SECRETS['cccd']}",
        ]:
            await chat.send(message)
            replies = await chat.receive(max_wait_s=3)
            assert replies
    await asyncio.sleep(0.5)
    dump = _dump_database(live)
    for name, secret in SECRETS.items():
        assert secret not in dump, f"{name} found in the database"
        assert secret.replace(" ", "") not in dump.replace(" ", ""), f"{name} found (spaces)"
        assert secret not in caplog.text, f"{name} found in the logs"


def _dump_database(live: Live) -> str:
    engine = live.runtime.engine
    metadata = MetaData()
    metadata.reflect(bind=engine)
    parts = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)
