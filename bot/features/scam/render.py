"""Chat wording for the scam checker: a verdict as a resident reads it.

The lead wires these into the flow engine: "Kiểm tra lừa đảo" asks for a message
(`ask_input`), checks it and answers with `verdict_message`; a link or forwarded
message outside any flow gets `offer_check` first (see `looks_checkable`).
"""

from __future__ import annotations

from bot.features.scam.analyzer import Verdict
from bot.features.scam.content import Advice
from bot.features.scam.links import find_links
from bot.texts import render

MAX_REASONS = 4
# A pasted message at least this long, outside a flow, is worth offering a check for.
FORWARDED_MIN_CHARS = 120


def verdict_message(verdict: Verdict, advice: Advice, *, max_reasons: int = MAX_REASONS) -> str:
    """The full chat reply: verdict, top reasons, what to do now, and (if risky) what to do
    if money was already lost and where to report."""
    scam_type = verdict.scam_type or "khac"
    low = verdict.risk == "low"
    # Tailored tips first (a genuine OTP or transfer notice: "if you did not make it…").
    now = [*verdict.tips, *(advice.low_risk_tips if low else advice.types[scam_type].now)]
    context = {
        "verdict_line": advice.verdict[verdict.risk],
        "risk": verdict.risk,
        "reasons_title": advice.reasons_title,
        "reasons": [] if low else [s.explanation for s in verdict.top(max_reasons)],
        "now_title": advice.low_risk_title if low else advice.now_title,
        "now": now,
        "show_lost_money": not low,
        "lost_money_title": advice.lost_money_title,
        "lost_money": list(advice.lost_money),
        "report_title": advice.report_title,
        "report": list(advice.report),
    }
    return render(advice.template, context)


def looks_checkable(text: str) -> bool:
    """True when a message outside any flow carries a link or looks forwarded (long)."""
    return bool(find_links(text, limit=1)) or len(text.strip()) >= FORWARDED_MIN_CHARS
