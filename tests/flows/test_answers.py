"""Free text read in the context of the step (`answers:`), then of the flow (its topics), and
only then as a new topic: transcripts through the real dispatcher, the content check of
answers, and their arrows in the diagrams."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from bot.config import Settings
from bot.content_check import check_flows
from bot.feature import merged_hooks
from bot.features.enabled import FEATURES
from bot.features.handoff.interceptor import HandoffInterceptor
from bot.flows.answers import match_answer, match_choice
from bot.flows.diagram import to_mermaid
from bot.flows.loader import load_flow_files
from bot.services import Services
from tests.flows.support import logged, services_for, steps
from tests.harness import Chat

CONTENT = Settings().content_dir
HOOKS = merged_hooks(FEATURES)


@pytest.fixture
def services(db_url: str) -> Services:
    return services_for(db_url)


def at_activation(chat: Chat) -> None:
    """The VNeID step "Bạn làm xong 3 bước này chưa?"."""
    chat.send("#go:vneid")
    chat.press("Xem thêm")
    chat.press("Kích hoạt tài khoản")
    assert "Bạn làm xong 3 bước này chưa?" in chat.said


# What residents typed at "Bạn làm xong 3 bước này chưa?" (issues 15 and 16), and where it
# must lead. The first went to the scam check; the second showed the same 3 steps again.
AT_ACTIVATION = [
    ("lam roi ma no bao thong tin ko hop le", "fix_wrong_info"),
    ("kich hoat no hien loi sai thong tin thi lam sao", "fix_wrong_info"),
    ("Làm rồi nhưng nó báo thông tin không hợp lệ ạ", "fix_wrong_info"),
    ("thong tin khong hople", "fix_wrong_info"),  # a typo
    ("không nhận được mã", "fix_otp"),
    ("ko nhan dc ma", "fix_otp"),
    ("quên mật khẩu", "fix_password"),
    ("chua co tin nhan duyet", "fix_no_sms"),
    ("xong roi", "activate_finish"),
    ("dạ làm xong rồi ạ", "activate_finish"),
]


@pytest.mark.parametrize(("text", "step"), AT_ACTIVATION, ids=[s for _, s in AT_ACTIVATION])
def test_words_at_the_activation_step_reach_the_matching_branch(
    resident: Chat, engine: Engine, text: str, step: str
) -> None:
    at_activation(resident)
    resident.send(text)
    assert steps(engine, "vneid")[-1] == step
    assert [s.flow for s in logged(engine, "flow_start")] == ["vneid"]  # no hijack, no restart
    # Read as one of the step's buttons ("Không nhận được mã OTP") or as one of its answers.
    answers = [(r.step, r.value) for r in logged(engine, "flow_answer")]
    pressed = [r.value for r in logged(engine, "flow_choice") if r.step == "activate"]
    assert answers == [("activate", step)] or (answers == [] and len(pressed) == 1)


def test_the_wrong_information_branch_says_what_to_check(resident: Chat) -> None:
    at_activation(resident)
    resident.send("lam roi ma no bao thong tin ko hop le")
    said = resident.said
    assert "thông tin không hợp lệ" in said and "đủ 12 số" in said and "1900 0368" in said
    assert "lừa đảo" not in said


def test_not_done_is_not_done(resident: Chat, engine: Engine) -> None:
    at_activation(resident)
    resident.send("chưa xong")
    assert "activate_finish" not in steps(engine, "vneid")
    assert logged(engine, "flow_answer") == []


TROUBLE_IN_WORDS = [
    ("lam roi ma no bao thong tin ko hop le", "fix_wrong_info"),
    ("mat sim roi", "fix_phone_number"),
    ("toi quen pass code", "fix_passcode"),
    ("quet mat mai khong duoc", "fix_face"),
    ("no bao tai khoan bi khoa", "fix_locked"),
]


@pytest.mark.parametrize(("text", "step"), TROUBLE_IN_WORDS, ids=[s for _, s in TROUBLE_IN_WORDS])
def test_an_error_described_in_words_at_the_trouble_list(
    resident: Chat, engine: Engine, text: str, step: str
) -> None:
    resident.send("#go:vneid")
    resident.press("Gặp lỗi khi dùng VNeID")
    resident.send(text)
    assert steps(engine, "vneid")[-1] == step
    assert [s.flow for s in logged(engine, "flow_start")] == ["vneid"]


def test_the_wrong_information_branch_is_a_button_of_the_trouble_list(resident: Chat) -> None:
    resident.send("#go:vneid")
    resident.press("Gặp lỗi khi dùng VNeID")
    while "Báo sai thông tin" not in resident.last_buttons:
        resident.press("Xem thêm")
    resident.press("Báo sai thông tin")
    assert "đủ 12 số" in resident.said


def test_a_flow_topic_typed_at_another_step_goes_to_its_step(
    resident: Chat, engine: Engine
) -> None:
    resident.send("#go:vneid")
    resident.press("Cài app, đăng ký mức 1")
    resident.press("Android")
    resident.send("khong nhan duoc ma otp")
    assert steps(engine, "vneid")[-1] == "fix_otp"
    assert [s.flow for s in logged(engine, "flow_start")] == ["vneid"]
    [answer] = logged(engine, "flow_answer")
    assert (answer.step, answer.value) == ("install_android", "fix_otp")
    resident.press("⬅ Quay lại")  # the way back is kept
    assert "Cài VNeID trên máy Android" in resident.said


def test_another_flows_subject_is_a_new_topic_not_a_flow_topic(
    resident: Chat, engine: Engine
) -> None:
    # "cho con" is a VNeID topic phrase (children), but this is a procedure question.
    resident.send("#go:vneid")
    resident.press("Cài app, đăng ký mức 1")
    resident.send("lam giay khai sinh cho con")
    assert "children" not in steps(engine, "vneid")
    assert [s.flow for s in logged(engine, "flow_start")] == ["vneid", "procedures"]


def test_typed_phone_kinds_at_install(resident: Chat, engine: Engine) -> None:
    resident.send("#go:vneid")
    resident.press("Cài app, đăng ký mức 1")
    resident.send("dien thoai cua toi la samsung")
    assert steps(engine, "vneid")[-1] == "install_android"
    resident.send("cai xong roi")
    assert steps(engine, "vneid")[-1] == "register_level1"


# -- the handoff flow ---------------------------------------------------------------------


@pytest.fixture
def team_chat(engine: Engine, services: Services, demo_org: None) -> Callable[[], Chat]:
    def make() -> Chat:
        return Chat(engine, services, interceptors=(HandoffInterceptor(),))

    return make


def at_confirmation(chat: Chat) -> None:
    chat.send("#go:handoff")
    chat.send("cài VNeID cho mẹ")
    chat.press("Buổi chiều")
    chat.press("Thôn Đông")
    assert "Bạn gửi nhé?" in chat.said


@pytest.mark.parametrize("typed", ["gui", "Gửi", "ok", "dong y", "gửi đi giúp tôi"])
def test_typing_instead_of_tapping_send(
    team_chat: Callable[[], Chat], engine: Engine, typed: str
) -> None:
    resident = team_chat()
    at_confirmation(resident)
    resident.send(typed)
    assert "Mình đã gửi yêu cầu #1" in resident.said
    assert [s.flow for s in logged(engine, "flow_start")] == ["handoff"]


def test_typing_to_correct_the_request(team_chat: Callable[[], Chat], engine: Engine) -> None:
    resident = team_chat()
    at_confirmation(resident)
    resident.send("sua lai")
    assert "Bạn cần cán bộ Tổ công nghệ số giúp việc gì" in resident.said
    assert steps(engine, "handoff")[-1] == "need"


def test_first_words_of_a_label_are_taken_only_when_they_name_one_button() -> None:
    labels = ["Gửi yêu cầu", "Sửa lại việc cần giúp", "Về menu chính"]
    assert match_choice("gui", labels) == 0
    assert match_choice("sua", labels) == 1
    # "không" is too plain to name "Không nhận được mã OTP"; "xong" names neither of two.
    assert match_choice("không", ["Xong, làm tiếp", "Không nhận được mã OTP"]) is None
    assert match_choice("xong", ["Xong, làm tiếp", "Xong, cảm ơn"]) is None


def test_reading_answers_stays_fast_on_a_huge_message() -> None:
    flow = load_flow_files(CONTENT / "flows", None)["vneid"]
    answers = flow.steps["trouble"].answers
    began = time.perf_counter()
    found = match_answer("thong tin khong hop lo " * 10_000, answers)  # 230 KB, a typo
    assert time.perf_counter() - began < 0.5
    assert found is not None and found.answer.next == "fix_wrong_info" and not found.exact
    assert match_answer("abc " * 100 + "quen mat khau", answers) is None  # past what is read


# -- content check and diagrams -----------------------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def edit_step(content: Path, step: str, change: Callable[[dict[str, object]], None]) -> None:
    path = content / "flows" / "vneid.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["steps"][step])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


BROKEN = [
    ({"means": ["quên mật khẩu"], "next": "fix_pasword"}, "points to missing step 'fix_pasword'"),
    ({"means": ["  ?! "], "next": "fix_password"}, "has no letters or digits"),
    ({"means": [], "next": "fix_password"}, "means"),
    ({"means": ["không nhận được mã"], "next": "fix_password"}, "leads to both 'fix_otp'"),
    ({"mean": ["quên"], "next": "fix_password"}, "mean"),
]


@pytest.mark.parametrize(("answer", "problem"), BROKEN, ids=[p for _, p in BROKEN])
def test_the_content_check_catches_broken_answers(
    content: Path, answer: dict[str, object], problem: str
) -> None:
    edit_step(content, "activate", lambda step: step["answers"].append(answer))  # type: ignore[attr-defined]
    found = "\n".join(check_flows(content, HOOKS))
    assert "vneid.yaml" in found and problem in found, found


def test_answers_on_an_end_step_are_reported(content: Path) -> None:
    edit_step(
        content, "done", lambda step: step.update(answers=[{"means": ["ok"], "next": "welcome"}])
    )
    assert "its `answers` would never be read" in "\n".join(check_flows(content, HOOKS))


def test_answers_are_drawn_in_the_diagrams() -> None:
    flows = load_flow_files(CONTENT / "flows", HOOKS)
    vneid = to_mermaid(flows["vneid"], HOOKS)
    assert 'activate -. "gõ: xong rồi" .-> activate_finish' in vneid
    assert 'install -. "gõ: android" .-> install_android' in vneid
    handoff = to_mermaid(flows["handoff"], HOOKS)
    assert 'confirm -. "gõ: gửi đi" .-> sent' in handoff
    assert 'confirm -. "gõ: sửa" .-> need' in handoff


def test_odd_numbers_typed_for_a_button_pick_nothing_and_never_fail() -> None:
    """`str.isdigit` takes "²" and 50,000 digits, which `int` refuses (the hostile run)."""
    labels = ["Gửi yêu cầu", "Sửa lại"]
    assert match_choice("2.", labels) == 1
    for typed in ("²", "1" * 50_000, "9" * 30, "0"):
        assert match_choice(typed, labels) is None
