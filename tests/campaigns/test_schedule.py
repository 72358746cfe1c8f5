"""Schedules in Vietnam time, stored in UTC: next occurrences, quiet hours, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.features.campaigns.schedule import (
    Schedule,
    ScheduleError,
    next_after,
    parse_local,
    quiet_until,
    validate,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN).astimezone(UTC)


def test_cron_every_saturday_morning_in_vietnam_time() -> None:
    weekly = Schedule("cron", cron="30 7 * * sat")
    assert next_after(weekly, vn(2026, 12, 5, 9), tz=VN) == vn(2026, 12, 12, 7, 30)
    assert next_after(weekly, vn(2026, 12, 12, 7, 29), tz=VN) == vn(2026, 12, 12, 7, 30)


def test_daily_within_a_date_range() -> None:
    daily = Schedule("daily", daily_time="07:30", start_date="2026-12-06", end_date="2026-12-07")
    assert next_after(daily, vn(2026, 12, 1, 12), tz=VN) == vn(2026, 12, 6, 7, 30)
    assert next_after(daily, vn(2026, 12, 6, 7, 30), tz=VN) == vn(2026, 12, 7, 7, 30)
    assert next_after(daily, vn(2026, 12, 7, 7, 30), tz=VN) is None


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 12, 5, 22, 30), (2026, 12, 6, 7, 0)),  # evening: the next morning
        ((2026, 12, 6, 5, 0), (2026, 12, 6, 7, 0)),  # before dawn: the same morning
        ((2026, 12, 6, 21, 0), (2026, 12, 7, 7, 0)),  # the first quiet minute
        ((2026, 12, 6, 7, 0), None),  # the first allowed minute
        ((2026, 12, 6, 14, 0), None),
    ],
)
def test_quiet_hours_cross_midnight(
    local: tuple[int, ...], expected: tuple[int, ...] | None
) -> None:
    got = quiet_until(vn(*local), start="21:00", end="07:00", tz=VN)
    assert got == (vn(*expected) if expected else None)


def test_local_times_and_bad_schedules() -> None:
    assert parse_local("2026-12-06T07:30", VN) == vn(2026, 12, 6, 7, 30)
    assert parse_local("2026-12-06T00:30+00:00", VN) == vn(2026, 12, 6, 7, 30)
    now = vn(2026, 12, 5, 9)
    for bad in (
        Schedule("weekly"),
        Schedule("once"),
        Schedule("cron", cron="30 25 * * *"),
        Schedule("daily", daily_time="7h", start_date="2026-12-06", end_date="2026-12-07"),
        Schedule("daily", daily_time="07:30", start_date="2026-12-06"),
        Schedule("daily", daily_time="07:30", start_date="2025-01-01", end_date="2025-01-02"),
        Schedule("cron", cron="30 7 * * sat", end_date="2026-12-01"),
    ):
        with pytest.raises(ScheduleError):
            validate(bad, now=now, tz=VN)
