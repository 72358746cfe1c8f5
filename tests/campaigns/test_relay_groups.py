"""Relays per group, through the real dispatcher and database: reminders go only to groups
still unposted, and a member whose request was still queued is not asked at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import FakeClock
from bot.features.campaigns import firing, lifecycle, reminders
from bot.features.campaigns.scope import Actor
from bot.features.campaigns.spec import Spec
from bot.services import Services
from db import campaigns as rows
from db.models import Outbox
from db.session import read_scope, session_scope
from tests.campaigns.conftest import make_ctx
from tests.harness import Chat

MAI = "7000000000000000003"  # Thôn Đông and Thôn Trung Hòa
PANH = "7000000000000000004"  # Bản Nà Lầy
BAO = "7000000000000000005"  # Tổ dân phố 3 and Thôn Trung Hòa
START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam


@pytest.fixture
def make(org: Engine, services: Services) -> Callable[[str], Chat]:
    clock = FakeClock(START)
    return lambda user_id: Chat(org, services, user_id=user_id, clock=clock)


def _relayed(engine: Engine, *, sent: bool) -> int:
    """A relay-only campaign to every village, fired; with `sent`, as if the outbox had
    delivered every post and request."""
    ctx = make_ctx()
    with session_scope(engine) as s:
        spec = Spec(text="Tối nay họp thôn lúc 19 giờ.", target_kinds=["relay"])
        campaign = lifecycle.create(s, spec, Actor("token:1", None), now=START, ctx=ctx)
        assert campaign.id is not None
        cid = campaign.id
    firing.run_due(engine, now=START, ctx=ctx)
    if sent:
        with session_scope(engine) as s:
            for d in rows.deliveries(s, campaign_id=cid):
                d.status, d.sent_at = "sent", START
                s.add(d)
            for box in s.exec(select(Outbox)).all():
                box.status = "sent"
                s.add(box)
    return cid


def _ask_id(engine: Engine, cid: int, member: str) -> int:
    with read_scope(engine) as s:
        found = next(d for d in rows.deliveries(s, campaign_id=cid) if d.recipient == member)
        assert found.id is not None
        return found.id


def test_reminders_only_for_groups_still_unposted(org: Engine, make: Callable[[str], Chat]) -> None:
    cid = _relayed(org, sent=True)
    mai, bao = make(MAI), make(BAO)
    mai.send(f"#cr:{_ask_id(org, cid, MAI)}")
    assert 'Cảm ơn anh/chị đã chuyển tin vào nhóm "Bà con Trung Hòa"' in mai.said
    bao.replies()
    assert any("Lê Thị Mai đã chuyển thông báo" in s.text for s in bao.batch)
    ctx = make_ctx()
    later = START + timedelta(minutes=ctx.settings.relay_reminder_after_min + 1)
    # Bà con Trung Hòa is posted: only Bản Nà Lầy's member is reminded.
    assert reminders.remind_relays(org, now=later, ctx=ctx) == 1
    panh = make(PANH)
    panh.replies()
    assert any("Nhắc lại" in s.text for s in panh.history)
    bao.replies()
    assert not any("Nhắc lại" in s.text for s in bao.batch)


def test_a_request_still_queued_is_withdrawn(org: Engine, make: Callable[[str], Chat]) -> None:
    cid = _relayed(org, sent=False)
    with session_scope(org) as s:  # Lê Thị Mai's post and request went out; his did not yet
        for d in rows.deliveries(s, campaign_id=cid):
            if d.recipient == MAI:
                d.status, d.sent_at = "sent", START
                s.add(d)
    mai = make(MAI)
    mai.send(f"#cr:{_ask_id(org, cid, MAI)}")
    with read_scope(org) as s:
        bao = next(d for d in rows.deliveries(s, campaign_id=cid) if d.recipient == BAO)
        boxes = s.exec(select(Outbox).where(Outbox.recipient == BAO)).all()
    assert bao.status == "skipped" and bao.reason == "Lê Thị Mai đã chuyển tin vào nhóm này"
    assert bao.relay_confirmed_by == "Lê Thị Mai"
    assert boxes and {b.status for b in boxes} == {"cancelled"}  # nothing reaches him
