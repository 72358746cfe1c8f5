"""When a campaign's occurrences fall: now, once, a cron expression, or daily within dates.

Input and display are in the commune's time zone (Asia/Ho_Chi_Minh); everything stored and
compared is UTC-aware. Quiet hours (default 21:00–07:00) postpone a non-urgent send to the
end of the quiet period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from croniter import croniter

KINDS = ("now", "once", "cron", "daily")


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says why, in plain words."""


@dataclass(frozen=True)
class Schedule:
    kind: str
    run_at: datetime | None = None  # now, once (UTC)
    cron: str | None = None
    daily_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None


def parse_hhmm(value: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        msg = f"'{value}' is not a time of day like 07:30"
        raise ScheduleError(msg) from None


def parse_date(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = f"{field} '{value}' is not a date like 2026-12-06"
        raise ScheduleError(msg) from None


def parse_local(value: str, tz: tzinfo) -> datetime:
    """An ISO date-time; without an offset it is taken as local (Vietnam) time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"'{value}' is not a date and time like 2026-12-06T07:30"
        raise ScheduleError(msg) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def validate(schedule: Schedule, *, now: datetime, tz: tzinfo) -> None:
    """Raise ScheduleError when the schedule is unusable, or has no occurrence left."""
    if schedule.kind not in KINDS:
        msg = f"schedule kind must be one of {', '.join(KINDS)}"
        raise ScheduleError(msg)
    start = parse_date(schedule.start_date, "from")
    end = parse_date(schedule.end_date, "to")
    if start and end and end < start:
        msg = "the last day is before the first day"
        raise ScheduleError(msg)
    if schedule.kind == "once":
        if schedule.run_at is None:
            msg = "a one-off schedule needs 'at'"
            raise ScheduleError(msg)
        if schedule.run_at < now - timedelta(minutes=1):
            msg = "that time has already passed"
            raise ScheduleError(msg)
    if schedule.kind == "cron" and (not schedule.cron or not croniter.is_valid(schedule.cron)):
        msg = f"'{schedule.cron}' is not a valid cron expression (e.g. '30 7 * * sat')"
        raise ScheduleError(msg)
    if schedule.kind == "daily":
        if not schedule.daily_time:
            msg = "a daily schedule needs 'time' (e.g. 07:30)"
            raise ScheduleError(msg)
        parse_hhmm(schedule.daily_time)
        if start is None or end is None:
            msg = "a daily schedule needs 'from' and 'to' dates"
            raise ScheduleError(msg)
        if (end - start).days > 366:
            msg = "a daily schedule may cover at most one year"
            raise ScheduleError(msg)
    if first_occurrence(schedule, now=now, tz=tz) is None:
        msg = "this schedule has no time left to send"
        raise ScheduleError(msg)


def first_occurrence(schedule: Schedule, *, now: datetime, tz: tzinfo) -> datetime | None:
    if schedule.kind in ("now", "once"):
        return schedule.run_at or now
    return next_after(schedule, now - timedelta(seconds=1), tz=tz)


def next_after(schedule: Schedule, after: datetime, *, tz: tzinfo) -> datetime | None:
    """The first occurrence strictly after `after` (UTC), or None."""
    if schedule.kind in ("now", "once"):
        return None if schedule.run_at is None or schedule.run_at <= after else schedule.run_at
    start = parse_date(schedule.start_date, "from")
    end = parse_date(schedule.end_date, "to")
    local_after = after.astimezone(tz)
    if start is not None:
        floor = datetime.combine(start, time(0), tzinfo=tz) - timedelta(seconds=1)
        local_after = max(local_after, floor)
    if schedule.kind == "cron":
        assert schedule.cron is not None
        candidate: datetime = croniter(schedule.cron, local_after).get_next(datetime)
    else:
        assert schedule.daily_time is not None
        at = parse_hhmm(schedule.daily_time)
        candidate = datetime.combine(local_after.date(), at, tzinfo=tz)
        if candidate <= local_after:
            candidate = datetime.combine(local_after.date() + timedelta(days=1), at, tzinfo=tz)
    if end is not None and candidate.astimezone(tz).date() > end:
        return None
    return candidate.astimezone(UTC)


def quiet_until(when: datetime, *, start: str, end: str, tz: tzinfo) -> datetime | None:
    """If `when` falls in quiet hours [start, end) local time, the end of that quiet period
    (UTC); else None. A period may cross midnight (21:00–07:00)."""
    q_start, q_end = parse_hhmm(start), parse_hhmm(end)
    if q_start == q_end:
        return None
    local = when.astimezone(tz)
    t = local.time()
    if q_start < q_end:
        inside = q_start <= t < q_end
        end_day = local.date()
    else:
        inside = t >= q_start or t < q_end
        end_day = local.date() + timedelta(days=1) if t >= q_start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, q_end, tzinfo=tz).astimezone(UTC)


def describe(when: datetime | None, tz: tzinfo) -> str:
    """A time as people read it: 07:30 06/12/2026."""
    if when is None:
        return "—"
    return when.astimezone(tz).strftime("%H:%M %d/%m/%Y")
