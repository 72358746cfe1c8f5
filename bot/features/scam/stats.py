"""Statistics: scam checks (by risk and kind of scam) and the reports residents sent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.feature import Table
from bot.reporting import Context, rate, week_of
from db import stats as q
from db.stats import Window

if TYPE_CHECKING:
    from bot.services import Services

RISK_NAMES = {"high": "Nguy cơ cao", "medium": "Đáng ngờ", "low": "Ít nguy cơ"}


def labels(services: Services) -> Mapping[str, Mapping[str, str]]:
    """Each kind of scam by its key, and the kind each signal belongs to."""
    from bot.features.scam.analyzer import ScamAnalyzer

    analyzer = services.get(ScamAnalyzer)
    if analyzer is None:
        return {}
    content = analyzer.content
    kinds = {key: spec.label for key, spec in content.advice.types.items()}
    signal_kind = {code: spec.type for code, spec in content.lexicon.signals.items()}
    signal_kind |= {spec.code: spec.type for spec in content.lexicon.impersonation.values()}
    return {"scam_type": kinds, "signal_type": signal_kind}


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
    signals = q.scam_signal_counts(session, window, limit=100)
    # The signals found, added up by the kind of scam they point to.
    kinds: dict[str, int] = {}
    for code, n in signals:
        kind = ctx.label("scam_type", ctx.label("signal_type", code))
        kinds[kind] = kinds.get(kind, 0) + n
    return {
        "checks": checks,
        "high_risk": risks.get("high", 0),
        "high_risk_share": rate(risks.get("high", 0), checks),
        "by_risk": risks,
        "by_risk_named": [
            {"risk": RISK_NAMES.get(r, r), "count": risks.get(r, 0)} for r in RISK_NAMES
        ],
        "top_signals": [{"signal": c, "count": n} for c, n in signals[:10]],
        "signals_by_kind": [
            {"kind": k, "count": n} for k, n in sorted(kinds.items(), key=lambda x: (-x[1], x[0]))
        ],
        "reports": sum(by_type.values()),
        "reports_by_type": [
            {"type": t, "name": ctx.label("scam_type", t), "count": n}
            for t, n in sorted(by_type.items(), key=lambda x: -x[1])
        ],
        "reports_by_village": [
            {
                "village": v,
                "reports": sum(t.values()),
                "types": t,
            }
            for v, t in sorted(by_village.items())
        ],
        "reports_by_week": [{"week": w, "types": t} for w, t in sorted(by_week.items())],
    }


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "lua-dao-loai",
            "Báo cáo lừa đảo theo loại",
            ("Loại lừa đảo", "Số báo cáo"),
            [[r["name"], r["count"]] for r in figures["reports_by_type"]],
        ),
        Table(
            "lua-dao-thon",
            "Báo cáo lừa đảo theo thôn",
            ("Thôn / tổ", "Số báo cáo"),
            [[r["village"], r["reports"]] for r in figures["reports_by_village"]],
        ),
    ]
