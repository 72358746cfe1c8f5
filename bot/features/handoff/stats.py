"""Statistics: conversations handed to team members, answer times, by member."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlmodel import Session

from bot.charts import horizontal_bars
from bot.feature import Table
from bot.reporting import Context
from db import handoff as handoff_rows
from db.stats import Window


def handoffs(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """Requests to reach a team member: requested, accepted, resolved in the range, median
    minutes to accept; `open_now` and `in_progress_now` are the state now."""
    total = handoff_rows.summary(session, window)
    per_village = handoff_rows.by_village(session, window)
    ids: list[int | None] = list(ctx.village_ids(window))
    if window.villages is None and None in per_village:
        ids.append(None)
    empty = handoff_rows.HandoffCounts()
    return {
        **asdict(total),
        "by_village": [
            {"village": ctx.village_label(v), **asdict(per_village.get(v, empty))} for v in ids
        ],
        "by_member": [
            {
                "member": m.name,
                "accepted": m.accepted,
                "resolved": m.resolved,
                "median_minutes_to_accept": m.median_minutes_to_accept,
                "in_progress_now": m.in_progress_now,
            }
            for m in handoff_rows.by_member(session, window)
        ],
    }


def handoffs_by_village(report: dict[str, Any]) -> str | None:
    """Per village: requests to reach a team member in the range."""
    handoffs = report.get("handoffs")
    if not handoffs or not handoffs["requested"]:
        return None
    return horizontal_bars(
        "Yêu cầu gặp cán bộ theo thôn",
        [(str(v["village"]), float(v["requested"])) for v in handoffs["by_village"]],
        chart_id="chart-handoffs-villages",
    )


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "gap-can-bo-thon",
            "Yêu cầu gặp cán bộ theo thôn",
            ("Thôn / tổ", "Yêu cầu", "Được nhận", "Đã xong", "Đang chờ"),
            [
                [v["village"], v["requested"], v["accepted"], v["resolved"], v["open_now"]]
                for v in figures["by_village"]
            ],
        )
    ]
