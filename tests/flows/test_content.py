"""Content stays safe to edit: the content check passes and catches broken lessons, topics and
renamed steps; the diagrams are current; no step that waits for typing asks for a secret;
links are official; prompts fit a Zalo list; `bot play` and the editors' README work."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from bot.cli import main
from bot.config import Settings
from bot.content_check import check_content, check_flows
from bot.dev.play import run_play
from bot.feature import merged_hooks
from bot.features.enabled import FEATURES
from bot.features.skills import checks as digital_skills
from bot.features.skills import lessons
from bot.features.skills.commands import household_report
from bot.features.skills.lessons import load_lessons
from bot.flows import topics
from bot.flows.diagram import to_mermaid
from bot.flows.loader import load_flow_files, sample_context
from bot.flows.schema import FlowSpec
from bot.text.normalize import fold
from bot.texts import render
from bot.zalo.messages import FALLBACK_TITLE, _split_prompt
from db import org as org_db
from db import residents as resident_rows
from db import skills as skill_rows
from db.session import session_scope
from db.types import utcnow

CONTENT = Settings().content_dir
REPO = Path(__file__).resolve().parents[2]
HOOKS = merged_hooks(FEATURES)
FLOWS = load_flow_files(CONTENT / "flows", HOOKS)
MINE = ("vneid", "digital_skills")
# What the bot must never ask a resident to type.
SECRETS = ("số căn cước", "OTP", "mật khẩu", "passcode")
WARNING = re.compile(r"\b(khong|dung|cho|khong can|khong gui|khong bao gio)\b")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def problems_in(content: Path) -> str:
    """What the checks of flows, topics, lessons and the skills texts find (the rest of
    `bot content check` is not about these files and takes longer)."""
    found = [
        *check_flows(content, HOOKS),
        *topics.content_problems(content),
        *lessons.content_problems(content),
        *digital_skills.content_problems(content),
    ]
    return "\n".join(found)


def edit_yaml(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_content_check_passes() -> None:
    assert check_content(CONTENT, FEATURES) == []


def test_the_content_check_command(capsys: pytest.CaptureFixture[str], content: Path) -> None:
    (content / "lessons" / "online_payment.yaml").write_text("id: online_payment\n", "utf-8")
    assert main(["content", "check", "--dir", str(content)]) == 1
    out = capsys.readouterr().out
    assert "lessons/online_payment.yaml: number: Field required" in out
    assert "lessons/online_payment.yaml: quiz: Field required" in out


def test_diagrams_are_current_for_every_flow() -> None:
    folder = REPO / "docs" / "flows"
    for flow in FLOWS.values():
        path = folder / f"{flow.id}.mmd"
        assert path.exists(), f"run `make diagrams`: {path} is missing"
        assert path.read_text(encoding="utf-8") == to_mermaid(flow, HOOKS), (
            f"run `make diagrams`: {path}"
        )
    assert {p.stem for p in folder.glob("*.mmd")} == set(FLOWS)
    assert main(["flows", "diagrams", "--check", "--out", str(folder)]) == 0


def test_diagrams_draw_computed_buttons() -> None:
    drawing = to_mermaid(FLOWS["digital_skills"], HOOKS)
    assert 'lesson -. "skills_page" .-> quiz' in drawing
    assert 'quiz -. "skills_question" .-> quiz_feedback' in drawing
    assert 'quiz_result -. "skills_outcome" .-> mastered' in drawing


@pytest.mark.parametrize("flow", FLOWS.values(), ids=lambda f: f.id)
def test_no_step_that_waits_for_typing_asks_for_a_secret(flow: FlowSpec) -> None:
    for step_id, step in flow.steps.items():
        if step.expect != "text":
            continue
        context = sample_context(flow, step, HOOKS)
        asked = fold(render(step.say, context) + " " + render(step.invalid or "", context))
        for secret in SECRETS:
            for match in re.finditer(re.escape(fold(secret)), asked):
                # Mentioning a secret is fine only to warn against sending it.
                before = asked[max(0, match.start() - 60) : match.start()]
                assert WARNING.search(before), (flow.id, step_id, secret, asked)


@pytest.mark.parametrize("flow_id", MINE)
def test_links_are_official_and_calls_go_to_known_numbers(flow_id: str) -> None:
    for step in FLOWS[flow_id].steps.values():
        for button in step.buttons:
            assert len(button.label) <= 30
            if button.url is not None:
                assert button.url.startswith("https://")
                assert button.url.split("/")[2].endswith(".gov.vn"), button.url
            if button.phone is not None:
                assert button.phone in ("1900 0368", "113"), button.phone
    for lesson in load_lessons(CONTENT).items:
        for page in lesson.pages:
            assert all(link.url and ".gov.vn" in link.url for link in page.links)


@pytest.mark.parametrize("flow_id", MINE)
def test_every_prompt_fits_a_zalo_list_heading_and_steps_stay_short(flow_id: str) -> None:
    flow = FLOWS[flow_id]
    for step_id, step in flow.steps.items():
        text = render(step.say, sample_context(flow, step, HOOKS))
        if not text:
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 8, (step_id, len(lines))
        shows_buttons = bool(step.buttons or step.action or step.expect == "text" or step.end)
        if shows_buttons:
            _, title, _ = _split_prompt(text)
            assert title != FALLBACK_TITLE, f"{flow_id}.{step_id}: end with a short question"


def test_five_lessons_with_three_to_five_questions() -> None:
    lessons = load_lessons(CONTENT)
    assert lessons.ids == (
        "online_services",
        "online_shopping",
        "online_payment",
        "online_safety",
        "local_platforms",
    )
    for lesson in lessons.items:
        assert 3 <= len(lesson.quiz.questions) <= 5
        assert lesson.quiz.pass_mark >= len(lesson.quiz.questions) - 1
    shopping = lessons.get("online_shopping")
    assert shopping is not None and "Postmart" in shopping.pages[0].text
    assert "Voso" in shopping.pages[0].text
    payment = lessons.get("online_payment")
    assert payment is not None and any("QR" in page.text for page in payment.pages)


def test_broken_lesson_files_are_reported_together(content: Path) -> None:
    def break_lesson(data: dict) -> None:  # type: ignore[type-arg]
        data["colour"] = "red"
        questions = data["quiz"]["questions"]
        questions[0]["correct"] = 7
        questions[1]["answers"] = ["Một câu trả lời dài quá mức cho một nút bấm", "Ngắn"]
        data["pages"][1]["links"] = [{"label": "Trang lạ", "url": "https://dvcongvn.com"}]

    edit_yaml(content / "lessons" / "online_services.yaml", break_lesson)
    edit_yaml(content / "lessons" / "online_shopping.yaml", lambda d: d.update(number=9))

    def too_few(data: dict) -> None:  # type: ignore[type-arg]
        data["quiz"]["questions"] = data["quiz"]["questions"][:2]

    edit_yaml(content / "lessons" / "online_payment.yaml", too_few)
    (content / "lessons" / "online_safety.yaml").write_text(
        (content / "lessons" / "online_safety.yaml").read_text("utf-8") + "\n# {{ broken\n",
        "utf-8",
    )
    problems = problems_in(content)
    assert "online_services.yaml: colour: Extra inputs are not permitted" in problems
    assert "correct: 7, but there are only" in problems
    assert "must be 1–30 characters" in problems
    assert "must open an official site" in problems
    assert "online_payment.yaml: quiz.questions: Tuple should have at least 3 items" in problems
    assert "lesson numbers must be 1, 2, 3" in problems


def test_long_or_broken_lesson_text_is_reported(content: Path) -> None:
    def long_page(data: dict) -> None:  # type: ignore[type-arg]
        data["pages"][0]["text"] = "Chữ " * 200
        data["pages"][1]["text"] = "Dòng một\n\nDòng hai {{ nobody }}"

    edit_yaml(content / "lessons" / "local_platforms.yaml", long_page)
    problems = problems_in(content)
    assert "local_platforms.yaml: page 1: 799 characters" in problems
    assert "local_platforms.yaml: page 2: template error" in problems


def test_topic_files_may_only_name_steps_the_branch_lists(content: Path) -> None:
    edit_yaml(content / "topics" / "vneid.yaml", lambda d: d.update(activated=["xong rồi"]))
    (content / "topics" / "nothing.yaml").write_text("welcome: [chào]\n", "utf-8")
    problems = problems_in(content)
    expected = "step 'activated' is not in the `to:` list of the by_topic branch"
    assert f"topics/vneid.yaml: {expected}" in problems
    assert "topics/nothing.yaml: there is no flow 'nothing'" in problems


def test_renamed_steps_and_missing_button_texts_are_reported(content: Path) -> None:
    path = content / "flows" / "digital_skills.yaml"
    path.write_text(path.read_text("utf-8").replace("mastered", "all_done"), "utf-8")
    edit_yaml(content / "texts" / "skills.yaml", lambda d: d.pop("button_quiz"))
    problems = problems_in(content)
    assert "flows/digital_skills.yaml: step 'mastered' is missing" in problems
    assert "action 'skills_result' leads to step 'mastered'" not in problems  # not one of its
    assert "texts/skills.yaml: 'button_quiz' is missing" in problems


def test_an_action_target_the_flow_lacks_is_reported(content: Path) -> None:
    path = content / "flows" / "digital_skills.yaml"
    text = path.read_text("utf-8").replace("  quiz_feedback:", "  quiz_answer_shown:")
    path.write_text(text, "utf-8")
    problems = problems_in(content)
    assert "action 'skills_question' leads to step 'quiz_feedback'" in problems


def test_the_editors_readme_covers_their_tasks() -> None:
    readme = (CONTENT / "README.md").read_text(encoding="utf-8")
    for needle in (
        "replies.yaml",
        "texts/",
        "flows/",
        "lessons/",
        "procedures/",
        "menu.yaml",
        "nlu/",
        "topics/",
        "{{ name }}",
        "{{ commune }}",
        "data.",
        "bot content check",
        "scripts/play",
        "make chat",
        "make diagrams",
    ):
        assert needle in readme, needle


def test_play_runs_one_flow_in_the_terminal() -> None:
    typed = iter(["3", "1", "vẫn không nhận được", "/thoat"])
    out: list[str] = []
    assert run_play("vneid", read=lambda _prompt: next(typed), write=out.append) == 0
    shown = "\n".join(out)
    assert "Bạn gặp lỗi gì" in shown
    assert "bạn thử lần lượt" in shown
    assert "[2] Gọi tổng đài 1900 0368" in shown or "Gọi tổng đài 1900 0368" in shown
    out.clear()
    assert run_play("no_such_flow", read=lambda _prompt: "/thoat", write=out.append) == 2
    assert "Các luồng có:" in out[0]


def test_play_opens_links_and_calls_without_sending(capsys: pytest.CaptureFixture[str]) -> None:
    typed = iter(["Gặp lỗi khi dùng VNeID", "1", "2", "Gọi tổng đài 1900 0368"])
    out: list[str] = []

    def read(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    assert run_play("vneid", read=read, write=out.append) == 0
    assert "(Zalo mở: 19000368)" in "\n".join(out)


def test_the_household_report(db_url: str, engine: Engine, demo_org: None) -> None:
    skills = load_lessons(CONTENT).ids
    now = utcnow()
    with session_scope(engine) as s:
        dong = next(v for v in org_db.villages(s) if v.code == "thon-dong")
        person = resident_rows.touch(s, zalo_user_id="42", now=now, interacted=True)
        resident_rows.set_village(s, resident=person, village_id=dong.id)
        resident_rows.set_household(s, resident=person, household_key="Nguyễn Văn An")
        assert person.id is not None
        for skill in skills:
            skill_rows.record_attempt(
                s, resident_id=person.id, skill=skill, score=4, questions=4, passed=True, now=now
            )
    rows = {row["village"]: row for row in household_report(Settings(database_url=db_url))}
    assert rows["thon-dong"] == {
        "village": "thon-dong",
        "name": "Thôn Đông",
        "residents_mastered": 1,
        "households_mastered": 1,
        "mastered_without_household": 0,
        "households_total": 312,
        "share": round(1 / 312, 4),
    }
    assert rows["tdp-3"]["households_mastered"] == 0
    assert None not in rows


def test_a_step_without_a_title_is_reported(content: Path) -> None:
    path = content / "flows" / "vneid.yaml"
    text = path.read_text("utf-8").replace("    title: Chưa kích hoạt được mức 2\n", "")
    path.write_text(text, "utf-8")
    problems = problems_in(content)
    assert "flows/vneid.yaml: step 'fix_no_sms': no `title`" in problems
