"""Handoff tickets: who gets a request, creating and cancelling one, the analytics they log."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.features.handoff.common import (
    BOT,
    FLOW_ID,
    REST_STEP,
    WHEN_CODES,
    describe,
    request_reply,
)
from bot.flows.store import FlowState
from bot.texts import Texts
from bot.turn import Turn
from db import eventlog, org
from db import handoff as tickets
from db.models import HandoffTicket, TeamMember

log = logging.getLogger(__name__)


def recipients(
    session: Session, village_id: int | None, *, exclude: int | None = None
) -> tuple[list[TeamMember], bool]:
    """Who is told about a request: (members, True) for the village's active team members,
    else (the commune leaders, False)."""
    if village_id is not None:
        members = [
            m for m in org.members_of_village(session, village_id=village_id) if m.id != exclude
        ]
        if members:
            return members, True
    return [m for m in org.commune_leaders(session) if m.id != exclude], False


def log_event(
    session: Session,
    kind: str,
    ticket: HandoffTicket,
    now: datetime,
    *,
    value: str | None = None,
    **data: Any,
) -> None:
    """Record a handoff event under the ticket's resident and village (whoever's turn it is)."""
    eventlog.record(
        session,
        kind=kind,
        now=now,
        resident_id=ticket.resident_id,
        village_id=ticket.village_id,
        flow=FLOW_ID,
        value=value,
        data={"ticket": ticket.id, **data},
    )


def minutes_between(start: datetime | None, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 1) if start is not None else 0.0


def create_request(
    turn: Turn, *, need: str, when_home: str | None, village_id: int | None
) -> tuple[HandoffTicket, list[TeamMember], bool]:
    """Open a ticket for the turn's resident and notify the team: (ticket, notified members,
    True when they are the village's members rather than the commune leaders)."""
    resident = turn.resident
    assert resident is not None and resident.id is not None
    session = turn.session
    ticket = tickets.create(
        session,
        resident_id=resident.id,
        village_id=village_id,
        need=need,
        when_home=when_home,
        now=turn.now,
    )
    notified, from_village = recipients(session, village_id)
    reply = request_reply(turn.texts, "handoff.member.new", describe(session, turn.texts, ticket))
    for member in notified:
        turn.notify(member.zalo_user_id, reply)
    log_event(
        session,
        "handoff_requested",
        ticket,
        turn.now,
        value="village" if from_village else "commune",
        notified=len(notified),
        when_home=when_home if when_home in WHEN_CODES else ("text" if when_home else None),
    )
    return ticket, notified, from_village


def cancel_request(turn: Turn) -> str:
    """Withdraw the turn's resident's open request; what to tell them."""
    resident = turn.resident
    assert resident is not None and resident.id is not None
    session = turn.session
    texts: Texts = turn.texts
    ticket = tickets.active_for_resident(session, resident_id=resident.id)
    if ticket is None or ticket.id is None or ticket.status != "open":
        return texts.get("handoff.nothing_to_cancel")
    if not tickets.cancel(session, ticket_id=ticket.id, now=turn.now):
        return texts.get("handoff.nothing_to_cancel")
    log_event(
        session,
        "handoff_cancelled",
        ticket,
        turn.now,
        minutes=minutes_between(ticket.created_at, turn.now),
    )
    return texts.get("handoff.cancelled")


def rest_after_request(turn: Turn, state: FlowState) -> None:
    """Back with the bot, resting on the flow's end step (where the feedback buttons and a
    typed "hủy" for a waiting request are understood)."""
    state.flow_id = FLOW_ID
    state.step_id = REST_STEP
    state.data = {"_finished": True}
    state.history = []
    state.mode = BOT
    turn.services.flows.touch(turn, state)
