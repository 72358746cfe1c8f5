"""Scheduler jobs: one gentle follow-up for a resident quiet at a step (inside Zalo's free
48-hour window only), and the "check your result" reminder for a typed dossier code."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.delivery import queue_reply
from bot.features.online_filing import common
from bot.flows.buttons import payload
from bot.replies import Button, Reply
from bot.services import Services
from db import online_filing as rows
from db.session import session_scope

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def _followup_reply(services: Services, flow: str, step: str, procedure: str) -> Reply | None:
    spec = services.flows.flows.get(flow)
    fam = common.family(services, flow)
    if spec is None or fam is None or step not in spec.steps:
        return None
    text = services.texts.get(
        "online_filing.followup",
        procedure=common.procedure_title(services, procedure),
        step=fam.steps.get(step, step),
    )
    # The step's own buttons (their payloads bring the resident back to this very step).
    buttons = tuple(
        Button(b.label, payload=payload(flow, step, f"s{i}"))
        for i, b in enumerate(spec.steps[step].buttons)
        if b.next is not None
    )
    return Reply(text, buttons=buttons)


def send_followups(engine: Engine, *, now: datetime, services: Services) -> int:
    """Queue one follow-up per filing quiet at a step for `online_filing_quiet_after_min`,
    only when the resident's last interaction is less than 48 hours old (Zalo's free
    window): none outside it. The number queued."""
    settings = services.settings
    quiet_since = now - timedelta(minutes=settings.online_filing_quiet_after_min)
    sent = 0
    with session_scope(engine) as session:
        due = rows.quiet(
            session, quiet_since=quiet_since, interacted_after=now - common.FREE_WINDOW
        )
        for item in due:
            filing = item.filing
            reply = _followup_reply(services, filing.flow, filing.step, filing.procedure)
            if reply is None:
                continue
            queue_reply(
                session,
                key=f"online_filing:{filing.id}:followup:{filing.step}",
                recipient=item.zalo_user_id,
                reply=reply,
                now=now,
                kind="notify",
                image_url=None,
            )
            rows.mark_followed_up(session, filing, now=now)
            sent += 1
    return sent


def send_reminders(engine: Engine, *, now: datetime, services: Services) -> int:
    """Queue the due result reminders to residents reachable in Zalo's 7-day window; the
    dossier code is deleted either way. The number queued."""
    sent = 0
    with session_scope(engine) as session:
        for item, last in rows.reminders_due(session, now=now):
            filing = item.filing
            reachable = last is not None and last > now - common.CS_WINDOW
            if reachable and filing.dossier_code:
                text = services.texts.get(
                    "online_filing.reminder",
                    procedure=common.procedure_title(services, filing.procedure),
                    code=filing.dossier_code,
                )
                queue_reply(
                    session,
                    key=f"online_filing:{filing.id}:reminder",
                    recipient=item.zalo_user_id,
                    reply=Reply(text),
                    now=now,
                    kind="notify",
                    image_url=None,
                )
                sent += 1
            rows.mark_reminded(session, filing, now=now)
    return sent


async def online_filing_job(runtime: Runtime) -> None:
    """Every minute: follow-ups and reminders in a worker thread, then wake the sender."""
    now = runtime.clock.now()
    followups = await asyncio.to_thread(
        send_followups, runtime.engine, now=now, services=runtime.services
    )
    reminders = await asyncio.to_thread(
        send_reminders, runtime.engine, now=now, services=runtime.services
    )
    if followups or reminders:
        log.info("online filing: %d follow-up(s), %d reminder(s)", followups, reminders)
        runtime.sender.wake()
