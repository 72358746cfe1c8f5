"""1:1 messages a campaign sends to team members (approval asks, decisions, relay asks and
reminders), queued in the outbox and held through quiet hours."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.delivery import queue_notice
from bot.features.campaigns import schedule as sched
from bot.features.campaigns.spec import Context
from bot.replies import Button, Reply
from bot.texts import Texts

# The payload of a relay's "Đã chuyển vào nhóm" button: CONFIRM_PREFIX + delivery id.
CONFIRM_PREFIX = "#cr:"


def quiet_hold(settings: Settings, now: datetime) -> datetime | None:
    """When a message queued at `now` may go out: the end of quiet hours, or None (at once)."""
    return sched.quiet_until(
        now, start=settings.quiet_hours_start, end=settings.quiet_hours_end, tz=settings.tz
    )


def relay_reply(texts: Texts, key: str, delivery_id: int, *, group: str, title: str) -> Reply:
    button = Button(texts.get("campaigns.relay_button"), payload=f"{CONFIRM_PREFIX}{delivery_id}")
    return Reply(texts.get(key, group=group, title=title), buttons=(button,))


def enqueue_reply(
    session: Session,
    key: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    hold: datetime | None,
    ctx: Context,
) -> None:
    queue_notice(
        session,
        ctx.settings,
        key=key,
        recipient=recipient,
        reply=reply,
        now=now,
        kind="relay",
        not_before=hold,
    )
