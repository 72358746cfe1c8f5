"""Routes each stored event to what should happen, in one explicit order.

For a resident's text: global commands → the active flow → button payloads → intent
detection → fallback (menu plus the offer to reach a team member). Follow events get the
welcome and the menu; our own `oa_send_*` echoes and receipts are recorded, never answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.flows.store import FlowState, SqlStore
from bot.nlu.names import FLOWS
from bot.replies import Reply
from bot.services import GO_PREFIX, MENU_PAYLOAD, Services
from bot.turn import Turn
from bot.zalo.events import (
    ChatNowEvent,
    FollowEvent,
    GroupMessageEvent,
    OAMessageEvent,
    ReceiptEvent,
    SubmitInfoEvent,
    UserMessageEvent,
    ZaloEvent,
    parse_event,
)
from bot.zalo.messages import fingerprint
from db import outbox, residents
from db.models import InboundEvent

log = logging.getLogger(__name__)


class Interceptor(Protocol):
    """Sees a resident's text before normal routing (e.g. a conversation handed to a team
    member, or a team leader's commands); returns True when it has handled the text.
    Photos, stickers, files... are offered too, with text "" (the message is `turn.event`)."""

    def intercept(self, turn: Turn, state: FlowState, text: str) -> bool: ...


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
    """`handle(session, event_row, now)` is the processor's handler."""

    def __init__(self, services: Services, interceptors: tuple[Interceptor, ...] = ()) -> None:
        self.services = services
        self.interceptors = interceptors

    # -- processor callbacks -----------------------------------------------------------------

    def handle(self, session: Session, row: InboundEvent, now: datetime) -> None:
        event = parse_event(row.payload)
        turn = Turn(session=session, now=now, services=self.services, event_row=row, event=event)
        handler = self._handler_for(event)
        handler(turn)
        turn.commit_outgoing()

    def on_failure(self, session: Session, row: InboundEvent, now: datetime) -> None:
        """The event could not be handled: apologise instead of staying silent."""
        event = parse_event(row.payload)
        if not isinstance(event, UserMessageEvent | FollowEvent | ChatNowEvent):
            return
        if isinstance(event, FollowEvent) and event.event_name != "follow":
            return
        turn = Turn(session=session, now=now, services=self.services, event_row=row, event=event)
        turn.resident = residents.touch(
            session, zalo_user_id=event.subject_id, now=now, interacted=False
        )
        turn.say(self.services.texts.get("error_generic"))
        turn.log("error_reply", value=row.event_name)
        turn.commit_outgoing()

    # -- routing by event type ---------------------------------------------------------------

    def _handler_for(self, event: ZaloEvent) -> Callable[[Turn], None]:
        if isinstance(event, UserMessageEvent):
            return self._on_text if event.kind == "text" else self._on_other_message
        if isinstance(event, FollowEvent):
            return self._on_follow if event.event_name == "follow" else self._on_unfollow
        if isinstance(event, ChatNowEvent):
            return self._on_chatnow
        if isinstance(event, OAMessageEvent):
            return self._on_echo
        if isinstance(event, ReceiptEvent):
            return self._on_receipt
        if isinstance(event, SubmitInfoEvent):
            return self._on_submit_info
        if isinstance(event, GroupMessageEvent):
            return self._on_group
        return self._on_unknown

    def _resident(self, turn: Turn, *, interacted: bool) -> None:
        turn.resident = residents.touch(
            turn.session, zalo_user_id=turn.event.subject_id, now=turn.now, interacted=interacted
        )

    def _on_follow(self, turn: Turn) -> None:
        self._resident(turn, interacted=True)
        assert turn.resident is not None
        returning = turn.resident.followed_at is not None
        residents.set_following(turn.session, resident=turn.resident, following=True, now=turn.now)
        turn.log("follow", value="again" if returning else "new")
        texts = self.services.texts
        name = turn.resident.display_name or "bạn"
        lead = texts.get("welcome", name=name, commune=self.services.commune_name)
        self.services.show_menu(turn, lead=lead)

    def _on_unfollow(self, turn: Turn) -> None:
        self._resident(turn, interacted=False)
        assert turn.resident is not None
        residents.set_following(turn.session, resident=turn.resident, following=False, now=turn.now)
        turn.log("unfollow")

    def _on_chatnow(self, turn: Turn) -> None:
        self._resident(turn, interacted=True)
        turn.log("chat_now")

    def _on_submit_info(self, turn: Turn) -> None:
        # The shared contact details are not needed for any statistic: nothing is kept.
        self._resident(turn, interacted=True)
        turn.log("submit_info")

    def _on_group(self, turn: Turn) -> None:
        turn.log("group_message", value=turn.event.event_name)

    def _on_unknown(self, turn: Turn) -> None:
        log.info("unknown event %s acknowledged", turn.event.event_name)
        turn.log("unknown_event", value=turn.event.event_name)

    def _on_receipt(self, turn: Turn) -> None:
        assert isinstance(turn.event, ReceiptEvent)
        outbox.record_receipt(
            turn.session,
            message_ids=turn.event.message_ids,
            seen=turn.event.event_name == "user_seen_message",
            at=turn.now,
        )

    def _on_echo(self, turn: Turn) -> None:
        """Our own echoes are recorded by the webhook (`record_inline`); what reaches the
        dispatcher is a message a person typed in the OA's inbox."""
        assert isinstance(turn.event, OAMessageEvent)
        turn.log("admin_reply", value=turn.event.admin_id)

    def _on_other_message(self, turn: Turn) -> None:
        assert isinstance(turn.event, UserMessageEvent)
        self._resident(turn, interacted=True)
        kind = turn.event.kind
        turn.log("message_in", value=kind)
        if self._intercepted(turn):
            return
        if kind == "link" and self.services.flows.has("scam_check"):
            # A shared link is what scams arrive as: offer to check it.
            assert turn.resident is not None and turn.resident.id is not None
            store = SqlStore(turn.session)
            state = store.get(turn.resident.id) or FlowState()
            if state.mode == "bot":
                link = _link_of(turn.event)
                self._start_flow(turn, state, "scam_check", via="link", data={"query": link})
                self.services.flows.touch(turn, state)
                store.save(turn.resident.id, state)
                return
        texts = self.services.texts
        key = f"non_text.{kind}"
        text = texts.get(key) if texts.has(key) else texts.get("fallback")
        self.services.show_menu(turn, lead=text)

    def _intercepted(self, turn: Turn) -> bool:
        """Offer a non-text message to the interceptors (a photo meant for the team member
        who has the conversation must not get the bot's answer)."""
        if not self.interceptors:
            return False
        assert turn.resident is not None and turn.resident.id is not None
        store = SqlStore(turn.session)
        state = store.get(turn.resident.id) or FlowState()
        if not any(i.intercept(turn, state, "") for i in self.interceptors):
            return False
        store.save(turn.resident.id, state)
        return True

    # -- text ------------------------------------------------------------------------------

    def _on_text(self, turn: Turn) -> None:
        assert isinstance(turn.event, UserMessageEvent)
        self._resident(turn, interacted=True)
        assert turn.resident is not None and turn.resident.id is not None
        text = (turn.event.message.text or "").strip()
        turn.log("message_in", value="text")
        store = SqlStore(turn.session)
        state = store.get(turn.resident.id) or FlowState()
        self._privacy_warning(turn)
        flows = self.services.flows
        if flows.expired(turn, state):
            flows.time_out(turn, state)
            turn.say(Reply(self.services.texts.get("restarted")))
        if not any(i.intercept(turn, state, text) for i in self.interceptors):
            self._route_text(turn, state, text)
        flows.touch(turn, state)
        store.save(turn.resident.id, state)

    def _privacy_warning(self, turn: Turn) -> None:
        kinds = [k for k in (turn.event_row.redacted or "").split(",") if k]
        if not kinds:
            return
        texts = self.services.texts
        what = ", ".join(texts.get(f"privacy_kinds.{k}") for k in kinds)
        turn.say(texts.get("privacy_warning", what=what))
        turn.log("privacy_redacted", value=",".join(kinds))

    def _route_text(self, turn: Turn, state: FlowState, text: str) -> None:
        services = self.services
        flows = services.flows
        texts = services.texts
        command = services.router.global_command(text)
        if command == "menu":
            flows.cancel(turn, state, reason="menu")
            services.show_menu(turn)
            return
        if command == "cancel":
            key = "cancelled" if flows.cancel(turn, state) else "nothing_to_cancel"
            services.show_menu(turn, lead=texts.get(key))
            return
        if command == "back":
            if not flows.back(turn, state):
                services.show_menu(turn, lead=texts.get("nothing_to_go_back"))
            return
        if text == MENU_PAYLOAD:
            flows.cancel(turn, state, reason="menu")
            services.show_menu(turn)
            return
        if text.startswith(GO_PREFIX):
            self._start_flow(turn, state, text.removeprefix(GO_PREFIX), via="menu")
            return
        if flows.on_payload(turn, state, text):
            return
        if state.active and flows.on_text(turn, state, text):
            return
        self._by_intent(turn, state, text)

    def _start_flow(
        self,
        turn: Turn,
        state: FlowState,
        flow_id: str,
        *,
        via: str,
        data: dict[str, str] | None = None,
    ) -> None:
        flows = self.services.flows
        if flows.has(flow_id):
            flows.start(turn, state, flow_id, via=via, data=data)
            return
        label = next((i.label for i in self.services.menu.main if i.flow_id == flow_id), flow_id)
        turn.log("feature_unavailable", flow=flow_id)
        self.services.show_menu(turn, lead=self.services.texts.get("feature_coming", feature=label))

    def _by_intent(self, turn: Turn, state: FlowState, text: str) -> None:
        services = self.services
        texts = services.texts
        route = services.router.route(text, procedure_lookup=services.procedure_lookup)
        intent = route.intent
        turn.log("intent", value=intent, confidence=round(route.confidence, 3))
        flow_id = FLOWS.get(intent)
        if flow_id is not None:
            data = {"query": text}
            if route.procedure:
                data["code"] = route.procedure
            self._start_flow(turn, state, flow_id, via="intent", data=data)
            return
        name = turn.resident.display_name if turn.resident and turn.resident.display_name else "bạn"
        if intent == "greeting":
            services.show_menu(turn, lead=texts.get("greeting", name=name))
            return
        if intent in ("thanks", "goodbye"):
            turn.say(texts.get(intent))
            return
        if intent in ("menu", "cancel", "back"):
            self._route_text(
                turn, state, {"menu": "menu", "cancel": "hủy", "back": "quay lại"}[intent]
            )
            return
        if state.active and not state.data.get("_finished"):
            services.flows.reask(turn, state)
            return
        turn.log("unanswered", value=text[:300])
        services.show_menu(turn, lead=texts.get("fallback"))


def _link_of(event: UserMessageEvent) -> str:
    for attachment in event.message.attachments:
        if isinstance(attachment.payload, dict) and attachment.payload.get("url"):
            return str(attachment.payload["url"])
    return event.message.text or ""
