"""Statistics: the 5 basic digital skills, by skill, village and household."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.charts import horizontal_bars
from bot.feature import Table
from bot.reporting import Context, rate
from db import skills as skill_rows
from db.stats import Window

# The national target: every household has at least one member who mastered the 5 skills.
HOUSEHOLD_TARGET = 1.0


def skills(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """The 5 basic digital skills, as they stand now (with what was passed in the range):
    residents who passed each skill and all of them; households with at least one member who
    mastered all of them, per village, against the village's number of households."""
    from bot.features.skills.households import mastery_by_village

    ids = [skill for skill, _ in ctx.skills]
    villages = window.villages
    passed = skill_rows.passed_by_skill(
        session, skills=ids, villages=villages, since=window.start, until=window.end
    )
    masters = skill_rows.masters(session, skills=ids, villages=villages) if ids else []
    mastery = {
        m.village_id: m
        for m in mastery_by_village(session, skills=ids, villages=villages, masters=masters)
    }
    rows: list[dict[str, Any]] = []
    for village_id in [*ctx.village_ids(window), None]:
        found = mastery.get(village_id)
        if village_id is None and found is None:
            continue
        total = ctx.villages[village_id]["households"] if village_id is not None else None
        homes = found.households if found else 0
        rows.append(
            {
                "village": ctx.village_label(village_id),
                "residents_mastered": found.residents if found else 0,
                "households_mastered": homes,
                "mastered_without_household": found.without_household if found else 0,
                "households_total": total,
                "coverage": rate(homes, total or 0),
            }
        )
    counted = [r for r in rows if r["households_total"]]
    homes_counted = sum(r["households_mastered"] for r in counted)
    homes_total = sum(r["households_total"] for r in counted)
    return {
        "skills": [
            {
                "skill": skill,
                "title": title,
                "residents_passed": passed.get(skill, (0, 0))[0],
                "passed_in_range": passed.get(skill, (0, 0))[1],
            }
            for skill, title in ctx.skills
        ],
        "all_five": len(masters),
        "all_five_in_range": sum(
            1
            for m in masters
            if m.mastered_at is not None and window.start <= m.mastered_at < window.end
        ),
        "households_mastered": homes_counted,
        "households_total": homes_total,
        "coverage": rate(homes_counted, homes_total),
        "target": HOUSEHOLD_TARGET,
        "households_mastered_unknown_village": sum(
            r["households_mastered"] for r in rows if r["households_total"] is None
        ),
        "by_village": rows,
    }


def skills_coverage(report: dict[str, Any]) -> str | None:
    """Per village: the share of households with a member who mastered the 5 skills, against
    the target (every household)."""
    skills = report.get("skills")
    if not skills:
        return None
    rows = [
        (str(v["village"]), float(v["coverage"]))
        for v in skills["by_village"]
        if v["coverage"] is not None
    ]
    if not rows:
        return None
    return horizontal_bars(
        "Tỉ lệ hộ gia đình có người thành thạo 5 kỹ năng số, theo thôn, so với mục tiêu",
        rows,
        target=float(skills["target"]),
        percent=True,
        chart_id="chart-skills-coverage",
    )


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "ky-nang-thon",
            "5 kỹ năng số theo thôn",
            (
                "Thôn / tổ",
                "Người thành thạo 5 kỹ năng",
                "Hộ có người thành thạo",
                "Tổng số hộ",
                "Tỉ lệ hộ (%)",
            ),
            [
                [
                    v["village"],
                    v["residents_mastered"],
                    v["households_mastered"],
                    v["households_total"],
                    None if v["coverage"] is None else round(v["coverage"] * 100, 1),
                ]
                for v in figures["by_village"]
            ],
        ),
        Table(
            "ky-nang",
            "Người đạt từng kỹ năng",
            ("Kỹ năng", "Người đạt", "Đạt trong kỳ"),
            [[s["title"], s["residents_passed"], s["passed_in_range"]] for s in figures["skills"]],
        ),
    ]
