"""Statistics `online_filing`: guided submissions started, completed (self-reported),
stuck by procedure and step (a funnel), handed to the team and resolved; by village and by
day. The figures the commune centre reports under TT 03/2025/TT-VPCP."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlmodel import Session

from bot.charts import horizontal_bars
from bot.config import PACKAGE_DIR
from bot.feature import Table
from bot.features.online_filing.content import Family, families, procedure_titles
from bot.reporting import Context, vn_date
from db import online_filing as filing_rows
from db.online_filing import FilingRow
from db.rollup import vn_day
from db.stats import Window


def _counts(rows: list[FilingRow]) -> dict[str, int]:
    return {
        "started": len(rows),
        "completed": sum(r.status == "completed" for r in rows),
        "cancelled": sum(r.status == "cancelled" for r in rows),
        "stuck": sum(r.stuck_step is not None for r in rows),
        "followed_up": sum(r.followed_up for r in rows),
        "handed": sum(r.handed for r in rows),
        "resolved": sum(r.resolved for r in rows),
    }


def _funnel(family: Family | None, rows: list[FilingRow]) -> list[dict[str, Any]]:
    """Per numbered step: filings that reached it, and those stuck (or quiet) there."""
    if family is None:
        return []
    stuck = Counter(r.stuck_step for r in rows if r.stuck_step)
    return [
        {
            "step": step,
            "title": title,
            "reached": sum(r.max_step_index >= i for r in rows),
            "stuck": stuck.get(step, 0),
        }
        for i, (step, title) in enumerate(family.steps.items(), start=1)
    ]


def online_filing(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    fams = families(PACKAGE_DIR / "content")
    titles = procedure_titles(PACKAGE_DIR / "content")
    rows = filing_rows.rows(session, window)
    by_procedure: dict[str, list[FilingRow]] = defaultdict(list)
    by_village: dict[int | None, list[FilingRow]] = defaultdict(list)
    started_by_day: Counter[str] = Counter()
    completed_by_day: Counter[str] = Counter()
    for r in rows:
        by_procedure[r.procedure].append(r)
        by_village[r.village_id].append(r)
        started_by_day[vn_day(r.started_at)] += 1
        if r.completed_at is not None:
            completed_by_day[vn_day(r.completed_at)] += 1
    villages: list[int | None] = list(ctx.village_ids(window))
    if window.villages is None and None in by_village:
        villages.append(None)
    return {
        **_counts(rows),
        "by_procedure": [
            {
                "code": code,
                "title": titles.get(code, code),
                "family": procedure_rows[0].flow,
                **_counts(procedure_rows),
                "steps": _funnel(fams.get(procedure_rows[0].flow), procedure_rows),
            }
            for code, procedure_rows in sorted(by_procedure.items())
        ],
        "by_village": [
            {"village": ctx.village_label(v), **_counts(by_village.get(v, []))} for v in villages
        ],
        "by_day": [
            {"date": day, "started": started_by_day[day], "completed": completed_by_day[day]}
            for day in ctx.days
        ],
    }


def online_filing_funnel(report: dict[str, Any]) -> str | None:
    """Where residents get stuck: the steps with the most stuck filings, all procedures."""
    section = report.get("online_filing")
    if not section or not section["stuck"]:
        return None
    totals: Counter[str] = Counter()
    for procedure in section["by_procedure"]:
        for step in procedure["steps"]:
            totals[f"{procedure['title']} · {step['title']}"] += step["stuck"]
    bars = [(label, float(n)) for label, n in totals.most_common(10) if n]
    return horizontal_bars("Bị kẹt ở bước nào", bars, chart_id="chart-online-filing-stuck")


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "nop-truc-tuyen-ngay",
            "Nộp hồ sơ trực tuyến theo ngày",
            ("Ngày", "Bắt đầu", "Tự báo đã nộp"),
            [[vn_date(d["date"]), d["started"], d["completed"]] for d in figures["by_day"]],
        ),
        Table(
            "nop-truc-tuyen-thon",
            "Nộp hồ sơ trực tuyến theo thôn",
            ("Thôn / tổ", "Bắt đầu", "Tự báo đã nộp", "Bị kẹt", "Nhờ tổ", "Đã giúp xong"),
            [
                [v["village"], v["started"], v["completed"], v["stuck"], v["handed"], v["resolved"]]
                for v in figures["by_village"]
            ],
        ),
    ]
