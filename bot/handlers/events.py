"""What each kind of Zalo event gets: follow, unfollow, receipts, echoes, messages…"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bot.flows.store import FlowState, SqlStore
from bot.replies import Reply
from bot.zalo.errors import BILLING_CODES
from bot.zalo.events import (
    ChatNowEvent,
    FollowEvent,
    GroupMemberEvent,
    GroupMessageEvent,
    OAMessageEvent,
    ReceiptEvent,
    SubmitInfoEvent,
    UserMessageEvent,
    ZaloEvent,
)
from db import org, outbox, residents

if TYPE_CHECKING:
    from bot.handlers.base import Handler
    from bot.turn import Turn

log = logging.getLogger(__name__)

EventHandler = Callable[["Turn"], None]


def touch_resident(turn: Turn, *, interacted: bool) -> None:
    turn.resident = residents.touch(
        turn.session, zalo_user_id=turn.event.subject_id, now=turn.now, interacted=interacted
    )
    if interacted:
        # The free 48-hour window is open again: messages held for billing go out now.
        outbox.release_billing_holds(
            turn.session, recipient=turn.event.subject_id, now=turn.now, codes=BILLING_CODES
        )


def on_follow(turn: Turn, *, notice: Callable[[Turn], str | None] | None = None) -> None:
    """The welcome and the menu, as one message; `notice(turn)`, when given, adds a text
    under the welcome (a feature's first-contact notice). A feature's offer (`Feature.offers`)
    makes the welcome its own message, with the offer's button, before the menu."""
    touch_resident(turn, interacted=True)
    assert turn.resident is not None
    returning = turn.resident.followed_at is not None
    residents.set_following(turn.session, resident=turn.resident, following=True, now=turn.now)
    turn.log("follow", value="again" if returning else "new")
    services = turn.services
    name = turn.resident.display_name or "bạn"
    lead = services.texts.get("welcome", name=name, commune=services.commune_name)
    extra = notice(turn) if notice is not None else None
    lead = f"{lead.rstrip()}\n\n{extra.strip()}" if extra else lead
    offer = services.offer(turn, "follow")
    if offer is None:
        services.show_menu(turn, lead=lead)
        return
    # A feature's offer (with its button) goes with the welcome; the menu comes last.
    turn.say(Reply(f"{lead.rstrip()}\n\n{offer.text.strip()}", buttons=offer.buttons))
    services.show_menu(turn)


def on_unfollow(turn: Turn) -> None:
    touch_resident(turn, interacted=False)
    assert turn.resident is not None
    residents.set_following(turn.session, resident=turn.resident, following=False, now=turn.now)
    turn.log("unfollow")


def on_chatnow(turn: Turn) -> None:
    touch_resident(turn, interacted=True)
    turn.log("chat_now")


def on_submit_info(turn: Turn) -> None:
    # The shared contact details are not needed for any statistic: nothing is kept.
    touch_resident(turn, interacted=True)
    turn.log("submit_info")


def on_group(turn: Turn) -> None:
    turn.log("group_message", value=turn.event.event_name)


def on_group_member(turn: Turn) -> None:
    """Members joined, were accepted or refused, or left an OA-managed group. The project
    keeps no member lists (residents are reached 1:1 or through the whole group), so the
    change is counted per group, without the members' ids."""
    assert isinstance(turn.event, GroupMemberEvent)
    event = turn.event
    known = org.group_by_zalo_id(turn.session, group_id=event.group_id) is not None
    if not known:
        log.info("group event %s for a group not in the organisation file", event.event_name)
    turn.log(
        "group_member",
        value=event.change,
        group_id=event.group_id,
        users=len(event.users),
        known_group=known,
    )


def on_unknown(turn: Turn) -> None:
    log.info("unknown event %s acknowledged", turn.event.event_name)
    turn.log("unknown_event", value=turn.event.event_name)


def on_receipt(turn: Turn) -> None:
    assert isinstance(turn.event, ReceiptEvent)
    outbox.record_receipt(
        turn.session,
        message_ids=turn.event.message_ids,
        seen=turn.event.event_name == "user_seen_message",
        at=turn.now,
    )


def on_echo(turn: Turn) -> None:
    """Our own echoes are recorded by the webhook (`record_inline`); what reaches the
    dispatcher is a message a person typed in the OA's inbox."""
    assert isinstance(turn.event, OAMessageEvent)
    turn.log("admin_reply", value=turn.event.admin_id)


def run_chain(chain: tuple[Handler, ...], turn: Turn, state: FlowState, text: str) -> Handler:
    """The first handler that answers (the chain's last one always does)."""
    for handler in chain:
        if handler.handle(turn, state, text):
            return handler
    return chain[-1]


def on_text(turn: Turn, chain: tuple[Handler, ...]) -> None:
    assert isinstance(turn.event, UserMessageEvent)
    touch_resident(turn, interacted=True)
    assert turn.resident is not None and turn.resident.id is not None
    text = (turn.event.message.text or "").strip()
    turn.log("message_in", value="text")
    store = SqlStore(turn.session)
    state = store.get(turn.resident.id) or FlowState()
    privacy_warning(turn)
    flows = turn.services.flows
    if flows.expired(turn, state):
        flows.time_out(turn, state)
        turn.say(Reply(turn.services.texts.get("restarted")))
    run_chain(chain, turn, state, text)
    flows.touch(turn, state)
    store.save(turn.resident.id, state)


def on_other_message(turn: Turn, chain: tuple[Handler, ...]) -> None:
    """A photo, sticker, file, link…: offered to the chain with text ""; the state is kept
    when a handler other than the generic reply answered."""
    assert isinstance(turn.event, UserMessageEvent)
    touch_resident(turn, interacted=True)
    assert turn.resident is not None and turn.resident.id is not None
    turn.log("message_in", value=turn.event.kind)
    store = SqlStore(turn.session)
    state = store.get(turn.resident.id) or FlowState()
    if run_chain(chain, turn, state, "") is not chain[-1]:
        store.save(turn.resident.id, state)


def privacy_warning(turn: Turn) -> None:
    kinds = [k for k in (turn.event_row.redacted or "").split(",") if k]
    if not kinds:
        return
    texts = turn.services.texts
    what = ", ".join(texts.get(f"privacy_kinds.{k}") for k in kinds)
    turn.say(texts.get("privacy_warning", what=what))
    turn.log("privacy_redacted", value=",".join(kinds))


def handler_for(
    event: ZaloEvent,
    text: tuple[Handler, ...],
    media: tuple[Handler, ...],
    by_name: Mapping[str, EventHandler],
) -> EventHandler:
    """What handles `event`: a feature's handler for its event name first, then by type."""
    if event.event_name in by_name:
        return by_name[event.event_name]
    if isinstance(event, UserMessageEvent):
        chain = text if event.kind == "text" else media
        run = on_text if event.kind == "text" else on_other_message
        return lambda turn: run(turn, chain)
    if isinstance(event, FollowEvent):
        return on_follow if event.event_name == "follow" else on_unfollow
    by_type: dict[type[ZaloEvent], EventHandler] = {
        ChatNowEvent: on_chatnow,
        OAMessageEvent: on_echo,
        ReceiptEvent: on_receipt,
        SubmitInfoEvent: on_submit_info,
        GroupMessageEvent: on_group,
        GroupMemberEvent: on_group_member,
    }
    return next((h for t, h in by_type.items() if isinstance(event, t)), on_unknown)
