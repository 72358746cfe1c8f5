"""The leaders' chat wizard and relay confirmations, through the real dispatcher and database
(the default interceptors, as the running app has them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import FakeClock
from bot.features.campaigns import firing, reminders
from bot.services import Services
from db import campaigns as rows
from db.models import AuditLog, Campaign
from db.session import read_scope
from tests.campaigns.conftest import make_ctx
from tests.harness import Chat

LAN = "7000000000000000001"  # commune leader
HUNG = "7000000000000000002"  # village leader, Thôn Đông
MAI = "7000000000000000003"  # member (not a leader)
PANH = "7000000000000000004"  # village leader, Bản Nà Lầy
RESIDENT = "2468458835296117922"
START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam

Make = Callable[[str], Chat]


@pytest.fixture
def make(org: Engine, services: Services) -> Make:
    clock = FakeClock(START)

    def make_chat(user_id: str) -> Chat:
        return Chat(org, services, user_id=user_id, clock=clock)

    return make_chat


def campaigns(engine: Engine) -> list[Campaign]:
    with read_scope(engine) as s:
        return list(s.exec(select(Campaign)).all())


def own_text(chat: Chat, text: str, village: str) -> None:
    """Start a notice of one's own text to `village` (a button), up to "Khi nào gửi?"."""
    chat.send("thông báo")
    chat.press("Tự viết")
    chat.send(text)
    chat.press(village)


def test_wizard_with_a_template_to_a_later_time(make: Make, org: Engine) -> None:
    hung = make(HUNG)
    hung.send("Thông báo")
    assert "Tạo thông báo mới" in hung.said
    assert "Tự viết" in hung.last_buttons
    hung.press("Ngày hội dịch vụ công")
    assert "địa điểm, giờ và ngày" in hung.said
    hung.send("Nhà văn hóa thôn Đông; 8 giờ; thứ Bảy 12/12")
    assert "Thôn Đông" in hung.last_buttons and "Bản Nà Lầy" not in hung.last_buttons
    hung.press("Thôn Đông")
    assert "Khi nào gửi" in hung.said
    hung.send("25:99 hôm nay")
    assert "chưa hiểu" in hung.said
    hung.send("07:30 12/12/2026")
    assert "Xem trước (gửi Thôn Đông)" in hung.said
    assert (
        "Nhà văn hóa thôn Đông" in hung.said
        and "lúc 7 giờ 30 sáng, thứ Bảy 12/12/2026" in hung.said
    )
    hung.press("Xác nhận gửi")
    assert "Đã lên lịch thông báo số 1" in hung.said
    [campaign] = campaigns(org)
    assert campaign.created_by == "member:2" and campaign.template_id == "ngay-hoi-dvc"
    assert campaign.next_run_at == datetime(2026, 12, 12, 0, 30, tzinfo=UTC)
    assert campaign.variables == {
        "place": "Nhà văn hóa thôn Đông",
        "time": "8 giờ",
        "date": "thứ Bảy 12/12",
    }
    # "lịch thông báo" lists it, with a button that cancels it.
    hung.send("lịch thông báo")
    assert "Số 1: Ngày hội dịch vụ công trực tuyến – 7 giờ 30 sáng, thứ Bảy 12/12/2026" in hung.said
    hung.press("Hủy số 1")
    assert 'chắc chắn hủy thông báo số 1 "Ngày hội dịch vụ công trực tuyến"' in hung.said
    assert campaigns(org)[0].status == "scheduled"  # not before "Có"
    hung.press("Có, hủy")
    assert "Đã hủy thông báo số 1" in hung.said
    assert campaigns(org)[0].status == "cancelled"
    with read_scope(org) as s:
        assert [a.action for a in s.exec(select(AuditLog)).all()] == [
            "campaign.create",
            "campaign.cancel",
        ]


def test_own_text_now_and_stop_midway(make: Make, org: Engine) -> None:
    lan = make(LAN)
    lan.send("thong bao")  # typed without diacritics
    lan.press("Tự viết")
    lan.send("Chiều nay 14 giờ họp toàn xã tại hội trường UBND.")
    lan.press("Tất cả thôn của tôi")
    lan.press("Gửi ngay")
    assert "Chiều nay 14 giờ họp toàn xã" in lan.said and "gửi ngay" in lan.said.lower()
    assert lan.last_buttons == ["Có, gửi ngay", "Không"]
    assert campaigns(org) == []  # nothing is sent before "Có"
    lan.press("Có, gửi ngay")
    [campaign] = campaigns(org)
    assert campaign.schedule_kind == "now" and len(campaign.village_ids) == 4
    lan.send("thông báo")
    lan.send("hủy")
    assert "Đã dừng tạo thông báo" in lan.said
    assert len(campaigns(org)) == 1


def test_refusals(make: Make, org: Engine) -> None:
    mai = make(MAI)
    mai.send("thông báo")
    assert "chỉ dành cho trưởng thôn và lãnh đạo xã" in mai.said
    resident = make(RESIDENT)
    resident.send("#cw:v:all")
    assert "chỉ dành cho" in resident.said
    # A village leader cannot cancel someone else's campaign.
    panh = make(PANH)
    hung = make(HUNG)
    own_text(hung, "Thôn Đông thu tiền điện ngày mai.", "Thôn Đông")
    hung.press("Gửi ngay")
    hung.press("Có, gửi ngay")
    panh.send("#cw:cancel:1")
    assert "Không hủy được thông báo số 1" in panh.said
    assert campaigns(org)[0].status == "scheduled"


def test_relay_confirmation_and_one_reminder(make: Make, org: Engine) -> None:
    ctx = make_ctx()
    lan = make(LAN)
    lan.send("thông báo")
    lan.press("Cảnh báo lừa đảo")
    lan.press("Dùng mẫu")
    lan.press("Tất cả thôn của tôi")
    lan.press("Gửi ngay")
    lan.press("Có, gửi ngay")
    firing.run_due(org, now=START, ctx=ctx)
    panh = make(PANH)
    panh.replies()
    assert any("cảnh báo bà con Bản Nà Lầy" in s.text for s in panh.history)
    assert "Đã chuyển vào nhóm" in panh.last_buttons
    # The outbox has not sent it yet: nothing to remind. Mark everything sent, then wait.
    with read_scope(org) as s:
        relay = next(d for d in rows.deliveries(s, campaign_id=1) if d.recipient == PANH)
    from db.session import session_scope

    with session_scope(org) as s:
        for d in rows.deliveries(s, campaign_id=1):
            d.status, d.sent_at = "sent", START
            s.add(d)
    later = START + timedelta(minutes=ctx.settings.relay_reminder_after_min + 1)
    # A paused campaign sends no reminders.
    with session_scope(org) as s:
        s.exec(select(Campaign)).one().status = "paused"
    assert reminders.remind_relays(org, now=later, ctx=ctx) == 0
    with session_scope(org) as s:
        s.exec(select(Campaign)).one().status = "done"
    assert reminders.remind_relays(org, now=later, ctx=ctx) == 3
    assert reminders.remind_relays(org, now=later + timedelta(hours=5), ctx=ctx) == 0  # once only
    panh.replies()
    assert "Nhắc lại" in panh.said
    panh.press("Đã chuyển vào nhóm")
    assert 'Cảm ơn anh/chị đã chuyển tin vào nhóm "Bản Nà Lầy"' in panh.said
    panh.send(f"#cr:{relay.id}")
    assert "đã được báo chuyển vào nhóm rồi" in panh.said
    make(HUNG).send(f"#cr:{relay.id}")  # not his relay
    with read_scope(org) as s:
        done = rows.delivery(s, delivery_id=relay.id or 0)
        assert done is not None and done.relay_confirmed_by == "Lò Văn Pánh"
        assert done.relay_confirmed_at == START


def test_example_dates_come_from_today(org: Engine, services: Services) -> None:
    # Tuesday 2 March 2027, 09:00 in Vietnam: months after the dates the templates were written.
    lan = Chat(org, services, user_id=LAN, clock=FakeClock(datetime(2027, 3, 2, 2, 0, tzinfo=UTC)))
    lan.send("thông báo")
    lan.press("Cảnh báo lừa đảo")
    assert "Ví dụ: Công an xã; giờ hành chính; thứ Tư 03/03/2027" in lan.said  # tomorrow
    lan.press("Dùng mẫu")
    lan.press("Tất cả thôn của tôi")
    lan.press("Gửi ngay")
    assert "(ngày 02/03/2027)" in lan.said  # the notice is dated the day it goes out
    assert "2026" not in lan.transcript()
    lan.send("hủy")
    lan.send("thông báo")
    lan.press("Ngày hội dịch vụ công")
    assert "thứ Bảy 06/03/2027" in lan.said  # its weekly Saturday


def test_wizard_repeats_on_the_templates_schedule(make: Make, org: Engine) -> None:
    lan = make(LAN)
    lan.send("thông báo")
    lan.press("Đi từng ngõ")
    lan.press("Dùng mẫu")
    lan.press("Tất cả thôn của tôi")
    lan.press("Lặp lại theo mẫu")
    assert (
        "hằng ngày, lần đầu lúc 7 giờ 30 sáng mai, Chủ nhật 06/12/2026, đến hết ngày 15/12/2026"
        in lan.said
    )
    lan.press("Xác nhận gửi")
    [campaign] = campaigns(org)
    assert (campaign.schedule_kind, campaign.daily_time) == ("daily", "07:30")
    assert (campaign.start_date, campaign.end_date) == ("2026-12-06", "2026-12-15")
    assert campaign.commune_groups  # a commune leader's "all" includes the commune's groups
    hung = make(HUNG)
    hung.send("thông báo")
    hung.press("Ngày hội dịch vụ công")
    hung.press("Dùng mẫu")
    hung.press("Thôn Đông")
    hung.press("Lặp lại theo mẫu")
    assert "lần đầu lúc 7 giờ 30 sáng, thứ Bảy 12/12/2026" in hung.said  # the next Saturday
    hung.press("Xác nhận gửi")
    weekly = campaigns(org)[1]
    assert (weekly.schedule_kind, weekly.cron, weekly.commune_groups) == (
        "cron",
        "30 7 * * sat",
        False,
    )


@pytest.fixture
def approving(org: Engine, db_url: str) -> Make:
    """Chats with CAMPAIGN_REQUIRES_APPROVAL on."""
    from bot.config import Settings
    from bot.features.enabled import FEATURES

    services = Services.load(
        Settings(database_url=db_url, campaign_requires_approval=True),
        FEATURES,
        commune_name="Xã Hòa An",
    )
    clock = FakeClock(START)

    def make_chat(user_id: str) -> Chat:
        return Chat(org, services, user_id=user_id, clock=clock)

    return make_chat


def _create_as_panh(make: Make) -> Chat:
    panh = make(PANH)
    own_text(panh, "Tối thứ Bảy họp bản về làm căn cước cho các cháu.", "Tất cả thôn của tôi")
    panh.press("Gửi ngay")
    panh.press("Có, gửi ngay")
    assert "sau khi lãnh đạo xã duyệt" in panh.said
    return panh


def test_commune_leader_approves_in_chat(approving: Make, org: Engine) -> None:
    panh = _create_as_panh(approving)
    [campaign] = campaigns(org)
    assert campaign.status == "pending_approval"
    lan = approving(LAN)
    lan.replies()
    assert "Lò Văn Pánh tạo thông báo" in lan.said and "họp bản về làm căn cước" in lan.said
    assert lan.last_buttons == ["Duyệt", "Không duyệt"]
    # The author cannot approve their own campaign.
    panh.send(f"#ca:{campaign.id}")
    assert "Không duyệt được thông báo số" in panh.said
    lan.press("Duyệt")
    assert f"Đã duyệt thông báo số {campaign.id}" in lan.said
    assert campaigns(org)[0].status == "scheduled"
    panh.replies()
    assert "đã được lãnh đạo xã duyệt" in panh.said
    lan.press("Duyệt")  # a second tap changes nothing
    assert "Không duyệt được thông báo số" in lan.said
    with read_scope(org) as s:
        actions = [a.action for a in s.exec(select(AuditLog)).all()]
    assert "campaign.approve" in actions


def test_commune_leader_rejects_in_chat(approving: Make, org: Engine) -> None:
    panh = _create_as_panh(approving)
    lan = approving(LAN)
    lan.replies()
    lan.press("Không duyệt")
    assert "Đã không duyệt thông báo số" in lan.said
    assert campaigns(org)[0].status == "cancelled"
    panh.replies()
    assert "chưa được lãnh đạo xã duyệt nên sẽ không gửi" in panh.said


def test_times_in_words_are_read_and_said_back(make: Make, org: Engine) -> None:
    """Saturday 05/12/2026, 09:00: "7h30 sang mai" is Sunday 07:30, shown in words."""
    hung = make(HUNG)
    own_text(hung, "Thôn Đông họp bàn làm đường bê tông.", "Thôn Đông")
    assert "8h sáng mai" in hung.said  # the examples are relative to today
    hung.send("20/12/2025 8h")
    assert "(8 giờ sáng, thứ Bảy 20/12/2025) đã qua" in hung.said
    hung.send("8h sáng nay")  # 08:00 today has passed: tomorrow proposed, for confirmation
    assert "Giờ anh/chị gõ (8 giờ sáng nay, thứ Bảy 05/12/2026) đã qua" in hung.said
    assert "đề xuất gửi lúc 8 giờ sáng mai, Chủ nhật 06/12/2026" in hung.said
    assert "Xem trước" in hung.said and campaigns(org) == []
    hung.press("Hủy")
    own_text(hung, "Thôn Đông họp bàn làm đường bê tông.", "Thôn Đông")
    hung.send("7h30 sang mai")
    assert "Gửi lúc 7 giờ 30 sáng mai, Chủ nhật 06/12/2026 tới" in hung.said
    hung.press("Xác nhận gửi")
    assert "Đã lên lịch thông báo số 1, gửi lúc 7 giờ 30 sáng mai, Chủ nhật 06/12/2026" in (
        hung.said
    )
    assert campaigns(org)[0].next_run_at == datetime(2026, 12, 6, 0, 30, tzinfo=UTC)
    own_text(hung, "Thôn Đông thu quỹ.", "Thôn Đông")
    hung.send("chieu thu 6 tuan sau 3 gio")
    assert "lúc 3 giờ chiều, thứ Sáu 11/12/2026" in hung.said


def test_text_without_diacritics_is_shown_and_can_be_retyped(make: Make, org: Engine) -> None:
    hung = make(HUNG)
    own_text(hung, "Toi nay 19h hop thon tai nha van hoa thon Dong", "Thôn Đông")
    hung.press("Gửi ngay")
    assert "không có dấu" in hung.said and "Toi nay 19h hop thon" in hung.said
    assert hung.last_buttons == ["Có, gửi ngay", "Gõ lại", "Không"]
    hung.press("Gõ lại")
    assert "gõ nội dung thông báo" in hung.said
    hung.send("Tối nay 19h họp thôn tại nhà văn hóa thôn Đông")
    # Back to the preview at once: the village and the time are kept; no warning now.
    assert "Xem trước (gửi Thôn Đông)" in hung.said and "không có dấu" not in hung.said
    assert hung.last_buttons == ["Có, gửi ngay", "Không"]
    hung.press("Có, gửi ngay")
    assert campaigns(org)[0].text == "Tối nay 19h họp thôn tại nhà văn hóa thôn Đông"
    # A template's place typed without diacritics: the same warning; kept as typed if confirmed.
    hung.send("thông báo")
    hung.press("Ngày hội dịch vụ công")
    hung.send("nha van hoa thon dong; 8 giờ; thứ Bảy 12/12")
    hung.press("Thôn Đông")
    hung.send("7h thứ 7")
    assert 'không có dấu: "nha van hoa thon dong"' in hung.said
    hung.press("Xác nhận gửi")
    assert campaigns(org)[1].variables["place"] == "nha van hoa thon dong"  # never changed


def test_send_now_and_cancel_ask_first(make: Make, org: Engine) -> None:
    ctx = make_ctx()
    lan = make(LAN)
    own_text(lan, "Chiều nay 14 giờ họp toàn xã tại hội trường UBND.", "Tất cả thôn của tôi")
    lan.press("Gửi ngay")
    assert "Gửi ngay bây giờ tới 4 thôn?" in lan.said
    lan.press("Không")
    assert "Đã dừng tạo thông báo" in lan.said and campaigns(org) == []
    own_text(lan, "Chiều nay 14 giờ họp toàn xã tại hội trường UBND.", "Tất cả thôn của tôi")
    lan.press("Gửi ngay")
    lan.send("có")  # typed, not tapped
    assert "Đã nhận thông báo số 1, đang gửi ngay" in lan.said
    firing.run_due(org, now=START, ctx=ctx)
    assert campaigns(org)[0].status == "done"
    # Sent now, it still shows in "lịch thông báo", with no cancel button.
    lan.send("lịch thông báo")
    assert "đã gửi gần đây" in lan.said and "Số 1: " in lan.said and "đã gửi xong" in lan.said
    assert not lan.last.buttons
    # A later one: "Hủy số 2" asks; "Không" keeps it; typed "có" cancels it.
    own_text(lan, "Sáng mai họp chi bộ.", "Tất cả thôn của tôi")
    lan.send("8h sáng mai")
    lan.press("Xác nhận gửi")
    lan.send("lịch thông báo")
    assert lan.last_buttons == ["Hủy số 2"]
    lan.press("Hủy số 2")
    assert "chắc chắn hủy thông báo số 2" in lan.said and "8 giờ sáng mai" in lan.said
    assert lan.last_buttons == ["Có, hủy", "Không"]
    lan.press("Không")
    assert "vẫn giữ nguyên" in lan.said and campaigns(org)[1].status == "scheduled"
    lan.send("lịch thông báo")
    lan.press("Hủy số 2")
    lan.send("co")
    assert "Đã hủy thông báo số 2" in lan.said and campaigns(org)[1].status == "cancelled"


def test_template_buttons_are_cut_at_a_word_and_all_differ(make: Make) -> None:
    from bot.replies import MAX_LABEL
    from bot.text.normalize import fold

    hung = make(HUNG)
    hung.send("thông báo")
    labels = hung.last_buttons
    assert "Đi từng ngõ, gõ từng nhà…" in labels  # not "… hướn"
    assert all(len(label) <= MAX_LABEL for label in labels)
    assert len({fold(label) for label in labels}) == len(labels)
    hung.press("Đi từng ngõ, gõ từng nhà…")
    assert "địa điểm, giờ và ngày" in hung.said
    # The example's date comes from today: the campaign's first day, tomorrow.
    assert "; Chủ nhật 06/12/2026" in hung.said
    hung.clock.advance(days=30)
    hung.send("thông báo")
    hung.press("Ngày hội dịch vụ công")
    assert "; thứ Bảy 09/01/2027" in hung.said  # the next Saturday, never a past day


def test_typed_labels_and_numbers_count_as_taps(make: Make, org: Engine) -> None:
    """What `make chat` users do: type the button's words (without diacritics) or its number."""
    hung = make(HUNG)
    hung.send("thông báo")
    hung.send("tu viet")
    assert "gõ nội dung thông báo" in hung.said
    hung.send("1")  # at the text step a "1" is the text, not the first template
    hung.send("thon dong")
    assert "Khi nào gửi" in hung.said
    hung.send("gui ngay")
    assert hung.last_buttons == ["Có, gửi ngay", "Không"]
    hung.send("Không")
    assert campaigns(org) == []
    hung.send("thông báo")
    hung.send("Ngày hội dịch vụ công trực tuyến")  # the whole title, its button cut short
    assert "địa điểm, giờ và ngày" in hung.said
    hung.send("dung mau")
    hung.send("1")  # Thôn Đông
    hung.send("9h sáng thứ 7")
    hung.send("xac nhan gui")
    [campaign] = campaigns(org)
    assert (campaign.template_id, campaign.variables) == ("ngay-hoi-dvc", {})
    assert campaign.next_run_at == datetime(2026, 12, 12, 2, 0, tzinfo=UTC)
    hung.send("hủy số 1")
    assert "chắc chắn hủy thông báo số 1" in hung.said
    hung.send("có, hủy")
    assert "Đã hủy thông báo số 1" in hung.said and campaigns(org)[0].status == "cancelled"


def test_a_time_in_quiet_hours_says_when_it_will_go(make: Make, org: Engine) -> None:
    hung = make(HUNG)
    own_text(hung, "Thôn Đông họp bàn làm đường bê tông.", "Thôn Đông")
    hung.send("10h đêm nay")
    assert "Gửi lúc 10 giờ đêm nay, thứ Bảy 05/12/2026" in hung.said
    assert "từ 21:00 đến 07:00 là giờ nghỉ" in hung.said
    assert "sẽ đi lúc 7 giờ sáng mai, Chủ nhật 06/12/2026" in hung.said
    hung.press("Hủy")
    own_text(hung, "Thôn Đông họp bàn làm đường bê tông.", "Thôn Đông")
    hung.send("3 giờ chiều nay")
    assert "giờ nghỉ" not in hung.said
