"""The VNeID flow, transcript by transcript: every topic and troubleshooting branch, entry
straight from a question, links and calls, and cancel/back/menu/timeout/resume/burst."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.flows.loader import load_flow_files
from bot.services import Services
from bot.zalo.messages import MAX_TEXT
from tests.flows.support import latest_buttons, logged, services_for, steps
from tests.harness import Chat

WELCOME_PAGE_1 = [
    "Cài app, đăng ký mức 1",
    "Làm mức 2 ở Công an xã",
    "Gặp lỗi khi dùng VNeID",
    "Mức 1 và mức 2 khác gì?",
    "Xem thêm ▸",
]


@pytest.fixture
def services(db_url: str) -> Services:
    return services_for(db_url)


def start(chat: Chat) -> None:
    chat.send("#go:vneid")
    assert "Bộ Công an" in chat.said


def press_anywhere(chat: Chat, label: str) -> None:
    """Press `label`, turning the page of a long list first when needed."""
    for _ in range(3):
        if any(label in shown for shown in chat.last_buttons):
            chat.press(label)
            return
        chat.press("Xem thêm")
    msg = f"{label!r} not found; buttons: {chat.last_buttons}"
    raise AssertionError(msg)


def test_menu_opens_the_overview_with_every_topic(resident: Chat, engine: Engine) -> None:
    resident.send("menu")
    resident.press("Tài khoản VNeID")
    assert "Bộ Công an" in resident.said
    assert resident.last_buttons == WELCOME_PAGE_1
    resident.press("Xem thêm")
    # The introduction is just above: not printed again for the next page.
    assert "Bộ Công an" not in resident.said and "Các lựa chọn tiếp theo" in resident.said
    assert resident.last_buttons[:4] == [
        "Kích hoạt tài khoản",
        "Mức 2 dùng được gì?",
        "Cảnh báo lừa đảo VNeID",
        "◂ Quay về đầu",
    ]
    resident.press("Quay về đầu")
    assert "Bộ Công an" not in resident.said and "Các lựa chọn từ đầu" in resident.said
    assert resident.last_buttons == WELCOME_PAGE_1
    [started] = logged(engine, "flow_start")
    assert (started.flow, started.value) == ("vneid", "menu")


def test_levels_then_level2_what_to_bring_how_long_and_children(
    resident: Chat, engine: Engine
) -> None:
    start(resident)
    resident.press("Mức 1 và mức 2 khác gì?")
    assert "Mức 1: bạn tự đăng ký" in resident.said
    assert "vân tay" in resident.said and "như thẻ căn cước" in resident.said
    resident.press("Làm mức 2 ở Công an xã")
    said = resident.said
    assert "TK01" in said and "còn hạn" in said and "không cần đúng nơi thường trú" in said
    resident.press("Mất bao lâu")
    assert "3 ngày làm việc" in resident.said and "7 ngày làm việc" in resident.said
    assert "lệ phí" in resident.said
    resident.press("Quay lại")
    assert "TK01" in resident.said
    resident.press("Làm cho trẻ em")
    assert "dưới 14 tuổi" in resident.said and "dưới 6 tuổi" in resident.said
    assert steps(engine, "vneid") == ["welcome", "levels", "level2", "level2_time", "children"]


def test_install_on_android_then_register_level1(resident: Chat) -> None:
    start(resident)
    resident.press("Cài app, đăng ký mức 1")
    assert "Không cài từ đường link" in resident.said
    resident.press("Android")
    assert "CH Play" in resident.said and '"Cài đặt"' in resident.said
    resident.press("Đã cài, hướng dẫn đăng ký")
    said = resident.said
    assert "số định danh cá nhân" in said and "chính chủ" in said
    assert "không gửi cho ai, kể cả kênh này" in said
    assert resident.last_buttons[:4] == [
        "Làm tiếp mức 2",
        "Không nhận được mã OTP",
        "Chụp khuôn mặt bị lỗi",
        "Xong, cảm ơn",
    ]
    resident.press("Làm tiếp mức 2")
    assert "TK01" in resident.said


def test_install_on_iphone_telling_phones_apart_and_install_help(
    resident: Chat, engine: Engine
) -> None:
    start(resident)
    resident.press("Cài app")
    resident.press("Không biết máy loại gì")
    assert "💡 Mẹo" in resident.said and "App Store" in resident.said
    resident.press("Máy có App Store")
    assert "Cài VNeID trên iPhone" in resident.said and '"Nhận"' in resident.said
    resident.press("Không cài được")
    assert "💡 Mẹo" in resident.said and "bộ nhớ" in resident.said
    resident.press("Xem lại cách cài")
    resident.press("Máy có CH Play" if "Máy có CH Play" in resident.last_buttons else "Android")
    assert "Cài VNeID trên máy Android" in resident.said
    assert steps(engine, "vneid")[:5] == [
        "welcome",
        "install",
        "phone_kind",
        "install_ios",
        "install_help",
    ]


def test_activation_from_sms_to_level2_and_the_wallet(resident: Chat, engine: Engine) -> None:
    start(resident)
    press_anywhere(resident, "Kích hoạt tài khoản")
    said = resident.said
    assert '"Kích hoạt tài khoản định danh điện tử"' in said
    assert "mã OTP" in said and "không đọc cho ai" in said
    resident.press("Xong, làm tiếp")
    said = resident.said
    assert "8–20 ký tự" in said and "6 chữ số" in said and "2 câu hỏi bảo mật" in said
    resident.press("Được rồi!")
    assert "Chúc mừng" in resident.said
    resident.press("Tích hợp bằng lái, thẻ BHYT")
    assert "Ví giấy tờ" in resident.said and "Tạo mới yêu cầu" in resident.said
    resident.press("Xong, cảm ơn")
    assert "thuận lợi" in resident.said and "giúp ích" in resident.said
    resident.press("Có, hữu ích")
    [complete] = logged(engine, "flow_complete")
    assert (complete.flow, complete.step) == ("vneid", "done")
    [feedback] = logged(engine, "flow_feedback")
    assert (feedback.flow, feedback.value) == ("vneid", "helpful")


TROUBLE = [
    ("Không nhận được mã OTP", "fix_otp", ["Gửi lại", "chính chủ", "không đọc cho ai"]),
    ("Quên mật khẩu", "fix_password", ['"Quên mật khẩu"', "💡 Mẹo", "Công an xã"]),
    ("Quên passcode", "fix_passcode", ['"Quên passcode"', "Đặt passcode mới"]),
    ("Đổi sang điện thoại mới", "fix_new_phone", ["1 điện thoại", "NFC", "máy mới"]),
    ("Đổi số điện thoại", "fix_phone_number", ["1900 0368", "phím 4", "7–10 ngày"]),
    ("Xác thực khuôn mặt lỗi", "fix_face", ["💡 Mẹo", "đủ sáng", "khẩu trang"]),
    ("Tài khoản bị khóa", "fix_locked", ["💡 Mẹo", "1900 0368", "lừa đảo"]),
    ("Làm mức 2 rồi, chưa kích hoạt", "fix_no_sms", ["phê duyệt", "3 ngày làm việc"]),
]


@pytest.mark.parametrize(("label", "step", "phrases"), TROUBLE, ids=[t[1] for t in TROUBLE])
def test_each_troubleshooting_branch(
    resident: Chat, engine: Engine, label: str, step: str, phrases: list[str]
) -> None:
    start(resident)
    resident.press("Gặp lỗi khi dùng VNeID")
    assert "Bạn gặp lỗi gì" in resident.said
    press_anywhere(resident, label)
    for phrase in phrases:
        assert phrase in resident.said, (phrase, resident.said)
    assert steps(engine, "vneid")[-1] == step
    assert all(len(s.text) <= MAX_TEXT for s in resident.batch)
    solved = [
        b for b in resident.last_buttons if b in ("Được rồi", "Nhận được rồi", "Làm được rồi")
    ]
    if solved:
        resident.press(solved[0])
        assert "Tốt quá" in resident.said
        [complete] = logged(engine, "flow_complete")
        assert complete.step == "solved"
    else:
        phone = any(b["type"] == "oa.open.phone" for b in latest_buttons(resident.history))
        assert phone or "Xem cách kích hoạt" in resident.last_buttons


def test_otp_still_missing_offers_the_hotline_and_a_number_change(resident: Chat) -> None:
    start(resident)
    resident.press("Gặp lỗi")
    resident.press("Không nhận được mã OTP")
    resident.press("Vẫn không nhận được")
    assert "SIM đã đổi chủ" in resident.said
    hotline = next(b for b in latest_buttons(resident.history) if b["type"] == "oa.open.phone")
    assert hotline["title"] == "Gọi tổng đài 1900 0368"
    assert hotline["payload"] == {"phone_code": "19000368"}
    resident.press("Cách đổi số điện thoại")
    assert "phím 4" in resident.said


def test_new_phone_without_nfc(resident: Chat, engine: Engine) -> None:
    start(resident)
    resident.press("Gặp lỗi")
    resident.press("Đổi sang điện thoại mới")
    resident.press("Máy không có NFC")
    assert '"Hủy liên kết"' in resident.said and "mượn" in resident.said
    resident.press("Làm được rồi")
    assert [c.step for c in logged(engine, "flow_complete")] == ["solved"]


def test_what_level2_unlocks_links_the_portal_and_procedures(resident: Chat) -> None:
    start(resident)
    press_anywhere(resident, "Mức 2 dùng được gì?")
    said = resident.said
    for phrase in ("thay thẻ căn cước", "bằng lái xe", "thẻ BHYT", "lý lịch tư pháp", "an sinh"):
        assert phrase in said
    portal = next(b for b in latest_buttons(resident.history) if b["type"] == "oa.open.url")
    assert portal["payload"] == {"url": "https://dichvucong.gov.vn"}
    resident.press("Cách tích hợp giấy tờ")
    assert "Tích hợp thông tin" in resident.said
    resident.press("Mức 2 dùng được gì?")
    resident.press("Tra thủ tục hành chính")
    assert "Bạn cần làm thủ tục gì" in resident.said


def test_scam_warnings_rules_and_what_to_do_if_caught(resident: Chat, engine: Engine) -> None:
    start(resident)
    press_anywhere(resident, "Cảnh báo lừa đảo VNeID")
    said = resident.said
    assert "KHÔNG gọi điện" in said and "tại trụ sở Công an" in said
    assert "APK" in said and "tự cập nhật" in said
    resident.press("Cách tự bảo vệ")
    assert ".gov.vn" in resident.said and "vneid.com" in resident.said
    resident.press("Tôi lỡ làm theo rồi")
    assert "chế độ máy bay" in resident.said and "khóa tài khoản" in resident.said
    police = next(b for b in latest_buttons(resident.history) if b["type"] == "oa.open.phone")
    assert police["payload"] == {"phone_code": "113"}
    resident.press("Báo cáo lừa đảo")
    assert "dán tin nhắn" in resident.said
    assert [(s.flow, s.value) for s in logged(engine, "flow_start")][-1] == (
        "scam_check",
        "vneid.scam_victim",
    )


ENTRY = [
    ("vneid không nhận được mã otp", "fix_otp"),
    ("quên mật khẩu vneid", "fix_password"),
    ("quen passcode vneid", "fix_passcode"),
    ("đổi điện thoại mới đăng nhập vneid", "fix_new_phone"),
    ("vneid đổi số điện thoại", "fix_phone_number"),
    ("xác thực khuôn mặt vneid không được", "fix_face"),
    ("tài khoản vneid bị khóa", "fix_locked"),
    ("làm định danh mức 2 cần mang gì", "level2"),
    ("vneid mức 1 và mức 2 khác gì", "levels"),
    ("tích hợp bằng lái vào vneid", "wallet"),
    ("làm vneid cho trẻ em", "children"),
    ("có người gọi bảo kích hoạt vneid mức 2 tại nhà", "scam"),
    ("cài app vneid ở đâu", "install"),
    ("vneid", "welcome"),
]


@pytest.mark.parametrize(("text", "step"), ENTRY, ids=[e[1] + ":" + e[0] for e in ENTRY])
def test_a_question_opens_the_right_step(
    resident: Chat, engine: Engine, text: str, step: str
) -> None:
    resident.send(text)
    assert steps(engine, "vneid") == [step]
    [started] = logged(engine, "flow_start")
    assert started.value == "intent"


def test_the_flow_never_asks_the_resident_to_type_anything() -> None:
    flow = load_flow_files(Settings().content_dir / "flows", None)["vneid"]
    assert all(step.expect == "button" for step in flow.steps.values())


# -- cancel, back, menu, timeout, resume, burst -----------------------------------------------


def test_cancel_and_menu_from_the_middle(resident: Chat, engine: Engine) -> None:
    start(resident)
    resident.press("Gặp lỗi")
    resident.press("Quên passcode")
    resident.send("hủy")
    assert "đã dừng lại" in resident.said
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    start(resident)
    resident.press("Mức 1 và mức 2")
    resident.send("menu")
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    cancels = [(c.step, c.value) for c in logged(engine, "flow_cancel")]
    assert cancels == [("fix_passcode", "cancel"), ("levels", "menu")]


def test_back_goes_one_step_at_a_time(resident: Chat) -> None:
    start(resident)
    resident.press("Gặp lỗi")
    resident.press("Không nhận được mã OTP")
    resident.press("Vẫn không nhận được")
    resident.send("quay lại")
    assert "bạn thử lần lượt" in resident.said
    resident.press("⬅ Quay lại")
    assert "Bạn gặp lỗi gì" in resident.said
    resident.send("quay lai")
    assert "Bạn cần giúp việc gì" in resident.said


def test_idle_timeout_restarts_and_an_answer_within_it_resumes(
    resident: Chat, engine: Engine
) -> None:
    start(resident)
    resident.press("Cài app")
    resident.clock.advance(minutes=29)
    resident.send("2")  # typed number: the second button, iPhone
    assert "Cài VNeID trên iPhone" in resident.said
    resident.clock.advance(minutes=31)
    replies = resident.send("1")
    assert replies[0].text == "Đã lâu bạn không nhắn nên mình bắt đầu lại nhé."
    # "1" is no longer the first button of an old step: it is the main menu's first item.
    assert "Cài VNeID trên máy Android" not in "\n".join(r.text for r in replies)
    assert replies[-1].labels == WELCOME_PAGE_1
    [timeout] = logged(engine, "flow_timeout")
    assert (timeout.flow, timeout.step) == ("vneid", "install_ios")


def test_an_old_button_takes_the_resident_back_to_that_topic(resident: Chat) -> None:
    start(resident)
    welcome = next(s for s in reversed(resident.history) if s.buttons)
    resident.press("Gặp lỗi")
    resident.press("Quên mật khẩu")
    resident.send("menu")
    old = next(b for b in welcome.buttons if b["title"] == "Làm mức 2 ở Công an xã")
    resident.send(str(old["payload"]))
    assert "TK01" in resident.said


def test_a_burst_of_messages_is_answered_in_order(resident: Chat, engine: Engine) -> None:
    start(resident)
    resident.send_burst(["3", "1", "Vẫn không nhận được", "menu"])
    transcript = resident.transcript()
    order = [
        transcript.index("Bạn gặp lỗi gì"),
        transcript.index("bạn thử lần lượt"),
        transcript.index("SIM đã đổi chủ"),
    ]
    assert order == sorted(order)
    assert resident.last_buttons[0] == "Tài khoản VNeID"
    assert steps(engine, "vneid") == ["welcome", "trouble", "fix_otp", "fix_otp_more"]


def _at_activation(chat: Chat) -> None:
    start(chat)
    press_anywhere(chat, "Kích hoạt tài khoản")
    assert "Bạn làm xong 3 bước này chưa?" in chat.said


def test_an_error_described_in_words_reaches_its_fix_not_the_scam_check(
    resident: Chat, engine: Engine
) -> None:
    _at_activation(resident)
    resident.send("lam roi ma no bao thong tin ko hop le")
    assert "thông tin không hợp lệ" in resident.said
    assert "Số định danh cá nhân: đủ 12 số" in resident.said
    assert not logged(engine, "intent")  # read as an answer to the step, not a new topic
    [answer] = logged(engine, "flow_answer")
    assert (answer.flow, answer.step, answer.value) == ("vneid", "activate", "fix_wrong_info")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("tin nhan ma otp ko ve", "Không nhận được mã OTP, bạn thử lần lượt"),
        ("no bat chup mat ma ko duoc", "xác thực khuôn mặt không được"),
        ("tai khoan bi khoa roi", "Mẹo khi tài khoản bị khóa"),
        ("me toi gia roi ko co dt thong minh", "không có điện thoại thông minh"),
    ],
)
def test_each_activation_error_is_reachable_in_words(
    resident: Chat, engine: Engine, typed: str, shown: str
) -> None:
    _at_activation(resident)
    resident.send(typed)
    assert shown in resident.said
    assert not logged(engine, "intent")


def test_without_a_smartphone_the_real_options_are_given(resident: Chat) -> None:
    _at_activation(resident)
    resident.send("ba toi ko co dien thoai cam ung thi sao")
    assert "Thẻ căn cước gắn chip vẫn dùng bình thường" in resident.said
    assert "Nhờ cán bộ giúp" in resident.last_buttons


@pytest.mark.parametrize(
    "typed",
    [
        "con me e gia roi ko co dt thong minh thi lam vneid the nao",
        "hoi vneid cho ba gia ko co dt cam ung",
        "ba toi khong dung smartphone lam vneid muc 2 duoc khong",
    ],
)
def test_an_elderly_parent_without_a_smartphone_gets_the_options(
    resident: Chat, engine: Engine, typed: str
) -> None:
    resident.send(typed)  # a first message, outside any flow
    assert steps(engine, "vneid") == ["no_smartphone"]
    said = resident.said
    assert "Thẻ căn cước gắn chip vẫn dùng bình thường" in said  # no VNeID needed for papers
    assert "Vẫn làm được mức 2 ở Công an xã" in said and "điện thoại thường" in said
    assert "Bộ phận Một cửa" in said
    options = ("Dùng máy của con cháu", "Làm mức 2 ở Công an xã", "Nhờ cán bộ giúp")
    assert tuple(resident.last_buttons[:3]) == options
    resident.press("Dùng máy của con cháu")
    said = resident.said
    assert "chỉ đăng nhập trên 1 điện thoại" in said and "NFC" in said
    assert "hỏi Công an xã hoặc tổng đài 1900 0368" in said  # the uncertain point, not guessed
    assert "Công an xã làm mức 2, đổi số điện thoại" in said
    assert "Nhờ cán bộ giúp" in resident.last_buttons


def test_using_a_relatives_phone_is_reachable_in_words(resident: Chat, engine: Engine) -> None:
    resident.send("dang nhap vneid cua ba tren may cua con chau duoc khong")
    assert steps(engine, "vneid") == ["no_smartphone_relative"]


def test_text_that_answers_nothing_here_still_goes_to_the_router(
    resident: Chat, engine: Engine
) -> None:
    _at_activation(resident)
    resident.send("cảm ơn nhiều nha")
    assert logged(engine, "flow_answer") == []
    assert logged(engine, "intent")
