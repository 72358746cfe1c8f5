"""Transcripts per family through the real dispatcher: complete, stuck → follow-up →
handoff with the step filled in, cancel and resume; the follow-up job's 48-hour window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock import FakeClock
from bot.features.online_filing.jobs import send_followups, send_reminders
from bot.services import Services
from db.models import HandoffTicket, OnlineFiling, Resident
from db.session import read_scope, session_scope
from tests.harness import Chat

# (family button in the hub, procedure button, flow id, procedure code, step 2 title)
FAMILIES = [
    ("Khai sinh, khai tử", "Khai sinh", "nop_ho_tich", "1.001193", "Tìm đúng thủ tục"),
    ("Thường trú, tạm trú", "Đăng ký tạm trú", "nop_cu_tru", "1.004194", "Chọn thủ tục cư trú"),
    (
        "Lý lịch tư pháp",
        "Phiếu lý lịch tư pháp",
        "nop_ly_lich_tu_phap",
        "3.000333",
        "Chọn cấp Phiếu lý lịch tư pháp",
    ),
    (
        "Căn cước, GPLX",
        "Đổi giấy phép lái xe",
        "nop_truc_tuyen_khac",
        "3.000347",
        "Tìm thủ tục theo tên hoặc mã",
    ),
    (
        "Sang tên đất",
        "Sang tên sổ đỏ",
        "nop_dat_dai",
        "1.013831",
        "Chọn thủ tục đăng ký biến động",
    ),
]


def filing(engine: Engine) -> OnlineFiling:
    with read_scope(engine) as s:
        row = s.exec(select(OnlineFiling).order_by(col(OnlineFiling.id).desc())).first()
        assert row is not None
        return row


def press_in_hub(chat: Chat, label: str) -> None:
    """The hub shows four families a page; the others are behind "Xem thêm ▸"."""
    shown = [b["title"] for b in chat.history[-1].buttons]
    if not any(label in title for title in shown):
        chat.press("Xem thêm ▸")
    chat.press(label)


def begin(chat: Chat, hub: str, procedure: str) -> None:
    chat.send("cho tôi hỏi cách nộp hồ sơ trực tuyến")
    assert "Bạn cần nộp việc gì" in chat.said
    press_in_hub(chat, hub)
    chat.press(procedure)
    assert "Trước khi nộp" in chat.said
    chat.press("Đủ rồi, bắt đầu")
    assert "Bước 1/5" in chat.said


@pytest.mark.parametrize(("hub", "procedure", "flow", "code", "step2"), FAMILIES)
def test_complete_with_dossier_code_and_reminder(
    make: Callable[..., Chat],
    engine: Engine,
    services: Services,
    clock: FakeClock,
    hub: str,
    procedure: str,
    flow: str,
    code: str,
    step2: str,
) -> None:
    chat = make()
    begin(chat, hub, procedure)
    for n in range(2, 6):
        chat.press("Đã xong bước này")
        assert f"Bước {n}/5" in chat.said
    chat.press("Đã nộp xong")
    assert "Cảm ơn bạn đã tự nộp" in chat.said
    chat.send("079123456789")  # looks like an ID number: refused, never stored
    assert "Mã hồ sơ chỉ gồm" in chat.said
    chat.send("000.00.25.H40-251201-0001")
    assert "Mình sẽ nhắc bạn xem kết quả hồ sơ 000.00.25.H40-251201-0001" in chat.said
    row = filing(engine)
    assert (row.flow, row.procedure, row.status, row.max_step_index) == (flow, code, "completed", 5)
    assert row.dossier_code == "000.00.25.H40-251201-0001" and row.remind_at is not None
    # Not due yet: nothing; due (the resident wrote within 7 days): one reminder, code deleted.
    assert send_reminders(engine, now=clock.now(), services=services) == 0
    assert row.remind_at is not None
    clock.set(row.remind_at - timedelta(days=1))
    chat.send("cảm ơn")
    assert send_reminders(engine, now=row.remind_at, services=services) == 1
    chat.replies()
    assert "sắp đến hạn có kết quả" in chat.said
    after = filing(engine)
    assert after.dossier_code is None and after.reminded_at is not None


def test_reminder_out_of_reach_is_not_sent_and_the_code_is_deleted(
    make: Callable[..., Chat], engine: Engine, services: Services
) -> None:
    chat = make()
    begin(chat, "Lý lịch tư pháp", "Phiếu lý lịch tư pháp")
    for _ in range(4):
        chat.press("Đã xong bước này")
    chat.press("Đã nộp xong")
    chat.send("000.00.25.H40-251201-0001")
    row = filing(engine)
    assert row.remind_at is not None  # 10 working days: beyond the 7-day window
    assert send_reminders(engine, now=row.remind_at, services=services) == 0
    assert filing(engine).dossier_code is None


@pytest.mark.parametrize(("hub", "procedure", "flow", "code", "step2"), FAMILIES)
def test_stuck_then_quiet_then_follow_up_then_handoff(
    make: Callable[..., Chat],
    engine: Engine,
    services: Services,
    clock: FakeClock,
    hub: str,
    procedure: str,
    flow: str,
    code: str,
    step2: str,
) -> None:
    chat = make()
    begin(chat, hub, procedure)
    chat.press("Đã xong bước này")
    chat.press("Bị kẹt ở đây")
    assert "Lỗi hay gặp" in chat.said
    assert filing(engine).stuck_step == "buoc_2"
    chat.press("Xem lại bước này")
    # Quiet: not yet at 1 hour, once after the configured time, never twice.
    clock.advance(minutes=60)
    assert send_followups(engine, now=clock.now(), services=services) == 0
    clock.advance(minutes=services.settings.online_filing_quiet_after_min)
    assert send_followups(engine, now=clock.now(), services=services) == 1
    assert send_followups(engine, now=clock.now(), services=services) == 0
    chat.replies()
    assert f'dừng ở bước "{step2}"' in chat.said
    chat.press("Nhờ tổ công nghệ giúp")
    assert "Mình đã gửi yêu cầu #" in chat.said and step2 in chat.said
    with read_scope(engine) as s:
        ticket = s.exec(select(HandoffTicket)).one()
    assert code in ticket.need and step2 in ticket.need and "bước 2/5" in ticket.need
    assert filing(engine).ticket_id == ticket.id


@pytest.mark.parametrize(("hub", "procedure", "flow", "code", "step2"), FAMILIES)
def test_cancel_and_resume(
    make: Callable[..., Chat],
    engine: Engine,
    hub: str,
    procedure: str,
    flow: str,
    code: str,
    step2: str,
) -> None:
    chat = make()
    begin(chat, hub, procedure)
    chat.press("Đã xong bước này")
    chat.press("Đã xong bước này")
    assert "Bước 3/5" in chat.said
    chat.send("hủy")
    assert filing(engine).status == "cancelled"
    chat.send("tiếp tục nộp hồ sơ")
    assert "Lần trước bạn đang nộp" in chat.said
    chat.press("Làm tiếp bước 3")
    assert "Bước 3/5" in chat.said
    row = filing(engine)
    assert (row.status, row.step, row.procedure) == ("active", "buoc_3", code)


def test_before_filing_check_goes_to_vneid_and_comes_back(
    make: Callable[..., Chat], engine: Engine
) -> None:
    chat = make()
    chat.send("nộp hồ sơ trực tuyến")
    chat.press("Thường trú, tạm trú")
    chat.press("Đăng ký thường trú")
    chat.press("Chưa có VNeID mức 2")
    chat.press("Mở hướng dẫn VNeID")
    assert "VNeID là ứng dụng định danh" in chat.said
    # Back through the button of the earlier message: the filing goes on where it was.
    for said in reversed(chat.history):
        back = [b for b in said.buttons if b["title"] == "Quay lại nộp hồ sơ"]
        if back:
            chat.send(str(back[0]["payload"]))
            break
    assert "Bước 1/5" in chat.said
    row = filing(engine)
    assert (row.procedure, row.step, row.status) == ("1.004222", "buoc_1", "active")


def test_follow_up_only_inside_the_48_hour_window(
    make: Callable[..., Chat], engine: Engine, services: Services, clock: FakeClock
) -> None:
    inside, outside = make("100"), make("200")
    begin(inside, "Thường trú, tạm trú", "Đăng ký tạm trú")
    begin(outside, "Lý lịch tư pháp", "Phiếu lý lịch tư pháp")
    clock.advance(hours=47)
    # The second resident's last interaction is moved back: 49 hours ago by now.
    with session_scope(engine) as s:
        r = s.exec(select(Resident).where(Resident.zalo_user_id == "200")).one()
        r.last_interaction_at = clock.now() - timedelta(hours=49)
        s.add(r)
    assert send_followups(engine, now=clock.now(), services=services) == 1
    inside.replies()
    outside.replies()
    assert "dừng ở bước" in inside.said
    assert outside.batch == []
    # Past 48 hours for everyone: none.
    clock.advance(hours=2)
    with session_scope(engine) as s:
        for f in s.exec(select(OnlineFiling)).all():
            f.followup_at = None
            s.add(f)
    assert send_followups(engine, now=clock.now(), services=services) == 0


def test_typed_done_mid_filing_records_it_and_keeps_the_code_only_until_the_reminder(
    make: Callable[..., Chat], engine: Engine, services: Services, clock: FakeClock
) -> None:
    chat = make()
    begin(chat, "Sang tên đất", "Sang tên sổ đỏ")
    chat.press("Đã xong bước này")
    assert "Bước 2/5" in chat.said
    # The resident finished on the portal on their own and says so in words.
    chat.send("da nop xong roi a")
    assert "Cảm ơn bạn đã tự nộp" in chat.said
    chat.send("000.00.25.H40-251201-0042")
    row = filing(engine)
    assert (row.flow, row.procedure, row.status) == ("nop_dat_dai", "1.013831", "completed")
    assert row.dossier_code == "000.00.25.H40-251201-0042" and row.remind_at is not None
    # 10 working days: the reminder falls two weeks on; the resident wrote the day before.
    clock.set(row.remind_at - timedelta(days=1))
    chat.send("cảm ơn")
    assert send_reminders(engine, now=row.remind_at, services=services) == 1
    chat.replies()
    assert "sắp đến hạn có kết quả" in chat.said
    assert filing(engine).dossier_code is None
