"""Runs each stored event through its handlers (`bot.handlers`): the chains are built
once from the enabled features, in the order `bot.handlers.text_chain` gives. Follow events
get the welcome and the menu; our own `oa_send_*` echoes and receipts are recorded, never
answered.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot.handlers import media_chain, text_chain
from bot.handlers.base import Handler
from bot.handlers.events import handler_for, touch_resident
from bot.services import Services
from bot.turn import Turn
from bot.zalo.events import (
    ChatNowEvent,
    FollowEvent,
    OAMessageEvent,
    ReceiptEvent,
    UserMessageEvent,
    ZaloEvent,
    parse_event,
)
from bot.zalo.messages import fingerprint
from db import outbox
from db.models import InboundEvent

log = logging.getLogger(__name__)


# The only events `record_inline` may handle: the others skip it (and, on PostgreSQL, their
# batch needs no transaction around its INSERT).
INLINE_EVENTS: tuple[type[ZaloEvent], ...] = (ReceiptEvent, OAMessageEvent)


def record_inline(session: Session, event: ZaloEvent, now: datetime) -> bool:
    """Events whose whole handling is one indexed update are recorded while being stored:
    delivery/seen receipts, and the echoes of our own sends. True when handled here.

    They are most of Zalo's traffic (three per message sent), so they skip the per-resident
    queue. Echoes typed by a person in the OA inbox (`admin_id`) still go to the dispatcher.
    """
    if isinstance(event, ReceiptEvent):
        outbox.record_receipt(
            session,
            message_ids=event.message_ids,
            seen=event.event_name == "user_seen_message",
            at=now,
        )
        return True
    if isinstance(event, OAMessageEvent) and not event.admin_id:
        if event.msg_id:
            body: dict[str, object] = {"text": event.message.text} if event.message.text else {}
            outbox.settle_from_echo(
                session,
                recipient=event.recipient.id,
                fingerprint=fingerprint(body) if body else "",
                message_id=event.msg_id,
                now=now,
            )
        return True
    return False


class Dispatcher:
    """`handle(session, event_row, now)` is the processor's handler. `interceptors`, when
    given, replace the features' own (tests that exercise one of them alone)."""

    def __init__(self, services: Services, interceptors: tuple[Handler, ...] | None = None) -> None:
        self.services = services
        self.text_chain = text_chain(services.features, interceptors)
        self.media_chain = media_chain(services.features, interceptors)
        self.by_name = {name: run for f in services.features for name, run in f.events}

    def handle(self, session: Session, row: InboundEvent, now: datetime) -> None:
        event = parse_event(row.payload)
        turn = Turn(session=session, now=now, services=self.services, event_row=row, event=event)
        handler_for(event, self.text_chain, self.media_chain, self.by_name)(turn)
        turn.commit_outgoing()

    def on_failure(self, session: Session, row: InboundEvent, now: datetime) -> None:
        """The event could not be handled: apologise instead of staying silent."""
        event = parse_event(row.payload)
        if not isinstance(event, UserMessageEvent | FollowEvent | ChatNowEvent):
            return
        if isinstance(event, FollowEvent) and event.event_name != "follow":
            return
        turn = Turn(session=session, now=now, services=self.services, event_row=row, event=event)
        touch_resident(turn, interacted=False)
        turn.say(self.services.texts.get("error_generic"))
        turn.log("error_reply", value=row.event_name)
        turn.commit_outgoing()
