"""Hostile input and privacy: floods of redeliveries, secrets typed by residents."""

from __future__ import annotations

import asyncio
import json
import logging
import re
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
    # What the hostile run of issue 21 found stored in clear.
    "otp_period": "483921",
    "otp_comma": "483922",
    "otp_grouped": "48-39-26",
    "password_words": "Hoa2024xyz",
    "password_vneid": "Pw_secret77",
    "cvv": "cvv 123",
    "expiry": "12/27",
    "account": "0123456789012",
    "account_words": "9704 3611 2233 44",
}

# The messages carrying the secrets above, typed as residents type them.
SECRET_MESSAGES = [
    f"số căn cước của tôi là {SECRETS['cccd']}",
    f"cccd {SECRETS['cccd_spaced']} nhé",
    SECRETS["otp"],
    f"mã OTP là {SECRETS['otp']}",
    f"thẻ ngân hàng {SECRETS['card']}",
    f"mật khẩu là {SECRETS['password']}",
    f"mã OTP là {SECRETS['otp_period']}.",
    f"OTP: {SECRETS['otp_comma']}, cán bộ xem giúp",
    f"Mã OTP VNeID: {SECRETS['otp_grouped']}",
    f"mat khau cua toi la {SECRETS['password_words']}",
    f"mật khẩu VNeID của tôi: {SECRETS['password_vneid']}",
    f"the visa het han {SECRETS['expiry']} {SECRETS['cvv']}",
    f"stk {SECRETS['account']}",
    f"so tai khoan agribank cua toi la {SECRETS['account_words']}",
]


def _holds(text: str, secret: str) -> bool:
    """Whether `secret` stands in `text` as a token of its own (not inside a longer number)."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text) is not None


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
            *SECRET_MESSAGES,
            "#go:handoff",
            f"nhờ cán bộ giúp, số căn cước {SECRETS['cccd']}",
            f"mật khẩu VNeID của tôi: {SECRETS['password_vneid']} và stk {SECRETS['account']}",
        ]:
            await chat.send(message)
            replies = await chat.receive(max_wait_s=3)
            assert replies
    await asyncio.sleep(0.5)
    dump = _dump_database(live)
    logs = caplog.text
    for name, secret in SECRETS.items():
        # As a whole token: a random 19-digit Zalo id may hold the digits of a 6-digit OTP.
        assert not _holds(dump, secret), f"{name} found in the database"
        assert not _holds(dump.replace(" ", ""), secret.replace(" ", "")), f"{name} (spaces)"
        assert not _holds(logs, secret), f"{name} found in the logs"
        assert not _holds(logs.replace(" ", ""), secret.replace(" ", "")), f"{name} (spaces)"


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


def test_a_signed_event_with_an_absurd_timestamp_is_refused_with_a_reason(live: Live) -> None:
    ts = "9" * 400
    body = text_body("100000000000000097", "dd00000000000000001e", "menu", ts=ts)
    with live.client() as http:
        for _ in range(3):  # every redelivery gets the same clear answer, never a 503
            response = http.post("/webhook/zalo", content=body, headers=sign(body, ts))
            assert response.status_code == 400
            assert "timestamp" in response.json()["error"]


async def test_a_lone_surrogate_is_replaced_and_the_message_processed(live: Live) -> None:
    user = "100000000000000096"
    ts = "1731900000456"
    body = text_body(user, "dd00000000000000001f", "menu", ts=ts).replace(b"menu", b"menu\\ud800")
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        response = await http.post("/webhook/zalo", content=body, headers=sign(body, ts))
    assert response.status_code == 200, response.text
    await _settled_count(live, user)
    with read_scope(live.runtime.engine) as s:
        event = s.scalars(select(InboundEvent).where(InboundEvent.subject_id == user)).one()
        status, attempts, payload = event.status, event.attempts, event.payload
        replies = [r.message for r in s.scalars(select(Outbox).where(Outbox.recipient == user))]
    assert status == "done", (status, attempts)
    assert payload["message"]["text"] == "menu\ufffd"
    texts = json.dumps(replies, ensure_ascii=False)
    assert replies and "trục trặc" not in texts
