"""The statistics report for a date range and a set of villages, built from sections.

Each feature declares its sections (`bot.feature.Section`: a name and a function
``(session, window, context) -> dict``); the report holds each under its name, the CSV
flattens it and the dashboard shows it with the section's template. Figures are exact
counts from the database; days follow the commune's calendar (`db.rollup.VN_OFFSET`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from time import perf_counter
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.text.spreadsheet import csv_writer
from db import stats as q
from db.rollup import VN_OFFSET
from db.stats import Window

if TYPE_CHECKING:
    from bot.feature import Section

# The commune's calendar: Vietnam keeps one offset all year (no daylight saving time).
VN = timezone(VN_OFFSET, "Asia/Ho_Chi_Minh")
TIMEZONE_NAME = "Asia/Ho_Chi_Minh"
MAX_DAYS = 400


class RangeError(ValueError):
    """The requested dates cannot be used (reason in the message)."""


# What officials read instead of codes, by kind ("procedure", "flow", "step" keyed
# "flow/step", "scam_type", "signal_type"...): what the features' `Section.labels` give.
Labels = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Context:
    """What every section may need besides the window."""

    villages: dict[int, dict[str, Any]]
    days: list[str]
    # The digital skills as (lesson id, title), in lesson order.
    skills: tuple[tuple[str, str], ...] = ()
    labels: Labels = field(default_factory=dict)

    def label(self, kind: str, key: str) -> str:
        """The name officials read for `key` (a procedure code, a flow id…), else the key."""
        return self.labels.get(kind, {}).get(key, key)

    def village_label(self, village_id: int | None) -> str:
        if village_id is None:
            return "Chưa rõ thôn"
        info = self.villages.get(village_id)
        return str(info["name"]) if info else f"#{village_id}"

    def village_ids(self, window: Window) -> list[int]:
        """The villages the window covers, in the order of their ids."""
        return sorted(v for v in self.villages if window.villages is None or v in window.villages)


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


def previous_range(first: date, last: date) -> tuple[date, date]:
    """The period of the same length just before [first, last]: what trends compare with."""
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)


def vn_date(day: str | date) -> str:
    """An ISO day as officials write it: dd/mm/yyyy."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return d.strftime("%d/%m/%Y")


def trend(current: float | None, previous: float | None) -> dict[str, Any]:
    """A figure against the previous period: the change, and its direction ("up", "down",
    "same"; "new" when the previous period had none, None when either is unknown)."""
    if current is None or previous is None:
        return {"current": current, "previous": previous, "change": None, "direction": None}
    change = round(current - previous, 4)
    direction = "same" if change == 0 else ("up" if change > 0 else "down")
    if previous == 0 and current:
        direction = "new"
    return {"current": current, "previous": previous, "change": change, "direction": direction}


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


def series(days: list[str], values: dict[str, int]) -> list[dict[str, Any]]:
    return [{"date": d, "value": values.get(d, 0)} for d in days]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def build_report(
    session: Session,
    *,
    first: date,
    last: date,
    villages: frozenset[int] | None,
    sections: tuple[Section, ...],
    skills: tuple[tuple[str, str], ...] = (),
    labels: Labels | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The whole report; `timings`, when given, receives the seconds each step took
    ("context", then each section by name), for the benchmark."""
    started = perf_counter()
    window = window_for(first, last, villages)
    ctx = Context(
        villages=q.village_names(session),
        days=day_list(first, last),
        skills=skills,
        labels=labels or {},
    )
    report: dict[str, Any] = {
        "range": {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "timezone": TIMEZONE_NAME,
        },
        "villages": [ctx.villages[v]["code"] for v in sorted(villages) if v in ctx.villages]
        if villages is not None
        else "all",
    }
    if timings is not None:
        timings["context"] = perf_counter() - started
    for section in sections:
        started = perf_counter()
        report[section.name] = section.build(session, window, ctx)
        if timings is not None:
            timings[section.name] = perf_counter() - started
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


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The one place CSV text is written: UTF-8 with a BOM (so spreadsheet programs read the
    Vietnamese text right), a header row, then the rows (None as an empty cell)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return "\ufeff" + buffer.getvalue()


def to_csv(report: dict[str, Any]) -> str:
    """Every figure, one per row (section, metric, dimension, value): for scripts."""
    first, last = report["range"]["from"], report["range"]["to"]
    return write_csv(
        ["from", "to", "section", "metric", "dimension", "value"],
        ([first, last, *row] for row in rows_for_csv(report)),
    )
