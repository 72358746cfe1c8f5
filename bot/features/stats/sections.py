"""The commune-wide statistics sections: followers, activity, flows, unanswered questions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from bot.reporting import Context, by_week, rate, series
from db import stats as q
from db.stats import Window


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
                {"village": ctx.village_label(v), "messages_in": n, "active_residents": r}
                for v, (n, r) in by_village.items()
            ),
            key=lambda r: (-r["messages_in"], r["village"]),
        ),
    }


def flows(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    del ctx
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
        steps.setdefault(flow, []).append({"step": step, "residents": n})
    out = []
    for flow, entry in sorted(per_flow.items()):
        funnel = sorted(steps.get(flow, []), key=lambda s: -s["residents"])
        answered = entry["helpful"] + entry["not_helpful"]
        entry["completion_rate"] = rate(entry["completed"], entry["started"])
        entry["helpful_rate"] = rate(entry["helpful"], answered)
        entry["funnel"] = funnel
        out.append(entry)
    return {"per_flow": out}


def unanswered(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    del ctx
    return {
        "total": q.count_kind(session, window, "unanswered"),
        "most_frequent": [
            {"text": t, "count": n}
            for t, n in q.top_values(session, window, "unanswered", limit=20)
        ],
    }
