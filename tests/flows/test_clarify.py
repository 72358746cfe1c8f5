"""Ask instead of guessing, and switching topics in the middle of a flow only when sure."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.services import Services
from tests.flows.support import logged, services_for, steps
from tests.harness import Chat

UNSURE = "làm sao để làm giấy tờ trên mạng"


@pytest.fixture
def services(db_url: str) -> Services:
    return services_for(db_url)


def test_an_unsure_question_is_answered_with_a_choice_not_chua_hieu(
    resident: Chat, engine: Engine
) -> None:
    resident.send(UNSURE)
    assert "Bạn muốn hỏi về" in resident.said
    assert "chưa hiểu" not in resident.said
    assert resident.last_buttons == [
        "5 kỹ năng số",
        "Thủ tục hành chính",
        "Không phải các mục trên",
    ]
    [asked] = logged(engine, "clarify_asked")
    assert (asked.value, asked.data["options"]) == (UNSURE, "digital_skills,procedure")


def test_the_choice_is_recorded_with_the_question_and_opens_the_topic(
    resident: Chat, engine: Engine
) -> None:
    resident.send(UNSURE)
    resident.press("Thủ tục hành chính")
    [chosen] = logged(engine, "clarify_chosen")
    assert (chosen.value, chosen.data["text"]) == ("procedure", UNSURE)
    [started] = logged(engine, "flow_start")
    assert (started.flow, started.value) == ("procedures", "clarify")


def test_none_of_these_counts_as_unanswered(resident: Chat, engine: Engine) -> None:
    resident.send(UNSURE)
    resident.press("Không phải các mục trên")
    assert [row.value for row in logged(engine, "unanswered")] == [UNSURE]
    assert "Gặp cán bộ hỗ trợ" in resident.last_buttons


def test_a_clear_new_topic_mid_flow_switches_and_says_so(resident: Chat, engine: Engine) -> None:
    resident.send("#go:vneid")
    resident.send("tra thủ tục đăng ký khai sinh cho con")
    assert 'Mình chuyển sang "Thủ tục hành chính" nhé' in resident.said
    assert any("◂ Về VNeID" in said.labels for said in resident.batch)
    [switched] = logged(engine, "flow_switched")
    assert (switched.flow, switched.value) == ("vneid", "procedures")
    resident.press("Về VNeID")
    assert "Bộ Công an" in resident.said  # the way back works


def test_an_unsure_topic_mid_flow_does_not_hijack(resident: Chat, engine: Engine) -> None:
    resident.send("#go:vneid")
    resident.send(UNSURE)
    assert logged(engine, "flow_switched") == []
    assert logged(engine, "clarify_asked") == []
    assert steps(engine, "vneid") == ["welcome"]


def test_editors_get_the_unanswered_and_clarified_messages(
    resident: Chat, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import cli
    from bot.config import get_settings

    resident.send(UNSURE)
    resident.press("Thủ tục hành chính")
    resident.send("menu")
    resident.send("asdf qwer zxcv")  # nothing fits
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        assert cli.main(["content", "review", "--csv"]) == 0
    finally:
        get_settings.cache_clear()
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    assert lines[0] == "Tin nhắn,Bà con chọn,Số lần"
    assert f"{UNSURE},procedure,1" in lines
    assert "asdf qwer zxcv,(chưa hiểu),1" in lines
