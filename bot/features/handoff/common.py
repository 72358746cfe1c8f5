"""Handoff: the constants and what residents and team members are shown."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.flows.buttons import payload
from bot.flows.engine import FEEDBACK_STEP
from bot.replies import Button, Reply
from bot.services import MENU_PAYLOAD
from bot.texts import Texts
from bot.turn import Turn
from bot.zalo.events import UserMessageEvent
from db import org, residents
from db.models import HandoffTicket, Resident

log = logging.getLogger(__name__)


FLOW_ID = "handoff"


# The flow's steps a resident rests on while their request waits for a team member.
WAIT_STEPS = ("sent", "already_open")


REST_STEP = "sent"


MEMBER_PREFIX = "#h:"


# The resident's "Kết thúc trò chuyện" button (typing "kết thúc" does the same).
END_PAYLOAD = "#handoff:end"


HUMAN = "human"


BOT = "bot"


WHEN_CODES = ("morning", "afternoon", "evening", "anytime", "skip")


# Local hour until which a member accepting can still make "this morning/afternoon/evening".
ETA_CUTOFF_HOUR = {"morning": 10, "afternoon": 16, "evening": 20}


TODAY_CUTOFF_HOUR = 17


def resident_name(texts: Texts, resident: Resident | None) -> str:
    if resident is not None and resident.display_name:
        return resident.display_name
    return texts.get("handoff.resident_unknown")


def when_label(texts: Texts, when_home: str | None) -> str:
    """A button's code as words ("buổi chiều"); the resident's own words stay as typed."""
    if not when_home:
        return texts.get("handoff.when.skip")
    if when_home in WHEN_CODES:
        return texts.get(f"handoff.when.{when_home}")
    return when_home


def eta_phrase(texts: Texts, when_home: str | None, local_now: datetime) -> str:
    """Roughly when the team member will be in touch ("trong chiều nay", "vào sáng mai")."""
    hour = local_now.hour
    if when_home in ETA_CUTOFF_HOUR:
        day = "today" if hour < ETA_CUTOFF_HOUR[when_home] else "tomorrow"
        return texts.get(f"handoff.eta.{when_home}_{day}")
    return texts.get("handoff.eta.today" if hour < TODAY_CUTOFF_HOUR else "handoff.eta.tomorrow")


def describe(session: Session, texts: Texts, ticket: HandoffTicket) -> dict[str, Any]:
    """The template variables about a ticket that team members' texts use."""
    resident = residents.get(session, resident_id=ticket.resident_id)
    village = (
        org.village_by_id(session, village_id=ticket.village_id)
        if ticket.village_id is not None
        else None
    )
    return {
        "id": ticket.id,
        "resident": resident_name(texts, resident),
        "place": village.name if village is not None else texts.get("handoff.commune_level"),
        "need": ticket.need,
        "when": when_label(texts, ticket.when_home),
    }


def member_payload(action: str, ticket_id: int | None) -> str:
    return f"{MEMBER_PREFIX}{action}:{ticket_id}"


def request_reply(texts: Texts, key: str, context: dict[str, Any]) -> Reply:
    """A request as team members see it, with the "Nhận hỗ trợ" button."""
    accept = Button(
        texts.get("handoff.member.accept_button"), payload=member_payload("accept", context["id"])
    )
    return Reply(texts.get(key, **context), buttons=(accept,))


def holder_reply(texts: Texts, key: str, ticket_id: int | None, **context: Any) -> Reply:
    """A message to the member holding a ticket, with "Đã xong" and "Trả lại"."""
    return Reply(
        texts.get(key, id=ticket_id, **context),
        buttons=(
            Button(
                texts.get("handoff.member.resolve_button"),
                payload=member_payload("resolve", ticket_id),
            ),
            Button(
                texts.get("handoff.member.release_button"),
                payload=member_payload("release", ticket_id),
            ),
        ),
    )


def feedback_reply(texts: Texts, lead: str) -> Reply:
    """The end of a handoff: `lead`, then "did the team member help?" answered through the
    flow engine's feedback buttons (logged as `flow_feedback` of the handoff flow)."""
    question = texts.get("handoff.feedback_question")
    return Reply(
        f"{lead}\n{question}",  # one paragraph: one Zalo message
        buttons=(
            Button(
                texts.get("handoff.feedback_yes"), payload=payload(FLOW_ID, FEEDBACK_STEP, "fb:yes")
            ),
            Button(
                texts.get("handoff.feedback_no"), payload=payload(FLOW_ID, FEEDBACK_STEP, "fb:no")
            ),
            Button(texts.get("handoff.menu_button"), payload=MENU_PAYLOAD),
        ),
    )


def attachment_text(turn: Turn) -> str:
    """A photo, file, location... as one line a person can open: "[Ảnh] https://..."."""
    event = turn.event
    if not isinstance(event, UserMessageEvent) or event.kind == "text":
        return ""
    texts = turn.texts
    key = f"handoff.attachment.{event.kind}"
    parts = [texts.get(key) if texts.has(key) else texts.get("handoff.attachment.other")]
    for attachment in event.message.attachments:
        data = attachment.payload if isinstance(attachment.payload, dict) else {}
        url = data.get("url")
        where = data.get("coordinates")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            parts.append(url)
        elif isinstance(where, dict) and where.get("latitude") and where.get("longitude"):
            parts.append(f"https://maps.google.com/?q={where['latitude']},{where['longitude']}")
    caption = (event.message.text or "").strip()
    if caption and caption not in parts:
        parts.append(caption)
    return " ".join(parts)
