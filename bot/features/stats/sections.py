"""The commune-wide statistics sections: followers, activity, flows, unanswered questions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.feature import Table
from bot.reporting import Context, by_week, rate, series, vn_date
from db import stats as q
from db.stats import Window

if TYPE_CHECKING:
    from bot.services import Services


def followers(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    per_village = q.followers_by_village(session, window)
    # The same counts as `q.follower_totals`, from the per-village rows (one scan).
    totals = {
        "total": sum(row["followers"] for row in per_village),
        "with_village": sum(
            row["followers"] for row in per_village if row["village_id"] is not None
        ),
    }
    per_day = q.follows_by_day(session, window)
    new = sum(v["follow"] for v in per_day.values())
    gone = sum(v["unfollow"] for v in per_day.values())
    return {
        "total": totals["total"],
        "new": new,
        "unfollowed": gone,
        "with_known_village": totals["with_village"],
        "by_day": [
            {
                "date": d,
                "new": per_day.get(d, {}).get("follow", 0),
                "unfollowed": per_day.get(d, {}).get("unfollow", 0),
            }
            for d in ctx.days
        ],
        "by_village": sorted(
            (
                {
                    "village": ctx.village_label(row["village_id"]),
                    "followers": row["followers"],
                    "residents": row["residents"],
                }
                for row in per_village
            ),
            key=lambda r: (-r["followers"], r["village"]),
        ),
    }


def activity(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    active_day = q.per_day(session, window, (), distinct_residents=True)
    msgs_in = q.per_day(session, window, ["message_in"])
    replies = q.reply_seconds(session, window)
    last_day = ctx.days[-1]
    week_window = Window(
        start=max(window.start, window.end - timedelta(days=7)),
        end=window.end,
        villages=window.villages,
    )
    month_window = Window(
        start=max(window.start, window.end - timedelta(days=30)),
        end=window.end,
        villages=window.villages,
    )
    by_village = q.by_village(session, window, "message_in")
    # Active residents by the village each resident gave (counted once), so a resident who
    # said their village mid-range is not split between it and "Chưa rõ thôn".
    home = q.active_by_home_village(session, window)
    villages: list[int | None] = [*ctx.village_ids(window)]
    if window.villages is None and (None in home or None in by_village):
        villages.append(None)
    return {
        "active_residents": {
            "last_day": active_day.get(last_day, 0),
            "last_7_days": q.distinct_residents(session, week_window),
            "last_30_days": q.distinct_residents(session, month_window),
            "whole_range": q.distinct_residents(session, window),
        },
        "messages_in": sum(msgs_in.values()),
        "messages_out": q.sum_kind_values(session, window, "message_out"),
        "median_reply_seconds": q.median(replies),
        "replies_measured": len(replies),
        "daily_active": series(ctx.days, active_day),
        "messages_in_by_day": series(ctx.days, msgs_in),
        "messages_in_by_week": [
            {"week": w, "value": n} for w, n in sorted(by_week(msgs_in).items())
        ],
        "by_village": sorted(
            (
                {
                    "village": ctx.village_label(v),
                    "messages_in": by_village.get(v, (0, 0))[0],
                    "active_residents": home.get(v, 0),
                }
                for v in villages
            ),
            key=lambda r: (-r["messages_in"], r["village"]),
        ),
    }


def flows(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    per_flow: dict[str, dict[str, Any]] = {}
    for flow, kind, value, n in q.flow_counts(session, window):
        entry = per_flow.setdefault(
            flow,
            {
                "flow": flow,
                "started": 0,
                "completed": 0,
                "cancelled": 0,
                "timed_out": 0,
                "helpful": 0,
                "not_helpful": 0,
                "comments": 0,
            },
        )
        key = {
            "flow_start": "started",
            "flow_complete": "completed",
            "flow_cancel": "cancelled",
            "flow_timeout": "timed_out",
        }.get(kind)
        if key:
            entry[key] += n
        elif kind == "flow_feedback":
            fb = {"helpful": "helpful", "not_helpful": "not_helpful", "comment": "comments"}
            if value in fb:
                entry[fb[value]] += n
    steps: dict[str, list[dict[str, Any]]] = {}
    for flow, step, n in q.flow_steps(session, window):
        steps.setdefault(flow, []).append(
            {
                "step": step,
                "title": ctx.labels.get("step", {}).get(f"{flow}/{step}", step),
                "residents": n,
            }
        )
    out = []
    for flow, entry in sorted(per_flow.items()):
        funnel = sorted(steps.get(flow, []), key=lambda s: -s["residents"])
        answered = entry["helpful"] + entry["not_helpful"]
        entry["completion_rate"] = rate(entry["completed"], entry["started"])
        entry["helpful_rate"] = rate(entry["helpful"], answered)
        entry["funnel"] = funnel
        entry["name"] = ctx.label("flow", flow)
        out.append(entry)
    return {
        "started": sum(f["started"] for f in out),
        "completed": sum(f["completed"] for f in out),
        "per_flow": out,
    }


def labels(services: Services) -> Mapping[str, Mapping[str, str]]:
    """Each flow's short name and each step's title, from the flow files."""
    flows = services.flows.flows
    return {
        "flow": {fid: flow.short or flow.title for fid, flow in flows.items()},
        "step": {
            f"{fid}/{sid}": step.title or sid
            for fid, flow in flows.items()
            for sid, step in flow.steps.items()
        },
    }


def unanswered(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    del ctx
    return {
        "total": q.count_kind(session, window, "unanswered"),
        "most_frequent": [
            {"text": t, "count": n}
            for t, n in q.top_values(session, window, "unanswered", limit=20)
        ],
    }


# -- CSV tables ------------------------------------------------------------------------------


def follower_tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "quan-tam-ngay",
            "Người quan tâm theo ngày",
            ("Ngày", "Quan tâm mới", "Bỏ quan tâm"),
            [[vn_date(d["date"]), d["new"], d["unfollowed"]] for d in figures["by_day"]],
        ),
        Table(
            "quan-tam-thon",
            "Người quan tâm theo thôn",
            ("Thôn / tổ", "Người quan tâm", "Người dân đã nhắn"),
            [[v["village"], v["followers"], v["residents"]] for v in figures["by_village"]],
        ),
    ]


def activity_tables(figures: dict[str, Any]) -> list[Table]:
    active = {d["date"]: d["value"] for d in figures["daily_active"]}
    return [
        Table(
            "hoat-dong-ngay",
            "Hoạt động theo ngày",
            ("Ngày", "Tin nhắn đến", "Người dân nhắn tin"),
            [
                [vn_date(d["date"]), d["value"], active.get(d["date"], 0)]
                for d in figures["messages_in_by_day"]
            ],
        ),
        Table(
            "hoat-dong-thon",
            "Hoạt động theo thôn",
            ("Thôn / tổ", "Tin nhắn đến", "Người dân nhắn tin"),
            [
                [v["village"], v["messages_in"], v["active_residents"]]
                for v in figures["by_village"]
            ],
        ),
    ]


def flow_tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "luong",
            "Các luồng hướng dẫn",
            ("Luồng", "Bắt đầu", "Hoàn thành", "Dừng giữa chừng", "Thấy hữu ích", "Chưa hữu ích"),
            [
                [
                    f["name"],
                    f["started"],
                    f["completed"],
                    f["cancelled"] + f["timed_out"],
                    f["helpful"],
                    f["not_helpful"],
                ]
                for f in figures["per_flow"]
            ],
        ),
        Table(
            "luong-buoc",
            "Các bước của từng luồng",
            ("Luồng", "Bước", "Số người đến bước"),
            [
                [f["name"], s["title"], s["residents"]]
                for f in figures["per_flow"]
                for s in f["funnel"]
            ],
        ),
    ]


def unanswered_tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "chua-tra-loi",
            "Câu hỏi chưa trả lời được",
            ("Câu người dân hỏi", "Số lần"),
            [[u["text"], u["count"]] for u in figures["most_frequent"]],
        )
    ]
