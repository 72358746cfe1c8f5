"""The chat-facing service: replies to text and to buttons, and the content check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.features.procedures.cards import MAX_BUTTONS, MESSAGE_LIMIT, PAYLOAD_DETAIL
from bot.features.procedures.service import ProcedureService, content_problems
from tests.procedures.conftest import CONTENT_DIR


@pytest.fixture(scope="module")
def service() -> ProcedureService:
    return ProcedureService.load(CONTENT_DIR, None)


def test_clear_question_gets_the_card(service: ProcedureService) -> None:
    reply = service.reply_for_text("xin giấy xác nhận độc thân")
    assert reply.messages[0].startswith("📋 Xác nhận tình trạng hôn nhân")
    assert all(len(m) <= MESSAGE_LIMIT for m in reply.messages)
    assert 0 < len(reply.buttons) <= MAX_BUTTONS


def test_broad_question_gets_a_choice_of_at_most_five(service: ProcedureService) -> None:
    reply = service.reply_for_text("căn cước")
    assert len(reply.messages) == 1
    assert 2 <= len(reply.buttons) <= MAX_BUTTONS
    assert all(b.payload.startswith(PAYLOAD_DETAIL) for b in reply.buttons)


def test_nothing_found(service: ProcedureService) -> None:
    reply = service.reply_for_text("thời tiết ngày mai thế nào")
    assert reply.buttons == []
    assert "chưa tìm thấy" in reply.messages[0]


def test_buttons_come_back_as_payloads(service: ProcedureService) -> None:
    card = service.reply_for_payload("#thutuc:1.004194")
    assert card is not None and "Đăng ký tạm trú" in card.messages[0]
    more = service.reply_for_payload(card.buttons[0].payload)
    assert more is not None and any("Căn cứ pháp lý" in m for m in more.messages)
    general = service.reply_for_payload("#thutuc_chung")
    assert general is not None and "sổ hộ khẩu" in general.messages[0]
    assert service.reply_for_payload("#thutuc:9.999999") is None
    assert service.reply_for_payload("#other") is None


def test_content_check(tmp_path: Path) -> None:
    assert content_problems(CONTENT_DIR) == []
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "procedures", copy / "procedures")
    card = copy / "procedures" / "_card.yaml"
    card.write_text(
        card.read_text(encoding="utf-8").replace("{{ code }}", "{{ coed }}"), encoding="utf-8"
    )
    problems = content_problems(copy)
    assert problems and all("card does not render" in p for p in problems)
