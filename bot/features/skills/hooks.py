"""Hooks of the `digital_skills` flow: lessons page by page, quizzes, progress, village and
household. Lessons live in `content/lessons/`, wording in `content/flows/digital_skills.yaml`
and `content/texts/skills.yaml`; nothing here is resident-facing text.

Events: `quiz_answer` (value right/wrong), `skill_quiz` (a finished quiz), `skill_passed`
(value = skill id, the first pass only), `skills_mastered` (once, when the last skill is
passed), `village_set` (value = village code), `household_set` (never the name itself).
"""

from __future__ import annotations

from typing import Any

from bot.features.skills.lessons import Lesson, Lessons, load_lessons
from bot.features.skills.quiz import FAILED, MASTERED, PASSED, QuizRun, decode_choice, encode_choice
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.texts import render
from db import org as org_rows
from db import skills as skill_rows

FLOW = "digital_skills"


QUIZ = "_quiz"


# What a check hands to its branch when the resident typed "bỏ qua" or an ID-like number.
SKIP = "<skip>"


REFUSED = "<refused>"


SKIP_STEP = "place_skipped"


SAMPLE_PROGRESS = {
    "passed_count": 2,
    "total": 5,
    "passed_titles": ["Dịch vụ công trực tuyến", "Mua sắm trực tuyến"],
    "next_title": "Thanh toán trực tuyến",
    "village": "Thôn Đông",
    "household": "Nguyễn Văn An",
    "intro_seen": False,
}


def _lessons(ctx: FlowContext) -> Lessons:
    return load_lessons(ctx.turn.services.settings.content_dir)


def text_of(ctx: FlowContext, key: str) -> str:
    return str(ctx.turn.texts.get(f"skills.{key}"))


def _passed(ctx: FlowContext) -> set[str]:
    resident = ctx.turn.resident
    if resident is None or resident.id is None:
        return set()
    return skill_rows.passed_skills(ctx.turn.session, resident_id=resident.id)


def place_of(ctx: FlowContext) -> dict[str, str]:
    """The resident's village name and household name ("" when not told)."""
    resident = ctx.turn.resident
    village = ""
    if resident is not None and resident.village_id is not None:
        row = org_rows.village_by_id(ctx.turn.session, village_id=resident.village_id)
        village = row.name if row is not None else ""
    household = (resident.household_key or "") if resident is not None else ""
    return {"village": village, "household": household}


def _progress(ctx: FlowContext, lessons: Lessons) -> dict[str, Any]:
    passed = _passed(ctx)
    pending = [lesson for lesson in lessons.items if lesson.id not in passed]
    return {
        "passed_count": sum(1 for lesson in lessons.items if lesson.id in passed),
        "total": len(lessons.items),
        "passed_titles": [lesson.title for lesson in lessons.items if lesson.id in passed],
        "next_title": pending[0].title if pending else "",
        **place_of(ctx),
    }


def _open_lesson(ctx: FlowContext, lesson: Lesson) -> None:
    """Make `lesson` the one the `lesson` step shows, from its first page."""
    ctx.data["skill"] = lesson.id
    ctx.data["page"] = "0"


def _next_lesson_button(ctx: FlowContext, lessons: Lessons, label_key: str) -> DynamicButton | None:
    passed = _passed(ctx)
    pending = [lesson for lesson in lessons.items if lesson.id not in passed]
    if not pending:
        return None
    _open_lesson(ctx, pending[0])
    return DynamicButton(label=text_of(ctx, label_key), next="lesson")


HOOKS = Hooks()


@HOOKS.branch("skills_entry")
def entry(ctx: FlowContext) -> str:
    """Straight to the lesson a question is about ("chuyển tiền bằng mã QR"), else the overview."""
    lesson = _lessons(ctx).about(str(ctx.data.get("query") or ""))
    if lesson is None:
        return "intro"
    _open_lesson(ctx, lesson)
    return "lesson"


@HOOKS.action("skills_overview", sample=SAMPLE_PROGRESS, targets=("lesson",))
def overview(ctx: FlowContext) -> StepAction:
    lessons = _lessons(ctx)
    progress = _progress(ctx, lessons)
    button = _next_lesson_button(
        ctx, lessons, "button_start" if progress["passed_count"] == 0 else "button_continue"
    )
    # Shown once in full; "Học tiếp" later in the same conversation gets only the progress.
    progress["intro_seen"] = bool(ctx.data.get("intro_seen"))
    ctx.data["intro_seen"] = True
    return StepAction(vars=progress, buttons=[button] if button else [])


@HOOKS.action("skills_choose", sample=SAMPLE_PROGRESS, targets=("lesson",))
def choose(ctx: FlowContext) -> StepAction:
    lessons = _lessons(ctx)
    passed = _passed(ctx)
    ctx.data["page"] = "0"
    mark = text_of(ctx, "passed_mark")
    buttons = [
        DynamicButton(
            label=f"{mark} {lesson.label}" if lesson.id in passed else lesson.label,
            next="lesson",
            value=lesson.id,
        )
        for lesson in lessons.items
    ]
    return StepAction(vars=_progress(ctx, lessons), buttons=buttons)


@HOOKS.action(
    "skills_page",
    sample={"title": "Thanh toán trực tuyến", "number": 3, "text": "…", "page": 1, "pages": 3},
    targets=("lesson", "quiz", "choose"),
)
def lesson_page(ctx: FlowContext) -> StepAction:
    lesson = _lessons(ctx).get(str(ctx.data.get("skill") or ""))
    if lesson is None:
        return StepAction(goto="choose")
    raw = str(ctx.data.get("page") or "0")
    index = min(int(raw), len(lesson.pages) - 1) if raw.isdigit() else 0
    page = lesson.pages[index]
    run = QuizRun.from_data(ctx.data.get(QUIZ))
    if run is not None and not run.finished:
        # Back to the lesson in the middle of its quiz: the quiz starts again afterwards.
        ctx.data.pop(QUIZ, None)
    buttons = [DynamicButton(label=link.label, url=link.url) for link in page.links if link.url]
    if index + 1 < len(lesson.pages):
        buttons.append(
            DynamicButton(
                label=text_of(ctx, "button_next_page"), next="lesson", value=str(index + 1)
            )
        )
    else:
        buttons.append(
            DynamicButton(label=text_of(ctx, "button_quiz"), next="quiz", value=str(index))
        )
    if index > 0:
        buttons.append(
            DynamicButton(
                label=text_of(ctx, "button_prev_page"), next="lesson", value=str(index - 1)
            )
        )
    context = {"name": _name(ctx), "commune": ctx.turn.services.commune_name}
    return StepAction(
        vars={
            "title": lesson.title,
            "number": lesson.number,
            "text": render(page.text, context),
            "page": index + 1,
            "pages": len(lesson.pages),
        },
        buttons=buttons,
    )


def _name(ctx: FlowContext) -> str:
    resident = ctx.turn.resident
    return resident.display_name if resident is not None and resident.display_name else "bạn"


@HOOKS.action(
    "skills_question",
    sample={"title": "Thanh toán trực tuyến", "number": 1, "total": 4, "question": "…"},
    targets=("quiz_feedback", "lesson", "choose"),
)
def question(ctx: FlowContext) -> StepAction:
    lesson = _lessons(ctx).get(str(ctx.data.get("skill") or ""))
    if lesson is None:
        return StepAction(goto="choose")
    run = QuizRun.from_data(ctx.data.get(QUIZ))
    if run is None or run.skill != lesson.id or run.finished:
        run = QuizRun(skill=lesson.id)
    ctx.data[QUIZ] = run.to_data()
    current = run.current(lesson)
    assert current is not None  # a run that is not finished has a question waiting
    buttons = [
        DynamicButton(label=answer, next="quiz_feedback", value=encode_choice(run.position, i))
        for i, answer in enumerate(current.answers, start=1)
    ]
    buttons.append(DynamicButton(label=text_of(ctx, "button_review"), next="lesson"))
    return StepAction(
        vars={
            "title": lesson.title,
            "number": run.position + 1,
            "total": len(lesson.quiz.questions),
            "question": current.question,
        },
        buttons=buttons,
    )


@HOOKS.action(
    "skills_answer",
    sample={"right": False, "answer": "Chỉ trả khi cầm hàng", "explain": "…", "last": False},
    targets=("quiz", "quiz_result"),
)
def answer(ctx: FlowContext) -> StepAction:
    lesson = _lessons(ctx).get(str(ctx.data.get("skill") or ""))
    run = QuizRun.from_data(ctx.data.get(QUIZ))
    choice = decode_choice(ctx.data.pop("answer", None))
    if lesson is None or run is None or run.skill != lesson.id or choice is None:
        return StepAction(goto="quiz")
    marked = run.answer(lesson, *choice)
    if marked is None:
        return StepAction(goto="quiz")  # answered already: show the question now waiting
    ctx.turn.log(
        "quiz_answer",
        flow=FLOW,
        step="quiz",
        value="right" if marked.right else "wrong",
        skill=lesson.id,
        question=choice[0] + 1,
    )
    if marked.last:
        _grade(ctx, lesson, run)
    ctx.data[QUIZ] = run.to_data()
    label, target = ("button_results", "quiz_result") if marked.last else ("button_next", "quiz")
    return StepAction(
        vars={
            "right": marked.right,
            "answer": marked.question.answers[marked.question.correct - 1],
            "explain": marked.question.explain,
            "last": marked.last,
        },
        buttons=[DynamicButton(label=text_of(ctx, label), next=target)],
    )


def _grade(ctx: FlowContext, lesson: Lesson, run: QuizRun) -> None:
    passed = run.passed(lesson)
    run.outcome = PASSED if passed else FAILED
    resident = ctx.turn.resident
    total = len(lesson.quiz.questions)
    ctx.turn.log(
        "skill_quiz", flow=FLOW, value=lesson.id, score=run.score, questions=total, passed=passed
    )
    if resident is None or resident.id is None:
        return
    attempt = skill_rows.record_attempt(
        ctx.turn.session,
        resident_id=resident.id,
        skill=lesson.id,
        score=run.score,
        questions=total,
        passed=passed,
        now=ctx.turn.now,
    )
    if not attempt.newly_passed:
        return
    ctx.turn.log("skill_passed", flow=FLOW, value=lesson.id)
    lessons = _lessons(ctx)
    if set(lessons.ids) <= _passed(ctx):
        run.outcome = MASTERED
        ctx.turn.log("skills_mastered", flow=FLOW, value=str(len(lessons.ids)))


@HOOKS.branch("skills_outcome")
def outcome(ctx: FlowContext) -> str:
    run = QuizRun.from_data(ctx.data.get(QUIZ))
    result = run.outcome if run is not None else None
    return {PASSED: "quiz_passed", MASTERED: "mastered"}.get(result or "", "quiz_failed")


@HOOKS.action(
    "skills_result",
    sample={
        **SAMPLE_PROGRESS,
        "title": "Thanh toán trực tuyến",
        "score": 3,
        "questions": 4,
        "pass_mark": 3,
    },
    targets=("lesson", "place", "choose"),
)
def result(ctx: FlowContext) -> StepAction:
    lessons = _lessons(ctx)
    run = QuizRun.from_data(ctx.data.get(QUIZ))
    lesson = lessons.get(run.skill) if run is not None else None
    if run is None or lesson is None or not run.finished:
        return StepAction(goto="choose")
    progress = _progress(ctx, lessons)
    buttons: list[DynamicButton] = []
    if run.outcome == FAILED:
        _open_lesson(ctx, lesson)
    else:
        button = _next_lesson_button(ctx, lessons, "button_next_lesson")
        if button is not None:
            buttons.append(button)
        if not (progress["village"] and progress["household"]):
            buttons.append(DynamicButton(label=text_of(ctx, "button_place"), next="place"))
    return StepAction(
        vars={
            **progress,
            "title": lesson.title,
            "score": run.score,
            "questions": len(lesson.quiz.questions),
            "pass_mark": lesson.quiz.pass_mark,
        },
        buttons=buttons,
    )
