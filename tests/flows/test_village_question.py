"""The one-tap "which village" question, through the real dispatcher and content: put once
after a helpful answer (not with the welcome), answered by a tap or a typed name (with or
without diacritics, a typo allowed), never again after "Bỏ qua", changed with "đổi thôn";
the privacy summary names the village and erasure cuts it from the person."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select

from bot.features.village.question import SKIP
from db.models import Resident
from db.session import read_scope
from tests.flows.support import answer_helpfully, logged
from tests.flows.test_news import resident_row, village_code
from tests.harness import Chat, Said

QUESTION = "bạn ở thôn, bản hay tổ dân phố nào?"


def _helpful(chat: Chat) -> list[Said]:
    """A helpful answer: the village question among the messages, when it came. A resident
    met with `follow` was invited to the news then, so that invitation is not due."""
    if not chat.history:
        chat.follow()
    return [s for s in answer_helpfully(chat) if QUESTION in s.text]


def _tap(asked: Said, label: str) -> str:
    return next(str(b["payload"]) for b in asked.buttons if b["title"] == label)


def test_asked_after_a_helpful_answer_not_with_the_welcome(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    welcome = resident.follow()
    assert not any(QUESTION in s.text for s in welcome)
    [asked] = _helpful(resident)
    assert asked.labels == [
        "Bản Nà Lầy",
        "Thôn Trung Hòa",
        "Thôn Đông",
        "Tổ dân phố 3",
        "Bỏ qua",
    ]
    resident.send(_tap(asked, "Thôn Trung Hòa"))
    assert "Dạ, mình đã ghi bạn ở Thôn Trung Hòa" in resident.said
    assert village_code(engine, resident_row(engine)) == "thon-trung-hoa"
    # Known now: never asked again.
    resident.clock.advance(days=40)
    assert _helpful(resident) == []
    assert [r.value for r in logged(engine, "village_asked")] == ["helpful"]
    assert [r.value for r in logged(engine, "village_set")] == ["thon-trung-hoa"]


def test_a_typed_name_without_diacritics_and_with_a_typo(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    assert _helpful(resident)
    resident.send("ban na lay")
    assert "mình đã ghi bạn ở Bản Nà Lầy" in resident.said
    assert village_code(engine, resident_row(engine)) == "ban-na-lay"
    resident.send("đổi thôn")
    assert "Bạn đang ở Bản Nà Lầy." in resident.said
    assert resident.last_buttons[0] == "Bản Nà Lầy"  # their own village first
    resident.send("thon trung hao")
    assert "mình đã ghi bạn ở Thôn Trung Hòa" in resident.said
    assert village_code(engine, resident_row(engine)) == "thon-trung-hoa"


def test_skipped_is_never_asked_again(engine: Engine, demo_org: None, resident: Chat) -> None:
    [asked] = _helpful(resident)
    resident.send(_tap(asked, "Bỏ qua"))
    assert 'bạn gõ "đổi thôn"' in resident.said
    row = resident_row(engine)
    assert row.village_id is None and row.village_answered_at is not None
    resident.clock.advance(days=400)
    assert _helpful(resident) == []
    # A village name typed later is not taken as an answer: the question is closed.
    resident.send("thôn đông")
    assert resident_row(engine).village_id is None
    assert len(logged(engine, "village_skipped")) == 1


def test_ignored_question_closes_and_is_not_repeated(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    assert _helpful(resident)
    resident.clock.advance(minutes=31)
    resident.send("thon dong")
    assert "mình đã ghi bạn" not in resident.said
    assert resident_row(engine).village_id is None
    assert _helpful(resident) == []


def test_a_long_message_naming_a_village_is_a_question_of_its_own(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    assert _helpful(resident)
    resident.send("cho tôi hỏi làm căn cước cho con ở thôn đông thì đi đâu")
    assert "mình đã ghi bạn" not in resident.said
    assert resident_row(engine).village_id is None


def test_change_command_asks_even_when_never_asked(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    resident.send("doi thon")
    assert QUESTION in resident.said
    assert "Bạn đang ở" not in resident.said
    resident.press("Tổ dân phố 3")
    assert "mình đã ghi bạn ở Tổ dân phố 3" in resident.said
    resident.send(SKIP)  # a stale "Bỏ qua" keeps the village
    assert village_code(engine, resident_row(engine)) == "tdp-3"


def test_summary_names_the_village_and_erasure_forgets_it(
    engine: Engine, demo_org: None, resident: Chat
) -> None:
    resident.send("đổi thôn")
    resident.press("Thôn Đông")
    resident.send("bot lưu gì về tôi")
    assert "• Thôn bạn đã chọn: Thôn Đông" in resident.said
    resident.send("xóa dữ liệu của tôi")
    resident.press("Đồng ý xóa")
    with read_scope(engine) as s:
        erased = s.exec(select(Resident)).one()
    # No longer tied to the person: the row keeps its village only for the totals by
    # village (as the household stays counted), and forgets when it was asked.
    assert erased.zalo_user_id != resident.user_id and erased.display_name is None
    assert erased.village_asked_at is None and erased.village_answered_at is None
    # Back in the chat, the bot knows no village of theirs.
    resident.send("bot lưu gì về tôi")
    assert "Thôn bạn đã chọn" not in resident.said
    assert "Thôn Đông" not in resident.said
