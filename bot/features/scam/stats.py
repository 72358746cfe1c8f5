"""Statistics: scam checks and reports."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.reporting import Context, rate, week_of
from db import stats as q
from db.stats import Window


def scam(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    risks = dict(q.top_values(session, window, "scam_check", limit=5))
    checks = sum(risks.values())
    reports = q.scam_reports(session, window)
    by_type: dict[str, int] = {}
    by_village: dict[str, dict[str, int]] = {}
    by_week: dict[str, dict[str, int]] = {}
    for village, day, scam_type, n in reports:
        by_type[scam_type] = by_type.get(scam_type, 0) + n
        label = ctx.village_label(village)
        by_village.setdefault(label, {})[scam_type] = (
            by_village.get(label, {}).get(scam_type, 0) + n
        )
        week = week_of(day)
        by_week.setdefault(week, {})[scam_type] = by_week.get(week, {}).get(scam_type, 0) + n
    return {
        "checks": checks,
        "high_risk": risks.get("high", 0),
        "high_risk_share": rate(risks.get("high", 0), checks),
        "by_risk": risks,
        "top_signals": [
            {"signal": c, "count": n} for c, n in q.scam_signal_counts(session, window)
        ],
        "reports": sum(by_type.values()),
        "reports_by_type": [
            {"type": t, "count": n} for t, n in sorted(by_type.items(), key=lambda x: -x[1])
        ],
        "reports_by_village": [{"village": v, "types": t} for v, t in sorted(by_village.items())],
        "reports_by_week": [{"week": w, "types": t} for w, t in sorted(by_week.items())],
    }
