"""Reaching a team member: the resident's request, the team's buttons, human mode, escalation.

Several `Chat`s share one database and one clock: the resident and the demo commune's team
(bot/content/demo/org.yaml). Thôn Đông is served by Trần Văn Hùng and Lê Thị Mai; Thôn
Trung Hòa by Lê Thị Mai and Phạm Quốc Bảo; Nguyễn Thị Lan is the commune leader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock import FakeClock
from bot.features.handoff.escalation import escalate_due, escalation_job
from bot.features.handoff.interceptor import HandoffInterceptor
from bot.features.org.orgfile import match_village
from bot.runtime import Runtime
from bot.services import Services
from db import handoff as handoff_db
from db.models import (
    Conversation,
    EventLog,
    HandoffTicket,
    Outbox,
    Resident,
    TeamMember,
    Village,
)
from db.session import read_scope, session_scope
from db.stats import Window
from tests.harness import Chat

RESIDENT = "2468458835296117922"
NEIGHBOUR = "2468458835296117923"
LAN = "7000000000000000001"  # commune leader
HUNG = "7000000000000000002"  # Thôn Đông
MAI = "7000000000000000003"  # Thôn Đông, Thôn Trung Hòa
PANH = "7000000000000000004"  # Bản Nà Lầy
BAO = "7000000000000000005"  # Tổ dân phố 3, Thôn Trung Hòa
# 09:00 in Vietnam.
START = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)

Make = Callable[..., Chat]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def make(engine: Engine, services: Services, demo_org: None, clock: FakeClock) -> Make:
    interceptors = (HandoffInterceptor(),)

    def make_chat(user_id: str = RESIDENT) -> Chat:
        return Chat(engine, services, user_id=user_id, clock=clock, interceptors=interceptors)

    return make_chat


@pytest.fixture
def resident(make: Make) -> Chat:
    return make(RESIDENT)


@pytest.fixture
def hung(make: Make) -> Chat:
    return make(HUNG)


@pytest.fixture
def mai(make: Make) -> Chat:
    return make(MAI)


@pytest.fixture
def lan(make: Make) -> Chat:
    return make(LAN)


def request(
    chat: Chat, need: str = "cài VNeID cho mẹ", when: str = "Buổi chiều", village: str = "Thôn Đông"
) -> None:
    chat.send("#go:handoff")
    chat.send(need)
    chat.press(when)
    chat.press(village)
    chat.press("Gửi yêu cầu")


def tickets(engine: Engine) -> list[HandoffTicket]:
    with read_scope(engine) as s:
        return list(s.exec(select(HandoffTicket).order_by(col(HandoffTicket.id))).all())


def logged(engine: Engine, kind: str) -> list[EventLog]:
    with read_scope(engine) as s:
        return list(
            s.exec(select(EventLog).where(EventLog.kind == kind).order_by(col(EventLog.id))).all()
        )


def mode(engine: Engine, user_id: str) -> str:
    with read_scope(engine) as s:
        resident = s.exec(select(Resident).where(Resident.zalo_user_id == user_id)).one()
        row = s.get(Conversation, resident.id)
        return row.mode if row is not None else "bot"


def member_id(engine: Engine, zalo_user_id: str) -> int:
    with read_scope(engine) as s:
        member = s.exec(select(TeamMember).where(TeamMember.zalo_user_id == zalo_user_id)).one()
        assert member.id is not None
        return member.id


def name_resident(engine: Engine, user_id: str, name: str) -> None:
    with session_scope(engine) as s:
        row = s.exec(select(Resident).where(Resident.zalo_user_id == user_id)).one()
        row.display_name = name
        s.add(row)


def accepted(resident: Chat, member: Chat) -> None:
    """`resident` asks (Thôn Đông, afternoon) and `member` takes the request."""
    request(resident)
    member.replies()
    member.press("Nhận hỗ trợ")
    resident.replies()


def run_together(*chats: Chat) -> None:
    """Handle each chat's queued messages at the same moment, one thread per chat."""
    start = threading.Barrier(len(chats))

    def work(chat: Chat) -> None:
        start.wait()
        chat.process()

    threads = [threading.Thread(target=work, args=(chat,)) for chat in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- the request -------------------------------------------------------------------------------


def test_request_for_a_village_reaches_its_team(
    resident: Chat, hung: Chat, mai: Chat, lan: Chat, make: Make, engine: Engine
) -> None:
    [ask] = resident.send("#go:handoff")
    assert "Bạn cần cán bộ Tổ công nghệ số giúp việc gì" in ask.text
    assert ask.labels == ["Về menu chính"]
    resident.send("cài VNeID cho mẹ")
    assert "thường ở nhà lúc nào" in resident.said
    assert resident.last_buttons == [
        "Buổi sáng",
        "Buổi chiều",
        "Buổi tối",
        "Lúc nào cũng được",
        "Bỏ qua",
    ]
    resident.press("Buổi chiều")
    assert "thôn, bản hay tổ dân phố nào" in resident.said
    assert resident.last_buttons == [
        "Bản Nà Lầy",
        "Thôn Trung Hòa",
        "Thôn Đông",
        "Tổ dân phố 3",
        "Không rõ / ở xã",
    ]
    resident.press("Thôn Đông")
    assert "cán bộ phụ trách Thôn Đông" in resident.said
    assert "Việc cần giúp: cài VNeID cho mẹ" in resident.said
    assert "Thường ở nhà: buổi chiều" in resident.said
    assert resident.last_buttons[:2] == ["Gửi yêu cầu", "Sửa lại việc cần giúp"]
    resident.press("Gửi yêu cầu")
    assert "Mình đã gửi yêu cầu #1 tới 2 cán bộ phụ trách Thôn Đông" in resident.said
    assert "0210 3888 123" in resident.said  # the commune's hotline, for urgent cases
    assert resident.last_buttons == ["Hủy yêu cầu", "Về menu chính"]

    for member in (hung, mai):
        [note] = member.replies()
        assert "Yêu cầu hỗ trợ #1 – Thôn Đông" in note.text
        assert "Người gửi: Một người dân" in note.text
        assert "Cần giúp: cài VNeID cho mẹ" in note.text
        assert "Thường ở nhà: buổi chiều" in note.text
        assert note.labels == ["Nhận hỗ trợ"]
        assert note.buttons[0]["payload"] == "#h:accept:1"
    assert lan.replies() == []
    assert make(PANH).replies() == [] and make(BAO).replies() == []

    [ticket] = tickets(engine)
    assert (ticket.status, ticket.need, ticket.when_home) == (
        "open",
        "cài VNeID cho mẹ",
        "afternoon",
    )
    with read_scope(engine) as s:
        village = s.exec(select(Village).where(Village.code == "thon-dong")).one()
        row = s.exec(select(Resident).where(Resident.zalo_user_id == RESIDENT)).one()
    assert ticket.village_id == village.id
    assert row.village_id == village.id  # remembered for next time
    [event] = logged(engine, "handoff_requested")
    assert (event.value, event.village_id, event.data["notified"]) == ("village", village.id, 2)


def test_without_a_village_the_commune_leaders_are_told(
    resident: Chat, hung: Chat, lan: Chat, engine: Engine
) -> None:
    request(resident, when="Bỏ qua", village="Không rõ")
    assert "tới 1 cán bộ Tổ công nghệ số xã" in resident.said
    [note] = lan.replies()
    assert "Cấp xã (chưa rõ thôn)" in note.text
    assert "Thường ở nhà: chưa cho biết" in note.text
    assert hung.replies() == []
    [ticket] = tickets(engine)
    assert (ticket.village_id, ticket.when_home) == (None, "skip")
    assert logged(engine, "handoff_requested")[0].value == "commune"


def test_typed_answers_aliases_and_secrets_are_understood(
    resident: Chat, mai: Chat, make: Make, engine: Engine
) -> None:
    resident.send("cho tôi gặp cán bộ")  # by intent, not by the menu
    assert "Bạn cần cán bộ Tổ công nghệ số giúp việc gì" in resident.said
    resident.send("ok")
    assert "Bạn gõ vài chữ cho biết việc cần giúp" in resident.said
    resident.send("kích hoạt vneid, mật khẩu là Hoa@1975")
    assert "đừng gửi" in resident.said  # the privacy warning
    resident.send("chieu thu bay")  # the resident's own words
    resident.send("xom ba")  # not a village of this commune
    assert "Mình chưa tìm thấy tên đó" in resident.said
    resident.send("thon 2")  # an alias of Thôn Trung Hòa
    assert "cán bộ phụ trách Thôn Trung Hòa" in resident.said
    assert "Thường ở nhà: chieu thu bay" in resident.said
    resident.send("1")  # the first button: send
    assert "tới 2 cán bộ phụ trách Thôn Trung Hòa" in resident.said
    [ticket] = tickets(engine)
    assert "Hoa@1975" not in ticket.need and "[đã ẩn mật khẩu]" in ticket.need
    assert ticket.when_home == "chieu thu bay"
    assert "Hoa@1975" not in mai.replies()[0].text
    assert len(make(BAO).replies()) == 1


@pytest.mark.parametrize(
    ("typed", "code"),
    [("sang", "morning"), ("buổi tối", "evening"), ("bo qua", "skip"), ("4", "anytime")],
)
def test_typed_time_matches_a_button(resident: Chat, engine: Engine, typed: str, code: str) -> None:
    resident.send("#go:handoff")
    resident.send("hướng dẫn nộp hồ sơ trên điện thoại")
    resident.send(typed)
    resident.send("tôi ở bản nà lầy")
    resident.press("Gửi yêu cầu")
    [ticket] = tickets(engine)
    assert ticket.when_home == code


def test_a_known_village_is_not_asked_again(resident: Chat, engine: Engine) -> None:
    request(resident)
    resident.press("Hủy yêu cầu")
    resident.send("#go:handoff")
    resident.send("đăng ký tạm trú online")
    resident.press("Buổi sáng")
    assert "cán bộ phụ trách Thôn Đông" in resident.said  # straight to the confirmation
    resident.send("quay lại")
    assert "thường ở nhà lúc nào" in resident.said


def test_edit_the_need_before_sending(resident: Chat, engine: Engine) -> None:
    resident.send("#go:handoff")
    resident.send("cai vneid")
    resident.press("Buổi tối")
    resident.press("Thôn Đông")
    resident.press("Sửa lại việc cần giúp")
    resident.send("cài VNeID mức 2 cho bố")
    resident.press("Buổi tối")
    resident.press("Thôn Đông")
    assert "Việc cần giúp: cài VNeID mức 2 cho bố" in resident.said
    resident.press("Gửi yêu cầu")
    assert [t.need for t in tickets(engine)] == ["cài VNeID mức 2 cho bố"]


def test_a_waiting_request_is_shown_instead_of_a_new_one(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    request(resident)
    confirm = next(s for s in resident.history if "Gửi yêu cầu" in s.labels)
    resident.send("#go:handoff")
    assert "Bạn đã có yêu cầu #1 gửi lúc 09:00" in resident.said
    assert "«cài VNeID cho mẹ»" in resident.said
    assert resident.last_buttons[0] == "Hủy yêu cầu"
    # Tapping "Gửi yêu cầu" again on the old confirmation does not send it twice.
    send = next(b["payload"] for b in confirm.buttons if b["title"] == "Gửi yêu cầu")
    resident.send(str(send))
    assert "Bạn đã có yêu cầu #1" in resident.said
    assert len(tickets(engine)) == 1
    assert len(hung.replies()) == 1


# -- navigation during the request ---------------------------------------------------------


def test_menu_back_and_cancel_during_the_request(resident: Chat, engine: Engine) -> None:
    resident.send("#go:handoff")
    resident.send("quay lại")
    assert "Đây là bước đầu rồi" in resident.said
    resident.send("#go:handoff")
    resident.send("cài VNeID")
    resident.send("quay lại")
    assert "Bạn cần cán bộ Tổ công nghệ số giúp việc gì" in resident.said
    resident.send("cài VNeID")
    resident.press("Buổi sáng")
    resident.send("menu")
    assert resident.last_buttons[-1] == "Gặp cán bộ hỗ trợ"
    resident.send("#go:handoff")
    resident.send("cài VNeID")
    resident.send("hủy")
    assert "mình đã dừng lại" in resident.said
    assert tickets(engine) == []
    steps = [(e.flow, e.step, e.value) for e in logged(engine, "flow_cancel")]
    assert steps == [("handoff", "village", "menu"), ("handoff", "when_home", "cancel")]


def test_timeout_during_the_request_and_resume_within_it(
    resident: Chat, clock: FakeClock, engine: Engine
) -> None:
    resident.send("#go:handoff")
    resident.send("cài VNeID")
    clock.advance(minutes=29)
    resident.press("Lúc nào cũng được")  # resumed: still within the timeout
    assert "thôn, bản hay tổ dân phố nào" in resident.said
    clock.advance(minutes=31)
    resident.press("Thôn Đông")
    assert resident.batch[0].text == "Đã lâu bạn không nhắn nên mình bắt đầu lại nhé."
    assert tickets(engine) == []
    assert [(e.flow, e.step) for e in logged(engine, "flow_timeout")] == [("handoff", "village")]


def test_a_burst_while_requesting_is_answered_in_order(resident: Chat, engine: Engine) -> None:
    resident.send("#go:handoff")
    for text in ["ok", "cần cài VNeID cho ông", "sáng", "thôn 1", "1"]:
        resident.send(text)
    transcript = resident.transcript()
    order = [
        "Bạn gõ vài chữ cho biết việc cần giúp",
        "thường ở nhà lúc nào",
        "thôn, bản hay tổ dân phố nào",
        "cán bộ phụ trách Thôn Đông",
        "Mình đã gửi yêu cầu #1",
    ]
    positions = [transcript.index(part) for part in order]
    assert positions == sorted(positions)
    [ticket] = tickets(engine)
    assert (ticket.need, ticket.when_home) == ("cần cài VNeID cho ông", "morning")


# -- cancelling --------------------------------------------------------------------------------


def test_cancel_before_anyone_accepts(resident: Chat, hung: Chat, engine: Engine) -> None:
    request(resident)
    resident.press("Hủy yêu cầu")
    assert "mình đã hủy yêu cầu gặp cán bộ" in resident.said
    assert resident.last_buttons == ["Về menu chính"]
    assert tickets(engine)[0].status == "cancelled"
    assert tickets(engine)[0].cancelled_at is not None
    hung.replies()
    hung.press("Nhận hỗ trợ")
    assert hung.said == "Người dân đã hủy yêu cầu #1."
    resident.press("Về menu chính")
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    assert len(logged(engine, "handoff_cancelled")) == 1
    assert logged(engine, "handoff_accepted") == []


def test_typing_huy_cancels_a_waiting_request(resident: Chat, engine: Engine) -> None:
    request(resident)
    resident.send("huỷ")
    assert "mình đã hủy yêu cầu gặp cán bộ" in resident.said
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    assert tickets(engine)[0].status == "cancelled"
    resident.send("hủy")
    assert "không có việc gì đang làm dở" in resident.said


def test_huy_cancels_a_request_waiting_for_long_but_not_another_flow(
    resident: Chat, clock: FakeClock, engine: Engine
) -> None:
    request(resident)
    resident.send("#go:procedures")
    resident.send("hủy")  # leaves the procedure lookup, the request keeps waiting
    assert "mình đã dừng lại" in resident.said
    assert tickets(engine)[0].status == "open"
    clock.advance(minutes=45)
    resident.send("hủy")
    assert "mình đã hủy yêu cầu gặp cán bộ" in resident.said
    assert tickets(engine)[0].status == "cancelled"


def test_cancel_from_the_waiting_message(resident: Chat, engine: Engine) -> None:
    request(resident)
    resident.send("#go:handoff")
    resident.press("Hủy yêu cầu")
    assert "mình đã hủy yêu cầu" in resident.said
    assert tickets(engine)[0].status == "cancelled"


# -- accepting ---------------------------------------------------------------------------------


def test_first_to_accept_wins_and_the_others_are_told(
    resident: Chat, hung: Chat, mai: Chat, clock: FakeClock, engine: Engine
) -> None:
    request(resident)
    hung.replies()
    mai.replies()
    clock.advance(minutes=7)
    hung.press("Nhận hỗ trợ")
    assert "Bạn đã nhận yêu cầu #1 của Một người dân (Thôn Đông)" in hung.said
    assert "Cần giúp: cài VNeID cho mẹ" in hung.said
    assert hung.last_buttons == ["Đã xong", "Trả lại"]
    assert [b["payload"] for b in hung.last.buttons] == ["#h:resolve:1", "#h:release:1"]
    [note] = resident.replies()
    assert "Cán bộ Trần Văn Hùng đã nhận yêu cầu, sẽ liên hệ" in note.text
    assert "trong chiều nay" in note.text  # 09:07, and the resident is home in the afternoon
    assert note.labels == ["Kết thúc trò chuyện"]
    [told] = mai.replies()  # told at once; her old button still answers clearly
    assert "đã có Trần Văn Hùng nhận" in told.text
    mai.press("Nhận hỗ trợ")
    assert mai.said == "Yêu cầu #1 đã được Trần Văn Hùng nhận rồi. Cảm ơn bạn!"
    assert resident.replies() == []
    hung.send("#h:accept:1")
    assert "Bạn đang giữ yêu cầu #1 này rồi" in hung.said
    assert hung.last_buttons == ["Đã xong", "Trả lại"]

    [ticket] = tickets(engine)
    assert ticket.status == "accepted"
    assert ticket.assigned_member_id == member_id(engine, HUNG)
    assert ticket.accepted_at == START + timedelta(minutes=7)
    assert mode(engine, RESIDENT) == "human"
    [event] = logged(engine, "handoff_accepted")
    assert event.data["minutes"] == 7.0
    assert event.data["member"] == member_id(engine, HUNG)
    assert event.resident_id == ticket.resident_id


def test_typing_the_first_word_of_a_button_presses_it(resident: Chat, engine: Engine) -> None:
    resident.send("#go:handoff")
    resident.send("cài VNeID cho mẹ")
    resident.press("Buổi chiều")
    resident.press("Thôn Đông")
    resident.send("gui")  # for "Gửi yêu cầu"
    assert "Mình đã gửi yêu cầu #1" in resident.said
    assert len(tickets(engine)) == 1


def test_the_others_hear_at_once_that_the_request_is_taken(
    resident: Chat, hung: Chat, mai: Chat, lan: Chat
) -> None:
    request(resident)
    hung.replies()
    mai.replies()
    hung.press("Nhận hỗ trợ")
    [note] = mai.replies()
    assert note.text == (
        "Yêu cầu #1 (Thôn Đông) đã có Trần Văn Hùng nhận. Bạn không cần làm gì thêm, cảm ơn bạn!"
    )
    assert note.labels == []
    assert lan.replies() == []  # not escalated: the leaders were never asked
    assert not any("đã có" in said.text for said in hung.replies())


def test_two_members_accepting_at_the_same_moment(
    resident: Chat, hung: Chat, mai: Chat, engine: Engine
) -> None:
    request(resident)
    hung.queue("#h:accept:1")
    mai.queue("#h:accept:1")
    run_together(hung, mai)
    everything = hung.replies()[1:] + mai.replies()[1:]
    told = [said for said in everything if "đã có" in said.text]
    assert len(told) == 1  # the one who lost the race is also told who took it
    answers = sorted((a for a in everything if a not in told), key=lambda said: said.text)
    assert [a.text.split(" ")[0] for a in answers] == ["Bạn", "Yêu"]
    assert "Bạn đã nhận yêu cầu #1" in answers[0].text
    assert "đã được" in answers[1].text and "nhận rồi" in answers[1].text
    [ticket] = tickets(engine)
    assert ticket.status == "accepted"
    assert len(logged(engine, "handoff_accepted")) == 1
    assert len([r for r in resident.replies() if "đã nhận yêu cầu" in r.text]) == 1


def test_cancel_and_accept_at_the_same_moment_agree(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    request(resident)
    hung.replies()
    resident.queue("hủy")
    hung.queue("#h:accept:1")
    run_together(resident, hung)
    [ticket] = tickets(engine)
    told = hung.replies()
    if ticket.status == "cancelled":  # the resident was first
        assert mode(engine, RESIDENT) == "bot"
        assert [t.text for t in told] == ["Người dân đã hủy yêu cầu #1."]
    else:  # the member was first: the resident's "hủy" reached the member
        assert ticket.status == "accepted"
        assert mode(engine, RESIDENT) == "human"
        assert told[-1].text == "💬 Một người dân (#1): hủy"


@pytest.mark.parametrize(
    ("hour", "when", "eta"),
    [
        (8, "Buổi sáng", "trong sáng nay"),
        (11, "Buổi sáng", "vào sáng mai"),
        (19, "Buổi tối", "trong tối nay"),
        (15, "Lúc nào cũng được", "trong hôm nay"),
        (18, "Bỏ qua", "trong ngày mai"),
    ],
)
def test_the_resident_is_told_roughly_when(
    resident: Chat, hung: Chat, clock: FakeClock, hour: int, when: str, eta: str
) -> None:
    clock.set(datetime(2026, 3, 10, hour - 7, 0, tzinfo=UTC))
    request(resident, when=when)
    hung.replies()
    hung.press("Nhận hỗ trợ")
    [note] = resident.replies()
    assert f"sẽ liên hệ với bạn {eta}." in note.text


# -- human mode --------------------------------------------------------------------------------


def test_in_human_mode_no_other_feature_takes_the_residents_words(
    engine: Engine, services: Services, demo_org: None, clock: FakeClock
) -> None:
    """With every feature's interceptor (as deployed), words another feature listens for
    ("nộp online" starts guided filing) still go to the team member."""
    resident = Chat(engine, services, user_id=RESIDENT, clock=clock)
    hung = Chat(engine, services, user_id=HUNG, clock=clock)
    accepted(resident, hung)
    assert resident.send("cháu ơi bác muốn nộp online giấy khai sinh") == []
    [relay] = hung.replies()
    assert "muốn nộp online giấy khai sinh" in relay.text


def test_messages_are_relayed_both_ways_and_the_bot_keeps_quiet(
    resident: Chat, hung: Chat, mai: Chat, engine: Engine
) -> None:
    resident.follow()
    name_resident(engine, RESIDENT, "Bác Ba")
    accepted(resident, hung)
    mai.replies()

    assert resident.send("Cháu ơi chiều nay mấy giờ cháu qua?") == []
    [relay] = hung.replies()
    assert relay.text == "💬 Bác Ba (#1): Cháu ơi chiều nay mấy giờ cháu qua?"
    assert relay.buttons == []

    assert hung.send("Dạ khoảng 3 giờ chiều cháu qua ạ.") == []
    [relay] = resident.replies()
    assert relay.text == "👤 Cán bộ Trần Văn Hùng: Dạ khoảng 3 giờ chiều cháu qua ạ."

    # Questions the bot would otherwise answer go to the team member instead.
    for text in ["vneid là gì", "cảm ơn", "xin chào", "4", "huỷ"]:
        assert resident.send(text) == []
    assert [r.text.split(": ", 1)[1] for r in hung.replies()] == [
        "vneid là gì",
        "cảm ơn",
        "xin chào",
        "4",
        "huỷ",
    ]
    photo = {"type": "image", "payload": {"url": "https://example.invalid/img/1.jpg"}}
    assert resident.send_kind("image", text="màn hình báo lỗi", attachments=[photo]) == []
    [relay] = hung.replies()
    assert relay.text == "💬 Bác Ba (#1): [Ảnh] https://example.invalid/img/1.jpg màn hình báo lỗi"
    where = {
        "type": "location",
        "payload": {"coordinates": {"latitude": "21.5", "longitude": "105.8"}},
    }
    assert hung.send_kind("location", text="", attachments=[where]) == []
    [relay] = resident.replies()
    assert relay.text == "👤 Cán bộ Trần Văn Hùng: [Vị trí] https://maps.google.com/?q=21.5,105.8"

    assert mai.replies() == []  # the other team member sees none of it
    assert mode(engine, RESIDENT) == "human"
    relays = logged(engine, "handoff_relay")
    assert [r.value for r in relays].count("to_member") == 7
    assert [r.value for r in relays].count("to_resident") == 2
    assert all("text" not in r.data for r in relays)  # what was said is not logged
    # The intent router never even looked at the resident's messages.
    assert [
        e for e in logged(engine, "intent") if e.resident_id == tickets(engine)[0].resident_id
    ] == []


def test_a_shared_link_in_human_mode_goes_to_the_member_not_the_scam_check(
    resident: Chat, hung: Chat
) -> None:
    accepted(resident, hung)
    url = "https://example.invalid/tin-tuc"
    link = {"type": "link", "payload": {"url": url, "description": "Tin tức xã"}}
    assert resident.send_kind("link", text=url, attachments=[link]) == []
    [relay] = hung.replies()
    assert relay.text == f"💬 Một người dân (#1): [Liên kết] {url}"


def test_menu_and_old_buttons_in_human_mode_explain_how_to_leave(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    accepted(resident, hung)
    for text in ["menu", "#go:procedures", "#f:handoff:sent:s0"]:
        resident.send(text)
        assert "Bạn đang trò chuyện với cán bộ Trần Văn Hùng" in resident.said
        assert resident.last_buttons == ["Kết thúc trò chuyện"]
    assert hung.replies() == []
    assert tickets(engine)[0].status == "accepted"


def test_a_burst_in_human_mode_keeps_its_order(
    resident: Chat, hung: Chat, clock: FakeClock
) -> None:
    accepted(resident, hung)
    burst = [f"tin thứ {i}" for i in range(1, 9)]
    for text in burst:
        assert resident.send(text) == []
    assert [r.text.removeprefix("💬 Một người dân (#1): ") for r in hung.replies()] == burst


def test_human_mode_never_times_out(resident: Chat, hung: Chat, clock: FakeClock) -> None:
    accepted(resident, hung)
    clock.advance(hours=5)
    assert resident.send("cháu ơi") == []
    assert len(hung.replies()) == 1


def test_acceptance_takes_the_resident_out_of_another_flow(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    request(resident)
    resident.send("#go:procedures")
    assert "Bạn cần làm thủ tục gì" in resident.said
    hung.replies()
    hung.press("Nhận hỗ trợ")
    resident.replies()
    assert resident.send("đăng ký tạm trú") == []  # not a procedure search any more
    assert hung.replies()[0].text.endswith("đăng ký tạm trú")
    [exit_] = logged(engine, "flow_exit")
    assert (exit_.flow, exit_.step, exit_.data["reason"]) == ("procedures", "ask", "handoff")


def test_secrets_are_masked_and_warned_about_even_in_human_mode(resident: Chat, hung: Chat) -> None:
    accepted(resident, hung)
    replies = resident.send("mã OTP của tôi là 482913")
    # The one thing the bot still says on its own: the warning not to share secrets.
    assert len(replies) == 1 and "đừng gửi" in replies[0].text
    [relay] = hung.replies()
    assert "482913" not in relay.text and "[đã ẩn mã OTP]" in relay.text


def test_a_member_holding_a_request_still_reaches_the_bot_by_buttons(
    resident: Chat, hung: Chat
) -> None:
    accepted(resident, hung)
    hung.send("#go:procedures")
    assert "Bạn cần làm thủ tục gì" in hung.said
    assert resident.replies() == []


def test_a_conversation_left_in_human_mode_without_a_holder_returns_to_the_bot(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    accepted(resident, hung)
    with session_scope(engine) as s:
        ticket = s.exec(select(HandoffTicket)).one()
        ticket.status = "resolved"  # e.g. closed by hand in the database
        s.add(ticket)
    resident.send("xin chào")
    assert "Bạn cần mình giúp việc gì" in resident.said
    assert mode(engine, RESIDENT) == "bot"
    assert hung.replies() == []


# -- ending ------------------------------------------------------------------------------------


def test_the_resident_ends_with_ket_thuc(
    resident: Chat, hung: Chat, clock: FakeClock, engine: Engine
) -> None:
    accepted(resident, hung)
    clock.advance(minutes=40)
    [feedback] = resident.send("kết thúc")  # one Zalo message, buttons included
    assert "Dạ, đã kết thúc trò chuyện với cán bộ Trần Văn Hùng" in feedback.text
    assert "Cán bộ hỗ trợ có giúp được bạn không?" in resident.said
    assert resident.last_buttons == ["👍 Có, đã được giúp", "👎 Chưa được giúp", "Về menu chính"]
    [note] = hung.replies()
    assert note.text == "Một người dân đã kết thúc trò chuyện. Yêu cầu #1 đã đóng."
    assert mode(engine, RESIDENT) == "bot"
    [ticket] = tickets(engine)
    assert (ticket.status, ticket.resolved_at) == ("resolved", START + timedelta(minutes=40))
    [event] = logged(engine, "handoff_resolved")
    assert (event.value, event.data["minutes"]) == ("resident", 40.0)

    resident.press("Có, đã được giúp")
    assert "Cảm ơn bạn đã góp ý" in resident.said
    [feedback] = logged(engine, "flow_feedback")
    assert (feedback.flow, feedback.value) == ("handoff", "helpful")
    # The bot answers again, and the member's texts no longer go anywhere.
    resident.send("làm giấy khai sinh cho con cần giấy tờ gì")
    assert "Đăng ký khai sinh" in resident.said
    hung.send("menu")
    assert hung.last_buttons[-1] == "Gặp cán bộ hỗ trợ"
    assert resident.replies() == []


def test_the_ket_thuc_button_ends_too(resident: Chat, hung: Chat, engine: Engine) -> None:
    accepted(resident, hung)
    resident.press("Kết thúc trò chuyện")
    assert "Cán bộ hỗ trợ có giúp được bạn không?" in resident.said
    assert tickets(engine)[0].status == "resolved"
    resident.send("#handoff:end")  # tapped again later
    assert "đã kết thúc rồi" in resident.said


def test_the_member_ends_with_ket_thuc_and_feedback_takes_a_comment(
    resident: Chat, hung: Chat, engine: Engine
) -> None:
    accepted(resident, hung)
    hung.send("ket thuc")
    assert hung.said.startswith("Đã đóng yêu cầu #1. Cảm ơn bạn đã hỗ trợ bà con!")
    [note] = resident.replies()
    assert "Cán bộ Trần Văn Hùng đã báo xong việc" in note.text
    assert "Cán bộ hỗ trợ có giúp được bạn không?" in note.text
    assert mode(engine, RESIDENT) == "bot"
    resident.press("Chưa được giúp")
    assert "Bạn gõ vài chữ cho mình biết" in resident.said
    resident.send("cán bộ chưa đến nhà")
    assert "Cảm ơn bạn đã góp ý" in resident.said
    values = [(f.value, f.data.get("comment")) for f in logged(engine, "flow_feedback")]
    assert values == [("not_helpful", None), ("comment", "cán bộ chưa đến nhà")]
    assert logged(engine, "handoff_resolved")[0].value == "member"


@pytest.mark.parametrize("typed", ["ok", "vâng", "dạ", "ok e", "da vang a", "ừ"])
def test_an_ok_after_the_request_is_closed_is_acknowledged_not_thanked(
    resident: Chat, hung: Chat, typed: str
) -> None:
    accepted(resident, hung)
    hung.send("ket thuc")
    resident.replies()
    resident.send(typed)
    assert resident.said.startswith("Dạ vâng ạ.")
    assert "không có gì" not in resident.said
    resident.send("cảm ơn cán bộ nhiều nhé")  # a thanks said is answered as one
    assert "Dạ không có gì ạ" in resident.said


def test_the_resolve_button(resident: Chat, hung: Chat, mai: Chat, engine: Engine) -> None:
    accepted(resident, hung)
    mai.replies()
    hung.press("Đã xong")
    assert "Đã đóng yêu cầu #1" in hung.said
    assert "Cán bộ hỗ trợ có giúp được bạn không?" in resident.replies()[0].text
    hung.press("Đã xong")
    assert hung.said == "Yêu cầu #1 đã xong rồi."
    mai.press("Nhận hỗ trợ")
    assert mai.said == "Yêu cầu #1 đã xong rồi."
    assert len(logged(engine, "handoff_resolved")) == 1
    with read_scope(engine) as s:
        window = Window(start=START, end=START + timedelta(days=1))
        assert handoff_db.summary(s, window).resolved == 1


def test_only_the_holder_can_resolve_or_release(resident: Chat, hung: Chat, mai: Chat) -> None:
    accepted(resident, hung)
    mai.replies()
    mai.send("#h:resolve:1")
    assert mai.said == "Yêu cầu #1 đã được Trần Văn Hùng nhận rồi. Cảm ơn bạn!"
    mai.send("#h:release:1")
    assert mai.said == "Yêu cầu #1 đã được Trần Văn Hùng nhận rồi. Cảm ơn bạn!"
    mai.send("#h:accept:99")
    assert mai.said == "Không tìm thấy yêu cầu này."
    mai.send("#h:dance:1")
    assert mai.said == "Không tìm thấy yêu cầu này."
    assert resident.replies() == []


def test_release_hands_the_request_to_the_others(
    resident: Chat, hung: Chat, mai: Chat, engine: Engine
) -> None:
    accepted(resident, hung)
    mai.replies()
    hung.press("Trả lại")
    assert hung.said == "Đã trả lại yêu cầu #1, mình sẽ báo cán bộ khác."
    [note] = resident.replies()
    assert "Cán bộ Trần Văn Hùng chưa giúp bạn được lúc này" in note.text
    assert mode(engine, RESIDENT) == "bot"
    [again] = mai.replies()
    assert "Yêu cầu hỗ trợ #1" in again.text and again.labels == ["Nhận hỗ trợ"]
    [ticket] = tickets(engine)
    assert (ticket.status, ticket.assigned_member_id, ticket.accepted_at) == ("open", None, None)
    # While it waits again the bot answers the resident.
    resident.send("xin chào")
    assert "Bạn cần mình giúp việc gì" in resident.said
    assert hung.replies() == []
    mai.press("Nhận hỗ trợ")
    assert "Cán bộ Lê Thị Mai đã nhận yêu cầu" in resident.replies()[0].text
    assert [e.value for e in logged(engine, "handoff_released")] == [str(member_id(engine, HUNG))]


def test_after_release_typing_huy_cancels(resident: Chat, hung: Chat, engine: Engine) -> None:
    accepted(resident, hung)
    hung.press("Trả lại")
    resident.send("hủy")
    assert "mình đã hủy yêu cầu gặp cán bộ" in resident.said
    assert tickets(engine)[0].status == "cancelled"


def test_a_member_holding_two_requests_writes_to_the_latest(
    make: Make, mai: Chat, engine: Engine
) -> None:
    first, second = make(RESIDENT), make(NEIGHBOUR)
    request(first)
    name_resident(engine, RESIDENT, "Bác Ba")
    mai.replies()
    mai.press("Nhận hỗ trợ")
    request(second, need="hỏi về bảo hiểm y tế", village="Thôn Trung Hòa")
    name_resident(engine, NEIGHBOUR, "Cô Tư")
    mai.replies()
    mai.press("Nhận hỗ trợ")
    assert "Bạn đang giữ 2 yêu cầu" in mai.said
    first.replies()
    second.replies()

    mai.send("Cô ơi cháu gọi cô nhé")
    assert mai.said.startswith("↪ Đã chuyển tới Cô Tư (yêu cầu #2")
    assert second.replies()[0].text == "👤 Cán bộ Lê Thị Mai: Cô ơi cháu gọi cô nhé"
    assert first.replies() == []
    first.send("cháu ơi")  # the earlier resident still reaches Mai
    assert mai.replies()[0].text == "💬 Bác Ba (#1): cháu ơi"

    mai.send("#h:resolve:2")
    assert "Tin bạn nhắn tiếp theo sẽ đến Bác Ba (yêu cầu #1)" in mai.said
    mai.send("Bác chờ cháu chút")
    assert mai.said == ""
    assert first.replies()[0].text == "👤 Cán bộ Lê Thị Mai: Bác chờ cháu chút"


def test_a_member_cannot_take_their_own_request(make: Make, mai: Chat, engine: Engine) -> None:
    request(mai, village="Thôn Đông")
    mai.replies()
    mai.send("#h:accept:1")
    assert mai.said == "Đây là yêu cầu của chính bạn, bạn nhờ cán bộ khác nhận nhé."
    assert tickets(engine)[0].status == "open"


# -- who may press the team's buttons -----------------------------------------------------------


def test_a_resident_tapping_a_team_button_is_refused(
    resident: Chat, make: Make, engine: Engine
) -> None:
    request(resident)
    stranger = make(NEIGHBOUR)
    stranger.send("#h:accept:1")
    assert "Nút này dành cho cán bộ Tổ công nghệ số" in stranger.said
    resident.send("#h:resolve:1")
    assert "Nút này dành cho cán bộ Tổ công nghệ số" in resident.said
    assert tickets(engine)[0].status == "open"
    assert len(logged(engine, "handoff_refused")) == 2


def test_a_member_without_requests_talks_to_the_bot(hung: Chat) -> None:
    hung.send("xin chào")
    assert "Bạn cần mình giúp việc gì" in hung.said


# -- escalation --------------------------------------------------------------------------------


def test_unaccepted_requests_are_escalated_once(
    resident: Chat, lan: Chat, hung: Chat, clock: FakeClock, services: Services, engine: Engine
) -> None:
    settings = services.settings
    assert settings.handoff_escalate_after_min == 30
    request(resident)
    resident.replies()
    hung.replies()
    clock.advance(minutes=29)
    assert escalate_due(engine, now=clock.now(), settings=settings) == 0
    assert lan.replies() == []
    clock.advance(minutes=2)
    assert escalate_due(engine, now=clock.now(), settings=settings) == 1
    [note] = lan.replies()
    assert "⏰ Yêu cầu #1 – Thôn Đông đã chờ 31 phút" in note.text
    assert note.labels == ["Nhận hỗ trợ"]
    [told] = resident.replies()
    assert "báo thêm cho lãnh đạo Tổ công nghệ số xã" in told.text
    assert hung.replies() == []
    clock.advance(minutes=10)
    assert escalate_due(engine, now=clock.now(), settings=settings) == 0
    assert lan.replies() == []

    [ticket] = tickets(engine)
    assert ticket.escalated_at == START + timedelta(minutes=31)
    with read_scope(engine) as s:
        keys = s.exec(
            select(Outbox.idempotency_key).where(col(Outbox.idempotency_key).startswith("handoff:"))
        ).all()
    assert sorted(keys) == sorted(
        [f"handoff:1:escalate:{member_id(engine, LAN)}", "handoff:1:escalate:resident"]
    )
    [event] = logged(engine, "handoff_escalated")
    assert event.data["minutes"] == 31 and event.data["leaders"] == [member_id(engine, LAN)]

    lan.press("Nhận hỗ trợ")
    assert "Bạn đã nhận yêu cầu #1" in lan.said
    assert "Cán bộ Nguyễn Thị Lan đã nhận" in resident.replies()[0].text


def test_accepted_and_cancelled_requests_are_not_escalated(
    make: Make, hung: Chat, lan: Chat, clock: FakeClock, services: Services, engine: Engine
) -> None:
    first, second = make(RESIDENT), make(NEIGHBOUR)
    request(first)
    hung.replies()
    hung.press("Nhận hỗ trợ")
    request(second, village="Bản Nà Lầy")
    second.press("Hủy yêu cầu")
    clock.advance(hours=2)
    assert escalate_due(engine, now=clock.now(), settings=services.settings) == 0
    assert lan.replies() == []


def test_escalation_delay_is_a_setting(
    resident: Chat, clock: FakeClock, services: Services, engine: Engine
) -> None:
    request(resident)
    clock.advance(minutes=6)
    quick = services.settings.model_copy(update={"handoff_escalate_after_min": 5})
    assert escalate_due(engine, now=clock.now(), settings=quick) == 1


async def test_the_escalation_job_runs_escalate_due(
    resident: Chat, lan: Chat, clock: FakeClock, services: Services, engine: Engine
) -> None:
    request(resident)
    clock.advance(minutes=31)
    runtime = Runtime.build(services.settings, clock=clock, engine=engine, services=services)
    try:
        await escalation_job(runtime)
        await escalation_job(runtime)
    finally:
        await runtime.aclose()
    [note] = lan.replies()
    assert "đã chờ 31 phút" in note.text
    assert len(logged(engine, "handoff_escalated")) == 1


# -- statistics --------------------------------------------------------------------------------


def test_statistics_per_village_and_member(
    make: Make, hung: Chat, mai: Chat, clock: FakeClock, engine: Engine
) -> None:
    first, second, third = make(RESIDENT), make(NEIGHBOUR), make("2468458835296117924")
    request(first)  # Thôn Đông: accepted by Hùng after 4 minutes, resolved
    clock.advance(minutes=4)
    hung.replies()
    hung.press("Nhận hỗ trợ")
    hung.press("Đã xong")
    request(second, village="Thôn Trung Hòa")  # accepted by Mai after 10 minutes, in progress
    clock.advance(minutes=10)
    mai.replies()
    mai.press("Nhận hỗ trợ")
    request(third, village="Không rõ")  # commune level: cancelled
    third.press("Hủy yêu cầu")
    request(third, village="Không rõ")  # commune level: waiting

    with read_scope(engine) as s:
        window = Window(start=START, end=START + timedelta(days=1))
        total = handoff_db.summary(s, window)
        villages = handoff_db.by_village(s, window)
        members = handoff_db.by_member(s, window)
        dong = s.exec(select(Village).where(Village.code == "thon-dong")).one().id
        trung = s.exec(select(Village).where(Village.code == "thon-trung-hoa")).one().id
        only_dong = handoff_db.summary(
            s, Window(start=START, end=START + timedelta(days=1), villages=frozenset({dong or 0}))
        )
        later = handoff_db.summary(
            s, Window(start=START + timedelta(days=1), end=START + timedelta(days=2))
        )
    assert total == handoff_db.HandoffCounts(
        requested=4,
        accepted=2,
        resolved=1,
        cancelled=1,
        escalated=0,
        median_minutes_to_accept=7.0,
        open_now=1,
        in_progress_now=1,
    )
    assert villages[dong].requested == 1 and villages[dong].median_minutes_to_accept == 4.0
    assert villages[trung].in_progress_now == 1
    assert villages[None].requested == 2 and villages[None].open_now == 1
    assert [(m.name, m.accepted, m.resolved, m.in_progress_now) for m in members] == [
        ("Trần Văn Hùng", 1, 1, 0),
        ("Lê Thị Mai", 1, 0, 1),
    ]
    assert members[1].median_minutes_to_accept == 10.0
    assert (only_dong.requested, only_dong.open_now) == (1, 0)
    assert (later.requested, later.accepted, later.open_now) == (0, 0, 1)


# -- village names as residents type them ------------------------------------------------------

VILLAGES = [
    Village(id=1, code="thon-dong", name="Thôn Đông", aliases="thon 1,xom dong,dong"),
    Village(id=2, code="thon-trung-hoa", name="Thôn Trung Hòa", aliases="thon 2,trung hoa"),
    Village(id=3, code="tdp-3", name="Tổ dân phố 3", aliases="to 3,tdp 3"),
    Village(id=4, code="thon-tay", name="Thôn Tây", aliases="dong"),  # shares an alias
]


@pytest.mark.parametrize(
    ("typed", "village_id"),
    [
        ("Thôn Trung Hòa", 2),
        ("thon trung hoa", 2),
        ("tôi ở thôn Đông ạ", 1),
        ("trung hao", 2),  # a typo
        ("Tổ 3", 3),
        ("TDP 3", 3),
        ("xóm Đông", 1),
        ("dong", None),  # two villages use this alias
        ("thôn", None),
        ("xóm Ba", None),
        ("", None),
    ],
)
def test_village_names_aliases_and_typos(typed: str, village_id: int | None) -> None:
    found = match_village(VILLAGES, typed)
    assert (found.id if found is not None else None) == village_id


def test_long_answers_are_cut_to_the_column_sizes(resident: Chat, engine: Engine) -> None:
    resident.send("#go:handoff")
    resident.send("cần giúp " + "cài VNeID " * 80)
    resident.send("sau " + "giờ làm " * 30)
    resident.press("Thôn Đông")
    resident.press("Gửi yêu cầu")
    [ticket] = tickets(engine)
    assert len(ticket.need) == 500 and ticket.need.startswith("cần giúp cài VNeID")
    assert ticket.when_home is not None and len(ticket.when_home) <= 100
