"""Reminders: a team member asked to relay a post who has not tapped "Đã chuyển vào nhóm"
gets one reminder, held through quiet hours; none for a cancelled campaign."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.features.campaigns.notify import enqueue_reply, quiet_hold, relay_reply
from bot.features.campaigns.spec import Context
from db import campaigns as rows
from db.session import session_scope


def remind_relays(engine: Engine, *, now: datetime, ctx: Context) -> int:
    """One reminder for each relay still unconfirmed `relay_reminder_after_min` after it went
    out (held until the end of quiet hours); the number of reminders queued."""
    cutoff = now - timedelta(minutes=ctx.settings.relay_reminder_after_min)
    with session_scope(engine) as session:
        due = rows.relays_to_remind(session, sent_before=cutoff)
        for delivery in due:
            assert delivery.id is not None
            campaign = rows.get(session, campaign_id=delivery.campaign_id)
            if campaign is None or campaign.status == "cancelled":
                rows.mark_reminded(session, delivery=delivery, now=now)
                continue
            reply = relay_reply(
                ctx.texts,
                "campaigns.relay_reminder",
                delivery.id,
                group=delivery.relay_group or "",
                title=campaign.title,
            )
            hold = quiet_hold(ctx.settings, now)
            enqueue_reply(
                session, f"camp-remind:{delivery.id}", delivery.recipient, reply, now, hold, ctx
            )
            rows.mark_reminded(session, delivery=delivery, now=now)
        return len(due)
