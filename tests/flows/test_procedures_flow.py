"""Procedure lookup in chat: from the menu or straight from a question, to a phone-sized card."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from bot.zalo.messages import MAX_TEXT
from db.models import EventLog
from db.session import read_scope
from tests.harness import Chat


def logged(engine: Engine, kind: str) -> list[EventLog]:
    with read_scope(engine) as s:
        return list(s.exec(select(EventLog).where(EventLog.kind == kind)).all())


def test_question_with_a_clear_answer_goes_straight_to_the_card(
    resident: Chat, engine: Engine
) -> None:
    resident.send("làm giấy khai sinh cho con cần giấy tờ gì")
    assert "Đăng ký khai sinh" in resident.said
    assert "Giấy chứng sinh" in resident.said
    assert "Miễn phí" in resident.said or "miễn" in resident.said.lower()
    assert "dichvucong.gov.vn" in resident.said
    assert resident.last_buttons[:2] == ["Nộp trực tuyến thế nào?", "Các bước và căn cứ"]
    assert all(len(s.text) <= MAX_TEXT for s in resident.batch)
    [search] = logged(engine, "procedure_search")
    assert search.value == "1.001193"
    assert [v.value for v in logged(engine, "procedure_view")] == ["1.001193"]


def test_no_diacritics_and_colloquial_names(resident: Chat) -> None:
    resident.send("nhap ho khau cho vo")
    assert "Đăng ký thường trú" in resident.said
    assert "CT01" in resident.said


def test_ambiguous_question_offers_choices_then_the_card(resident: Chat) -> None:
    resident.send("#go:procedures")
    assert "Bạn cần làm thủ tục gì" in resident.said
    resident.send("căn cước")
    assert "Bạn chọn đúng thủ tục" in resident.said
    labels = resident.last_buttons
    assert "Không thấy thủ tục của tôi" in labels
    assert len(labels) <= 5
    resident.press(next(label for label in labels if "Cấp lại" in label or "Cấp đổi" in label))
    assert "📋" in resident.said
    resident.press("Các bước và căn cứ")
    assert "Căn cứ" in resident.said or "căn cứ" in resident.said
    resident.press("Nộp trực tuyến")
    assert "dichvucong.gov.vn" in resident.said
    resident.press("Xong, cảm ơn")
    assert "thuận lợi" in resident.said and "giúp ích" in resident.said


def test_nothing_found_offers_retry_rules_and_a_person(resident: Chat, engine: Engine) -> None:
    resident.send("#go:procedures")
    resident.send("xyzzy qwerty")
    assert "chưa tìm thấy" in resident.said
    assert resident.last_buttons[0] == "Gõ lại"
    assert [s.value for s in logged(engine, "procedure_search")] == ["not_found"]
    resident.press("Quy định chung")
    assert "sổ hộ khẩu" in resident.said.lower()
    resident.press("Tra thủ tục")
    resident.send("đăng ký tạm trú")
    assert "tạm trú" in resident.said.lower()


def test_long_cards_are_split_into_readable_messages(resident: Chat) -> None:
    resident.send("đăng ký đất đai lần đầu cấp sổ đỏ")
    if "📋" not in resident.said:
        resident.send("1")  # the first match
    assert "📋" in resident.said
    assert len(resident.batch) >= 2
    assert all(len(s.text) <= MAX_TEXT for s in resident.history)


def test_turning_down_every_result_is_counted_with_what_was_typed(
    resident: Chat, engine: Engine
) -> None:
    resident.send("#go:procedures")
    resident.send("căn cước")
    resident.press("Không thấy thủ tục của tôi")
    assert "chưa tìm thấy" in resident.said
    [missed] = logged(engine, "procedure_miss")
    assert (missed.value, (missed.data or {}).get("query")) == ("rejected", "căn cước")
    resident.press("Gõ lại")
    resident.send("xyzzy qwerty")  # no result: counted by the search alone, not twice
    assert len(logged(engine, "procedure_miss")) == 1


def test_commune_questions_that_missed_now_open_the_right_card(resident: Chat) -> None:
    resident.send("bo me cho con dat muon sang ten so do")
    assert "Sang tên sổ đỏ" in resident.said and "Sang tên xe" not in resident.said.split("\n")[0]
    assert "Chi nhánh Văn phòng đăng ký đất đai là nơi giải quyết" in resident.said
    assert "Công an xã" not in resident.said
    resident.send("hủy")
    resident.send("xin giay phep xay nha")
    assert "Giấy phép xây dựng nhà ở" in resident.said
    assert "hộ kinh doanh" not in resident.said.lower()
    resident.send("hủy")
    resident.send("ba toi 80 tuoi dc huong tien tro cap ko")
    said = resident.said
    assert "Trợ cấp hưu trí xã hội" in said
    assert said.index("Trợ cấp hưu trí xã hội") < said.find("tử tuất") or "tử tuất" not in said
    assert "500.000đ/tháng" in said and "đủ 75 tuổi" in said
