"""The flow engine, driven through the real dispatcher and database (transcripts)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot.clock import FakeClock
from bot.config import PACKAGE_DIR, Settings
from bot.feature import Feature, merged_hooks
from bot.features.enabled import FEATURES
from bot.flows.engine import FlowContext
from bot.flows.loader import FlowLoadError, load_flow_files
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.services import Services
from db.models import EventLog
from db.session import session_scope
from tests.harness import Chat

FLOW = """
id: thu_nghiem
title: Luồng thử nghiệm
start: chao
steps:
  chao:
    say: Chào {{ name }}, bạn muốn thử phần nào?
    buttons:
      - {label: "Hỏi số nhà", next: hoi_so}
      - {label: "Nhiều lựa chọn", next: nhieu}
      - {label: "Kết quả động", next: dong}
  hoi_so:
    say: Bạn nhập số nhà (chỉ chữ số) nhé.
    expect: text
    check: test_digits
    invalid: Số nhà chỉ gồm chữ số. Bạn nhập lại nhé.
    save_as: so_nha
    branch: {by: test_even, to: [chan, le]}
  chan:
    say: Số {{ data.so_nha }} là số chẵn.
    end: true
  le:
    say: Số {{ data.so_nha }} là số lẻ.
    next: het
  het:
    say: Hết rồi.
    end: true
  nhieu:
    say: Chọn một mục
    save_as: muc
    buttons:
      - {label: "Mục 1", value: "m1", next: het}
      - {label: "Mục 2", value: "m2", next: het}
      - {label: "Mục 3", value: "m3", next: het}
      - {label: "Mục 4", value: "m4", next: het}
      - {label: "Mục 5", value: "m5", next: het}
      - {label: "Mục 6", value: "m6", next: het}
      - {label: "Trang chủ", url: "https://dichvucong.gov.vn"}
  dong:
    say: "Có {{ count }} kết quả:"
    action: test_results
    save_as: ket_qua
"""


HOOKS = Hooks()


@HOOKS.check("test_digits")
def _digits(text: str, ctx: FlowContext) -> str | None:
    del ctx
    value = text.strip()
    return value if value.isdigit() else None


@HOOKS.branch("test_even")
def _even(ctx: FlowContext) -> str:
    return "chan" if int(ctx.data["so_nha"]) % 2 == 0 else "le"


@HOOKS.action("test_results", sample={"count": 2})
def _results(ctx: FlowContext) -> StepAction:
    del ctx
    return StepAction(
        vars={"count": 2},
        buttons=[
            DynamicButton("Kết quả A", next="het", value="A"),
            DynamicButton("Kết quả B", next="het", value="B"),
        ],
    )


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(PACKAGE_DIR / "content", target)
    (target / "flows" / "thu_nghiem.yaml").write_text(FLOW, encoding="utf-8")
    menu = (target / "menu.yaml").read_text(encoding="utf-8")
    (target / "menu.yaml").write_text(
        menu.replace('action: "flow:vneid"', 'action: "flow:thu_nghiem"'), encoding="utf-8"
    )
    return target


@pytest.fixture
def chat(engine: Engine, content: Path) -> Iterator[Chat]:
    settings = Settings(content_dir=content, flow_idle_timeout_min=30)
    services = Services.load(
        settings, (*FEATURES, Feature(name="thu_nghiem", hooks=HOOKS)), commune_name="Xã Thử"
    )
    yield Chat(engine, services, clock=FakeClock())


def _kinds(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(EventLog).where(EventLog.kind.startswith("flow_"))).all()  # type: ignore[attr-defined]
        return [(r.kind, r.flow, r.step) for r in rows]


def test_follow_gets_welcome_and_menu(chat: Chat) -> None:
    replies = chat.follow()
    assert "Xã Thử" in replies[0].text or "Xã Thử" in chat.transcript()
    assert chat.last_buttons == [
        "Tài khoản VNeID",
        "Tra thủ tục hành chính",
        "Kiểm tra lừa đảo",
        "Học 5 kỹ năng số",
        "Gặp cán bộ hỗ trợ",
    ]


def test_text_step_validates_and_branches(chat: Chat, engine: Engine) -> None:
    chat.send("menu")
    chat.press("Tài khoản VNeID")  # remapped to the test flow
    assert "Chào bạn" in chat.said
    chat.press("Hỏi số nhà")
    assert "chỉ chữ số" in chat.said
    chat.send("mười hai")
    assert "Số nhà chỉ gồm chữ số" in chat.said
    chat.send("12")
    assert "Số 12 là số chẵn." in chat.said
    assert "giúp ích" in chat.said
    chat.press("Có, hữu ích")
    assert "Cảm ơn" in chat.transcript()
    kinds = _kinds(engine)
    assert ("flow_start", "thu_nghiem", None) in kinds
    assert ("flow_step", "thu_nghiem", "hoi_so") in kinds
    assert ("flow_invalid", "thu_nghiem", "hoi_so") in kinds
    assert ("flow_complete", "thu_nghiem", "chan") in kinds
    assert ("flow_feedback", "thu_nghiem", None) in kinds


def test_informational_step_continues_to_next(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Hỏi số nhà")
    replies = chat.send("7")
    texts = [r.text for r in replies]
    assert texts[0] == "Số 7 là số lẻ."
    assert texts[1].startswith("Hết rồi.")


def test_more_than_five_buttons_are_paged(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Nhiều lựa chọn")
    assert chat.last_buttons == ["Mục 1", "Mục 2", "Mục 3", "Mục 4", "Xem thêm ▸"]
    chat.press("Xem thêm")
    assert chat.last_buttons[:3] == ["Mục 5", "Mục 6", "Trang chủ"]
    chat.press("Mục 6")
    assert chat.said.startswith("Hết rồi.")


def test_typed_number_or_label_picks_a_button(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    chat.send("2")
    assert chat.said.startswith("Chọn một mục")
    chat.send("muc 3")  # no diacritics
    assert chat.said.startswith("Hết rồi.")


def test_dynamic_buttons_from_an_action(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Kết quả động")
    assert chat.said == "Có 2 kết quả:" or chat.said.startswith("Có 2 kết quả:")
    assert chat.last_buttons[:2] == ["Kết quả A", "Kết quả B"]
    chat.press("Kết quả B")
    assert chat.said.startswith("Hết rồi.")


def test_back_cancel_and_menu_from_anywhere(chat: Chat, engine: Engine) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Hỏi số nhà")
    chat.send("quay lai")
    assert chat.said.startswith("Chào bạn")
    chat.press("Hỏi số nhà")
    chat.send("Hủy")
    assert "đã dừng lại" in chat.transcript()
    assert chat.last_buttons[0] == "Tài khoản VNeID"
    chat.send("huy")
    assert "không có việc gì đang làm dở" in chat.said
    chat.send("#go:thu_nghiem")
    chat.send("0")
    assert chat.last_buttons[0] == "Tài khoản VNeID"
    assert ("flow_cancel", "thu_nghiem", "hoi_so") in _kinds(engine)


def test_idle_timeout_restarts_and_resume_within_it(chat: Chat, engine: Engine) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Hỏi số nhà")
    chat.clock.advance(minutes=29)
    chat.send("4")  # still within the timeout: the answer is taken
    assert "Số 4 là số chẵn." in chat.transcript()
    chat.send("#go:thu_nghiem")
    chat.press("Hỏi số nhà")
    chat.clock.advance(minutes=31)
    replies = chat.send("8")
    assert replies[0].text == "Đã lâu bạn không nhắn nên mình bắt đầu lại nhé."
    assert "Số 8" not in "\n".join(r.text for r in replies)
    assert ("flow_timeout", "thu_nghiem", "hoi_so") in _kinds(engine)


def test_old_button_still_does_what_it_says(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    first_menu = chat.last
    chat.press("Nhiều lựa chọn")
    chat.send("huy")
    # Tap "Hỏi số nhà" on the first message, long gone from the screen's bottom.
    payload = next(b["payload"] for b in first_menu.buttons if b["title"] == "Hỏi số nhà")
    chat.send(str(payload))
    assert "chỉ chữ số" in chat.said


def test_a_burst_of_messages_is_answered_in_order(chat: Chat) -> None:
    chat.send("#go:thu_nghiem")
    chat.press("Hỏi số nhà")
    for text in ["abc", "12", "menu", "xin chào"]:
        chat.send(text)
    texts = chat.transcript()
    assert texts.index("Số nhà chỉ gồm chữ số") < texts.index("Số 12 là số chẵn")


def test_broken_flow_files_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "id: a\ntitle: A\nstart: x\nsteps:\n  x:\n    say: hi\n    buton: []\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "id: b\ntitle: B\nstart: x\nsteps:\n  x:\n    say: hi\n    next: missing\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text(
        "id: c\ntitle: C\nstart: y\nsteps:\n"
        "  y:\n    say: lost\n    check: no_such_hook\n    expect: text\n    next: y\n",
        encoding="utf-8",
    )
    with pytest.raises(FlowLoadError) as info:
        load_flow_files(tmp_path, merged_hooks(FEATURES))
    message = str(info.value)
    assert "buton" in message
    assert "missing" in message
    assert "no_such_hook" in message


def test_timeout_is_configurable() -> None:
    assert Settings(flow_idle_timeout_min=5).flow_idle_timeout_min == 5
    assert timedelta(minutes=Settings().flow_idle_timeout_min) == timedelta(minutes=30)


def test_a_label_is_matched_by_its_first_word() -> None:
    from bot.flows.buttons import match_choice

    labels = ["Gửi yêu cầu", "Sửa lại việc cần giúp", "Về menu chính"]
    assert match_choice("gui", labels) == 0
    assert match_choice("sua", labels) == 1
    assert match_choice("gui", ["Gửi yêu cầu", "Gửi lại"]) is None  # two labels begin so


def test_the_most_specific_typed_answer_wins() -> None:
    from bot.flows.buttons import typed_answer
    from bot.flows.schema import AnswerSpec, StepSpec

    step = StepSpec(
        say="?",
        buttons=(),
        end=True,
        answers=(
            AnswerSpec(means=("mã",), next="a"),
            AnswerSpec(means=("không nhận được mã",), next="b"),
        ),
    )
    assert typed_answer("em khong nhan duoc ma a", step) == "b"
    assert typed_answer("ma gi vay", step) == "a"
    assert typed_answer("xin chào", step) is None
