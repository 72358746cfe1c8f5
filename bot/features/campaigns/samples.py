"""A template's example values as shown today (the wizard's "Ví dụ:", the admin API's template
list): its `sample` place and time, with a date taken from the clock, never a day already past.
The templates carry no fixed example date (`bot content check` refuses one)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.features.campaigns import schedule as sched
from bot.features.campaigns.content import CampaignTemplate
from bot.texts import Texts


def suggested_repeat(
    template: CampaignTemplate | None, *, now: datetime, tz: tzinfo
) -> dict[str, Any] | None:
    """The template's suggested repeating schedule, made concrete from tomorrow on:
    {"kind": "cron", "cron": …} or {"kind": "daily", "time", "from", "to"}; else None."""
    suggested = template.suggested if template is not None else {}
    if suggested.get("kind") == "cron" and suggested.get("cron"):
        return {"kind": "cron", "cron": str(suggested["cron"])}
    if suggested.get("kind") == "daily" and suggested.get("time"):
        first = now.astimezone(tz).date() + timedelta(days=1)
        last = first + timedelta(days=int(suggested.get("days", 1)) - 1)
        return {
            "kind": "daily",
            "time": str(suggested["time"]),
            "from": first.isoformat(),
            "to": last.isoformat(),
        }
    return None


def repeating(repeat: dict[str, Any] | None) -> sched.Schedule | None:
    """The schedule of a template's repeat ({"kind": "cron"|"daily", …}), else None."""
    if repeat and repeat["kind"] == "cron":
        return sched.Schedule("cron", cron=repeat["cron"])
    if repeat and repeat["kind"] == "daily":
        return sched.Schedule(
            "daily", daily_time=repeat["time"], start_date=repeat["from"], end_date=repeat["to"]
        )
    return None


def sample_date(
    template: CampaignTemplate | None, *, now: datetime, tz: tzinfo, texts: Texts
) -> str:
    """The example date: the first day of the template's repeating schedule, else tomorrow
    ("thứ Bảy 12/12/2026")."""
    schedule = repeating(suggested_repeat(template, now=now, tz=tz))
    first = sched.first_occurrence(schedule, now=now, tz=tz) if schedule else None
    day = (first or now + timedelta(days=1)).astimezone(tz)
    weekday = texts.get(f"campaigns.when_words.weekday.{day.weekday()}")
    return texts.get("campaigns.sample_date", weekday=weekday, date=day.strftime("%d/%m/%Y"))


def sample_values(
    template: CampaignTemplate, *, now: datetime, tz: tzinfo, texts: Texts
) -> dict[str, str]:
    """The template's example values with today's example date."""
    return {**template.sample, "date": sample_date(template, now=now, tz=tz, texts=texts)}
