"""Hooks of the `scam_check` and `scam_quiz` flows: verdicts, reports, the quiz."""

from __future__ import annotations

from typing import Any

from bot.features.scam.analyzer import ScamAnalyzer
from bot.features.scam.quiz import QuizRound
from bot.features.scam.render import looks_checkable, verdict_message
from bot.features.scam.reports import draft_report
from bot.flows.engine import FlowContext
from bot.flows.registry import DynamicButton, Hooks, StepAction
from bot.text.normalize import normalize
from db import scam as scam_rows

# Words that mean "check this for me" when they come with the pasted text.
EXPLICIT = ("lua dao", "kiem tra", "co that khong", "co phai", "that hay gia", "gia mao")
SAMPLE_TEXTS = {
    "ask_input": "Bạn dán tin nhắn cần kiểm tra vào đây.",
    "offer_check": "Bạn có muốn bot kiểm tra không?",
    "report_ask": "Bạn dán tin nhắn lừa đảo vào đây.",
    "report_thanks": "Cảm ơn bạn đã báo.",
    "intro": "Cùng thử tài nhận diện lừa đảo nhé!",
}


def _analyzer(ctx: FlowContext) -> ScamAnalyzer:
    analyzer = ctx.turn.services.get(ScamAnalyzer)
    if analyzer is None:
        msg = "the scam checker is not loaded"
        raise RuntimeError(msg)
    return analyzer


def _texts(ctx: FlowContext) -> dict[str, Any]:
    advice = _analyzer(ctx).content.advice
    return {
        "ask_input": advice.ask_input,
        "offer_check": advice.offer_check,
        "report_ask": advice.report_ask,
        "report_thanks": advice.report_thanks,
        "intro": _analyzer(ctx).content.quiz.intro,
    }


HOOKS = Hooks()


@HOOKS.check("scam_input")
def scam_input(text: str, ctx: FlowContext) -> str | None:
    """Any non-empty message or link, kept as typed (secrets were masked at the webhook)."""
    del ctx
    value = text.strip()
    return value[:5000] if value else None


@HOOKS.branch("scam_entry")
def entry(ctx: FlowContext) -> str:
    """A pasted message or link: check it (or offer to); a bare request: ask for the text."""
    query = str(ctx.data.get("query") or "")
    if not query or not looks_checkable(query):
        return "ask" if not _has_content(query) else "verdict"
    folded = normalize(query)
    if any(word in folded for word in EXPLICIT):
        return "verdict"
    return "offer"


def _has_content(query: str) -> bool:
    # A short request such as "kiểm tra lừa đảo" has nothing to check yet.
    words = normalize(query).split()
    return len(words) > 6


@HOOKS.action("scam_texts", sample=SAMPLE_TEXTS)
def texts(ctx: FlowContext) -> StepAction:
    return StepAction(vars=_texts(ctx))


@HOOKS.action("scam_verdict", sample={"verdict": "⚠️ Rất có thể là lừa đảo.\nVì sao:\n• Link lạ"})
def verdict(ctx: FlowContext) -> StepAction:
    analyzer = _analyzer(ctx)
    text = str(ctx.data.get("query") or "")
    result = analyzer.check(text)
    ctx.data["risk"] = result.risk
    ctx.turn.log(
        "scam_check",
        flow="scam_check",
        value=result.risk,
        is_scam=result.is_scam,
        signals=[s.code for s in result.signals][:10],
        scam_type=result.scam_type,
    )
    return StepAction(vars={"verdict": verdict_message(result, analyzer.content.advice)})


@HOOKS.action("scam_report", sample={**SAMPLE_TEXTS, "scam_type": "giả danh công an"})
def report(ctx: FlowContext) -> StepAction:
    analyzer = _analyzer(ctx)
    text = str(ctx.data.get("report_text") or ctx.data.get("query") or "")
    draft = draft_report(analyzer, text)
    resident = ctx.turn.resident
    scam_rows.record_report(
        ctx.turn.session,
        scam_type=draft.scam_type,
        text_redacted=draft.text_redacted,
        signals=draft.signals,
        risk=draft.risk,
        resident_id=resident.id if resident else None,
        village_id=resident.village_id if resident else None,
        created_at=ctx.turn.now,
    )
    ctx.turn.log("scam_report", flow="scam_check", value=draft.scam_type, risk=draft.risk)
    label = analyzer.content.advice.types.get(draft.scam_type)
    return StepAction(vars={**_texts(ctx), "scam_type": label.label if label else draft.scam_type})


# -- the quiz ----------------------------------------------------------------------------------


@HOOKS.action("scam_quiz_question", sample={"question": "Tin nhắn số 1/5: …", "intro": "Cùng thử!"})
def quiz_question(ctx: FlowContext) -> StepAction:
    quiz = _analyzer(ctx).content.quiz
    state = ctx.data.get("round")
    current = QuizRound.from_data(state) if isinstance(state, dict) else None
    if current is None or current.finished:  # a first round, or "Làm lại" after one
        current = QuizRound.start(quiz)
    ctx.data["round"] = current.to_data()
    buttons = [
        DynamicButton(label=quiz.buttons["scam"], next="quiz_answer", value="scam"),
        DynamicButton(label=quiz.buttons["legit"], next="quiz_answer", value="legit"),
    ]
    # The intro once: not again on the next questions, nor on "Làm lại".
    intro = quiz.intro if current.position == 0 and not ctx.data.get("result") else ""
    return StepAction(vars={"question": current.question(quiz), "intro": intro}, buttons=buttons)


@HOOKS.action(
    "scam_quiz_answer",
    sample={"explanation": "👏 Chính xác! …", "last": False},
    targets=("quiz_question", "quiz_result"),
)
def quiz_answer(ctx: FlowContext) -> StepAction:
    quiz = _analyzer(ctx).content.quiz
    current = QuizRound.from_data(dict(ctx.data.get("round") or {}))
    choice = str(ctx.data.get("choice") or "")
    labels: dict[str, str] = {str(k): v for k, v in quiz.buttons.items()}
    reply = current.answer(quiz, labels.get(choice, choice)) if choice else None
    if reply is None:
        return StepAction(goto="quiz_question")
    ctx.data["round"] = current.to_data()
    ctx.turn.log(
        "quiz_answer", flow="scam_quiz", value="right" if current.answered[-1] else "wrong"
    )
    if current.finished:
        ctx.turn.log(
            "scam_quiz_done", flow="scam_quiz", value=f"{current.score}/{len(current.order)}"
        )
        # The score ends the round: its buttons are "Làm lại", not "Câu tiếp theo".
        ctx.data["result"] = reply
        return StepAction(goto="quiz_result")
    return StepAction(vars={"explanation": reply, "last": False})


@HOOKS.action("scam_quiz_result", sample={"result": "👏 Chính xác! … Bạn trả lời đúng 4/5 câu."})
def quiz_result(ctx: FlowContext) -> StepAction:
    """The last explanation and the score, kept by `scam_quiz_answer`."""
    return StepAction(vars={"result": str(ctx.data.get("result") or "")})
