"""Build the statistics report for a date range and a set of villages.

Each section is a function ``(session, window, context) -> dict``, listed in `SECTIONS`; the
report holds it under the same name, the CSV flattens it, and the dashboard shows it with
`templates/sections/<name>.html` when that file exists (and a chart from
`bot.api.admin.dashboard.EXTRA_CHARTS` if any). Adding a section is one
function here plus one template file. Figures are exact counts from the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import PACKAGE_DIR
from db import campaigns as campaign_rows
from db import handoff as handoff_rows
from db import skills as skill_rows
from db import stats as q
from db.stats import Window

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_DAYS = 400
# The national target: every household has at least one member who mastered the 5 skills.
HOUSEHOLD_TARGET = 1.0


class RangeError(ValueError):
    """The requested dates cannot be used (reason in the message)."""


@dataclass(frozen=True)
class Context:
    """What every section may need besides the window."""

    villages: dict[int, dict[str, Any]]
    days: list[str]
    # The digital skills as (lesson id, title), in lesson order.
    skills: tuple[tuple[str, str], ...] = ()

    def village_label(self, village_id: int | None) -> str:
        if village_id is None:
            return "Chưa rõ thôn"
        info = self.villages.get(village_id)
        return str(info["name"]) if info else f"#{village_id}"

    def village_ids(self, window: Window) -> list[int]:
        """The villages the window covers, in the order of their ids."""
        return sorted(v for v in self.villages if window.villages is None or v in window.villages)


def skill_list(content_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """(id, title) of each lesson of the 5 basic digital skills."""
    from bot.features.skills.lessons import load_lessons

    lessons = load_lessons(content_dir or PACKAGE_DIR / "content")
    return tuple((lesson.id, lesson.title) for lesson in lessons.items)


def parse_range(start: str | None, end: str | None, *, today: date) -> tuple[date, date]:
    """ISO dates (Vietnam calendar); defaults: the last 30 days up to today."""
    try:
        last = date.fromisoformat(end) if end else today
        first = date.fromisoformat(start) if start else last - timedelta(days=29)
    except ValueError as exc:
        msg = f"dates must look like 2026-11-22 ({exc})"
        raise RangeError(msg) from None
    if first > last:
        msg = "'from' is after 'to'"
        raise RangeError(msg)
    if (last - first).days >= MAX_DAYS:
        msg = f"a range can cover at most {MAX_DAYS} days"
        raise RangeError(msg)
    return first, last


def window_for(first: date, last: date, villages: frozenset[int] | None) -> Window:
    start = datetime.combine(first, time.min, tzinfo=VN)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=VN)
    return Window(start=start, end=end, villages=villages)


def day_list(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def week_of(day: str) -> str:
    d = date.fromisoformat(day)
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def by_week(per_day: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for day, n in per_day.items():
        out[week_of(day)] = out.get(week_of(day), 0) + n
    return out


def _series(days: list[str], values: dict[str, int]) -> list[dict[str, Any]]:
    return [{"date": d, "value": values.get(d, 0)} for d in days]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# -- sections ----------------------------------------------------------------------------------


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
        "daily_active": _series(ctx.days, active_day),
        "messages_in_by_day": _series(ctx.days, msgs_in),
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


def procedures(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    del ctx
    searches = q.count_kind(session, window, "procedure_search")
    not_found = [
        v
        for v in q.top_values(session, window, "procedure_search", limit=1000)
        if v[0] == "not_found"
    ]
    return {
        "searches": searches,
        "not_found": not_found[0][1] if not_found else 0,
        "top": [
            {"code": c, "count": n}
            for c, n in q.top_values(session, window, "procedure_search", exclude="not_found")
        ],
        "top_viewed": [
            {"code": c, "count": n} for c, n in q.top_values(session, window, "procedure_view")
        ],
        "not_found_queries": [
            {"query": t, "count": n} for t, n in q.not_found_queries(session, window)
        ],
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


TARGET_KINDS = ("group", "relay", "followers")
DELIVERY_FIGURES = ("sent", "failed", "skipped", "pending")


def _delivery_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over delivery rows; the delivery rate is sent over deliveries that are settled
    (sent, failed or skipped), and the relay rate is confirmed over relays sent."""
    out: dict[str, Any] = dict.fromkeys(DELIVERY_FIGURES, 0)
    relays_sent = confirmed = seen = 0
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + row["n"]
        confirmed += row["relay_confirmed"]
        seen += row["seen"]
        if row["target_kind"] == "relay" and row["status"] == "sent":
            relays_sent += row["n"]
    settled = out["sent"] + out["failed"] + out["skipped"]
    return {
        "deliveries": settled + out["pending"],
        **out,
        "delivery_rate": rate(out["sent"], settled),
        "relays_sent": relays_sent,
        "relay_confirmed": confirmed,
        "relay_confirm_rate": rate(confirmed, relays_sent),
        "seen": seen,
    }


def broadcasts(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """Campaign deliveries created in the range: sent, failed, skipped (with the reason kept
    on each delivery), relays confirmed, read receipts; by target kind, campaign and village.
    A village filter leaves out the commune-level groups."""
    rows = campaign_rows.delivery_counts(
        session, start=window.start, end=window.end, village_ids=window.villages
    )
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    by_village: dict[int | None, list[dict[str, Any]]] = {}
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TARGET_KINDS}
    for row in rows:
        by_campaign.setdefault(row["campaign_id"], []).append(row)
        by_village.setdefault(row["village_id"], []).append(row)
        by_kind.setdefault(row["target_kind"], []).append(row)
    titles = {row["campaign_id"]: row["title"] for row in rows}
    villages: list[int | None] = list(ctx.village_ids(window))
    if None in by_village:
        villages.append(None)
    return {
        "campaigns": len(by_campaign),
        **_delivery_totals(rows),
        "by_kind": [{"type": k, **_delivery_totals(v)} for k, v in by_kind.items()],
        "by_campaign": [
            {"campaign": titles[c], "campaign_id": c, **_delivery_totals(by_campaign[c])}
            for c in sorted(by_campaign)
        ],
        "by_village": [
            {
                "village": ctx.village_label(v) if v is not None else "Nhóm chung của xã",
                **_delivery_totals(by_village.get(v, [])),
            }
            for v in villages
        ],
    }


Section = Callable[[Session, Window, Context], dict[str, Any]]
SECTIONS: dict[str, Section] = {
    "followers": followers,
    "activity": activity,
    "flows": flows,
    "procedures": procedures,
    "scam": scam,
    "unanswered": unanswered,
    "skills": skills,
    "handoffs": handoffs,
    "broadcasts": broadcasts,
}


def build_report(
    session: Session,
    *,
    first: date,
    last: date,
    villages: frozenset[int] | None,
    skills: tuple[tuple[str, str], ...] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The whole report; `timings`, when given, receives the seconds each step took
    ("context", then each section by name), for the benchmark."""
    started = perf_counter()
    window = window_for(first, last, villages)
    ctx = Context(
        villages=q.village_names(session),
        days=day_list(first, last),
        skills=skill_list() if skills is None else skills,
    )
    report: dict[str, Any] = {
        "range": {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": "Asia/Ho_Chi_Minh",
        },
        "villages": [ctx.villages[v]["code"] for v in sorted(villages) if v in ctx.villages]
        if villages is not None
        else "all",
    }
    if timings is not None:
        timings["context"] = perf_counter() - started
    for name, section in SECTIONS.items():
        started = perf_counter()
        report[name] = section(session, window, ctx)
        if timings is not None:
            timings[name] = perf_counter() - started
    return report


# -- CSV ---------------------------------------------------------------------------------------


def rows_for_csv(report: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(section, metric, dimension, value) for every figure in the report."""

    def walk(section: str, prefix: str, value: Any) -> Iterator[tuple[str, str, str, Any]]:
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from walk(section, f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    label_key = next(
                        (
                            k
                            for k in (
                                "date",
                                "week",
                                "village",
                                "flow",
                                "step",
                                "code",
                                "query",
                                "text",
                                "skill",
                                "type",
                                "campaign",
                                "member",
                                "signal",
                            )
                            if k in item
                        ),
                        None,
                    )
                    label = str(item.get(label_key, "")) if label_key else ""
                    for key, inner in item.items():
                        if key == label_key:
                            continue
                        if isinstance(inner, list | dict):
                            yield from walk(section, f"{prefix}.{label}.{key}", inner)
                        else:
                            yield section, f"{prefix}.{key}", label, inner
                else:
                    yield section, prefix, "", item
        else:
            yield section, prefix, "", value

    for section, value in report.items():
        if section in ("range", "villages"):
            continue
        yield from walk(section, "", value)


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["from", "to", "section", "metric", "dimension", "value"])
    first, last = report["range"]["from"], report["range"]["to"]
    for section, metric, dimension, value in rows_for_csv(report):
        writer.writerow([first, last, section, metric, dimension, "" if value is None else value])
    return buffer.getvalue()
