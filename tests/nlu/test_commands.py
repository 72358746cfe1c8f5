"""Global commands: short messages that work anywhere, even inside a flow."""

from __future__ import annotations

import pytest

from bot.nlu.intents import IntentRouter, global_command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("menu", "menu"),
        ("Menu", "menu"),
        ("MENU!", "menu"),
        ("  menu  ", "menu"),
        ("menu ạ", "menu"),
        ("menu nhé", "menu"),
        ("0", "menu"),
        ("0.", "menu"),
        ("về menu", "menu"),
        ("mnu", "menu"),
        ("meun", "menu"),
        ("menuu", "menu"),
        ("bắt đầu lại", "menu"),
        ("hủy", "cancel"),
        ("huỷ", "cancel"),
        ("huy", "cancel"),
        ("HỦY", "cancel"),
        ("hủy bỏ", "cancel"),
        ("hủy đi", "cancel"),
        ("dạ hủy ạ", "cancel"),
        ("thôi", "cancel"),
        ("dừng lại", "cancel"),
        ("quay lại", "back"),
        ("quay lai", "back"),
        ("quaylai", "back"),
        ("qay lai", "back"),
        ("back", "back"),
        ("trở lại", "back"),
        ("kết thúc", "end"),
        ("ket thuc", "end"),
        ("kết thúc nhé", "end"),
        ("ketthuc", "end"),
        ("ket thuk", "end"),
        ("thoát", "end"),
    ],
)
def test_short_commands_are_recognised(text: str, command: str) -> None:
    assert global_command(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "cho tôi xem menu các dịch vụ",  # "menu" inside a sentence is intent detection's job
        "hủy đăng ký tạm trú",
        "quay lại bước trước rồi làm tiếp đăng ký",
        "kết thúc hồ sơ khai sinh mất bao lâu",
        "00",
        "1",
        "bác",  # a real word one edit from "back" is never taken for it
        "huyện",
        "mẹ",
        "",
        "   ",
        "???",
        "😀",
    ],
)
def test_other_messages_are_not_commands(text: str) -> None:
    assert global_command(text) is None


def test_route_reports_commands_with_full_confidence(router: IntentRouter) -> None:
    assert router.route("hủy").intent == "cancel"
    assert router.route("quay lại").intent == "back"
    assert router.route("kết thúc").intent == "goodbye"
    menu = router.route("0")
    assert (menu.intent, menu.flow, menu.confidence) == ("menu", None, 1.0)
    assert menu.matched == ("command:menu",)
