"""Law 91/2025/QH15: Zalo's `user_withdraw` and "xóa dữ liệu của tôi" leave no row holding
the resident's Zalo id or words, and the statistics keep their totals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from bot.features.privacy.retention import apply_retention
from db import residents
from db.models import AuditLog, InboundEvent, Outbox
from db.session import read_scope, session_scope
from tests.harness import Chat
from tests.privacy.support import report, rows_holding

RESIDENT = "2468458835296117922"
BY_APP = "55" + RESIDENT[2:]
NAME = "Hoàng Thị Nguyệt Quế"
NEED = "nhờ cài VNeID cho bà ngoại Quế"
ODD = "con trâu nhà Quế đi lạc sang xóm bên"
START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def _chatted(chat: Chat, engine: Engine) -> None:
    chat.clock.set(START)
    chat.follow()
    with session_scope(engine) as s:
        residents.set_display_name(s, zalo_user_id=RESIDENT, name=NAME)
    chat.send("xin chào")
    chat.send(ODD)
    chat.send("đăng ký nhận tin")
    chat.send("#go:handoff")
    chat.send(NEED)
    chat.press("Buổi chiều")
    chat.press("Thôn Đông")
    chat.press("Gửi yêu cầu")
    chat.send("menu")
    chat.send("tra thủ tục khai sinh")


def _withdraw(chat: Chat) -> None:
    body = chat._envelope("user_withdraw") | {"oa_id": "oa", "user_id": RESIDENT}
    chat.process(chat._store(body))


def _comparable(rep: dict[str, Any]) -> dict[str, Any]:
    """The report without what an erasure rightly changes: the words of unanswered
    questions (their counts stay, under one placeholder)."""
    out = dict(rep)
    out["unanswered"] = {
        **rep["unanswered"],
        "most_frequent": sum(n["count"] for n in rep["unanswered"]["most_frequent"]),
    }
    return out


def test_user_withdraw_leaves_no_trace_and_same_totals(
    engine: Engine, demo_org: None, make_chat: Callable[..., Chat]
) -> None:
    chat = make_chat(RESIDENT)
    _chatted(chat, engine)
    first, last = START.date(), (START + timedelta(days=1)).date()
    needles = [RESIDENT, BY_APP, NAME, NEED, ODD]
    assert {t for t, _, _ in rows_holding(engine, needles)} >= {
        "resident",
        "inbound_event",
        "outbox",
        "handoff_ticket",
    }
    before = report(engine, first, last)
    _withdraw(chat)
    assert rows_holding(engine, needles) == []
    after = report(engine, first, last)
    assert after["activity"] == before["activity"]
    assert after["followers"] == before["followers"]
    assert after["flows"] == before["flows"]
    assert _comparable(after)["unanswered"] == _comparable(before)["unanswered"]
    # The open request is cancelled (nobody is left to help); it was still requested.
    assert after["handoffs"]["requested"] == before["handoffs"]["requested"] == 1
    assert (after["handoffs"]["open_now"], after["handoffs"]["cancelled"]) == (0, 1)
    with read_scope(engine) as s:
        audit = s.exec(select(AuditLog).where(AuditLog.action == "privacy.erase")).one()
    assert audit.detail["via"] == "user_withdraw"
    assert audit.actor == "resident" and audit.target is None
    assert not [n for n in needles if n in str(audit.detail)]


def test_chat_command_asks_first_then_erases(
    engine: Engine, demo_org: None, make_chat: Callable[..., Chat]
) -> None:
    chat = make_chat(RESIDENT)
    _chatted(chat, engine)
    chat.send("xoa du lieu cua toi")
    assert "chắc muốn xóa" in chat.said
    chat.press("Không, giữ lại")
    with read_scope(engine) as s:
        assert residents.get_by_zalo_id(s, zalo_user_id=RESIDENT) is not None
    chat.send("Xóa dữ liệu của tôi!")
    chat.press("Đồng ý xóa")
    assert "đã xóa thông tin" in chat.said
    with read_scope(engine) as s:
        assert residents.get_by_zalo_id(s, zalo_user_id=RESIDENT) is None
    # Only the goodbye still names them, until it is sent and the retention job runs.
    assert {t for t, _, _ in rows_holding(engine, [RESIDENT])} == {"outbox"}
    with session_scope(engine) as s:
        for row in s.exec(select(Outbox).where(Outbox.kind == "privacy")).all():
            row.status, row.sent_at = "sent", START
            s.add(row)
    # Zalo's echo of the goodbye arrives, naming them.
    chat._store(
        chat._envelope("user_received_message")
        | {"sender": {"id": "oa"}, "recipient": {"id": RESIDENT}, "message": {"msg_id": "m1"}}
    )
    apply_retention(engine, chat.dispatcher.services.settings, START + timedelta(hours=1))
    assert rows_holding(engine, [RESIDENT, BY_APP, NAME, NEED, ODD]) == []


def test_summary_says_what_is_kept(
    engine: Engine, demo_org: None, make_chat: Callable[..., Chat]
) -> None:
    chat = make_chat(RESIDENT)
    _chatted(chat, engine)
    chat.send("bot lưu gì về tôi")
    said = chat.said
    assert "Tên Zalo" in said and "Thôn bạn đã chọn" in said
    assert "1 lần nhờ cán bộ" in said
    assert "tin nhắn gần đây (tự xóa sau 30 ngày)" in said
    chat.send("bot luu gi ve toi")
    assert "Kênh này đang lưu về bạn" in chat.said


def test_notice_once_at_first_contact(
    engine: Engine, demo_org: None, make_chat: Callable[..., Chat]
) -> None:
    follower = make_chat(RESIDENT)
    assert sum("trợ lý tự động" in s.text for s in follower.follow()) == 1
    assert not any("trợ lý tự động" in s.text for s in follower.send("xin chào"))
    writer = make_chat("2468458835296117999")
    first = writer.send("xin chào")
    assert sum("trợ lý tự động" in s.text for s in first) == 1
    assert "30 ngày" in first[0].text
    assert not any("trợ lý tự động" in s.text for s in writer.send("menu"))


def test_retention_empties_old_payloads_only(
    engine: Engine, demo_org: None, make_chat: Callable[..., Chat]
) -> None:
    chat = make_chat(RESIDENT)
    chat.clock.set(START)
    chat.send("câu hỏi cũ về con trâu lạc")
    chat.clock.set(START + timedelta(days=40))
    chat.send("câu hỏi mới về con trâu lạc")
    with session_scope(engine) as s:  # what the sender does
        for row in s.exec(select(Outbox)).all():
            row.status, row.sent_at = "sent", row.created_at
            s.add(row)
    first, last = START.date(), (START + timedelta(days=41)).date()
    before = report(engine, first, last)
    settings = chat.dispatcher.services.settings
    counts = apply_retention(engine, settings, START + timedelta(days=41))
    assert counts["inbound_event"] == 1 and counts["outbox"] >= 1
    # Only the anonymous daily count of unanswered questions keeps the words (no resident).
    assert [t for t, _, _ in rows_holding(engine, ["câu hỏi cũ"])] == ["stat_day"]
    assert len(rows_holding(engine, ["câu hỏi mới"])) > 2
    with read_scope(engine) as s:
        rows = s.exec(select(InboundEvent).order_by(InboundEvent.id)).all()
    assert rows[0].payload == {"purged": True} and rows[-1].payload != {"purged": True}
    assert apply_retention(engine, settings, START + timedelta(days=41))["inbound_event"] == 0
    assert report(engine, first, last)["activity"] == before["activity"]
