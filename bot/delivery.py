"""Queueing messages decided outside a resident's turn (notifications, relay requests,
broadcasts) into the outbox, with the priorities the sender serves them by."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.replies import Reply
from bot.zalo.messages import fingerprint, to_user_messages
from db import outbox

PRIORITY = {"reply": 0, "notify": 5, "relay": 8, "broadcast": 10}


def queue_reply(
    session: Session,
    *,
    key: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    kind: str,
    image_url: str | None,
    not_before: datetime | None = None,
) -> None:
    """Queue a 1:1 reply decided outside a resident's turn (a notification, a relay request):
    its Zalo messages get `key`, `key:1`, `key:2`…, so deciding it again queues nothing."""
    for i, body in enumerate(to_user_messages(reply, image_url=image_url)):
        outbox.enqueue(
            session,
            idempotency_key=key if i == 0 else f"{key}:{i}",
            recipient=recipient,
            message=body,
            fingerprint=fingerprint(body),
            now=now,
            kind=kind,
            priority=PRIORITY[kind],
            not_before=not_before,
        )


def queue_notice(
    session: Session,
    settings: Settings,
    *,
    key: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    kind: str = "notify",
    not_before: datetime | None = None,
) -> None:
    """`queue_reply` for a message to a team member or resident outside a turn, with the
    menu image the settings name (notifications, escalations, relay and approval asks)."""
    queue_reply(
        session,
        key=key,
        recipient=recipient,
        reply=reply,
        now=now,
        kind=kind,
        image_url=settings.zalo_menu_image_url,
        not_before=not_before,
    )
