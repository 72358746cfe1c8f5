"""Escalation: a request still open after `handoff_escalate_after_min` goes to the leaders."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery import queue_notice
from bot.replies import Reply
from bot.texts import Texts
from db import handoff as tickets
from db import org, residents
from db.session import session_scope

if TYPE_CHECKING:
    from bot.runtime import Runtime

from bot.features.handoff.common import describe, request_reply
from bot.features.handoff.tickets import log_event, minutes_between

log = logging.getLogger(__name__)


def escalate_due(
    engine: Engine, *, now: datetime, settings: Settings, texts: Texts | None = None
) -> int:
    """Send the requests nobody accepted within `handoff_escalate_after_min` to the commune
    leaders (and tell the resident), once per ticket; the number of tickets escalated.

    One transaction; every message has an idempotency key (`handoff:<id>:escalate:<member>`),
    so a run repeated after a crash sends nothing twice.
    """
    texts = texts or Texts.load(settings.content_dir)
    cutoff = now - timedelta(minutes=settings.handoff_escalate_after_min)
    with session_scope(engine) as session:
        due = tickets.due_for_escalation(session, created_before=cutoff)
        if not due:
            return 0
        leaders = org.commune_leaders(session)
        for ticket in due:
            tickets.mark_escalated(session, ticket=ticket, now=now)
            waited = int(minutes_between(ticket.created_at, now))
            context = describe(session, texts, ticket) | {"minutes": waited}
            reply = request_reply(texts, "handoff.member.escalated", context)
            for leader in leaders:
                queue_notice(
                    session,
                    settings,
                    key=f"handoff:{ticket.id}:escalate:{leader.id}",
                    recipient=leader.zalo_user_id,
                    reply=reply,
                    now=now,
                )
            resident = residents.get(session, resident_id=ticket.resident_id)
            if resident is not None:
                queue_notice(
                    session,
                    settings,
                    key=f"handoff:{ticket.id}:escalate:resident",
                    recipient=resident.zalo_user_id,
                    reply=Reply(texts.get("handoff.escalated_resident")),
                    now=now,
                )
            log_event(
                session,
                "handoff_escalated",
                ticket,
                now,
                value=str(len(leaders)),
                leaders=[leader.id for leader in leaders],
                minutes=waited,
            )
        return len(due)


async def escalation_job(runtime: Runtime) -> None:
    """The scheduler's job (every 60 s): `escalate_due` in a worker thread, then wake the
    sender so the leaders hear about it at once."""
    count = await asyncio.to_thread(
        escalate_due,
        runtime.engine,
        now=runtime.clock.now(),
        settings=runtime.settings,
        texts=runtime.services.texts,
    )
    if count:
        log.info("escalated %d handoff request(s) to the commune leaders", count)
        runtime.sender.wake()
