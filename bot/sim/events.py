"""The webhook events the simulator builds (what Zalo would POST to the bot) and the record of
what the OA sent."""

from __future__ import annotations

from typing import Any

from bot.sim.state import Sent, SimState, new_id
from bot.sim.validation import echo_kind
from bot.sim.webhook import WebhookDispatcher


def envelope(state: SimState, name: str) -> dict[str, Any]:
    return {"app_id": state.config.app_id, "event_name": name, "timestamp": str(state.now_ms())}


def user_event(state: SimState, user_id: str, kind: str, message: dict[str, Any]) -> dict[str, Any]:
    """A `user_send_<kind>` event: the user wrote to the OA."""
    user = state.users[user_id]
    return envelope(state, f"user_send_{kind}") | {
        "user_id_by_app": user.user_id_by_app,
        "sender": {"id": user_id},
        "recipient": {"id": state.config.oa_id},
        "message": message,
    }


def record_send(
    state: SimState, endpoint: str, recipient: str, kind: str, body: dict[str, Any]
) -> Sent:
    sent = Sent(
        seq=state.next_seq(),
        message_id=new_id(),
        endpoint=endpoint,
        recipient=recipient,
        recipient_kind=kind,
        body=body,
        sent_at_ms=state.now_ms(),
    )
    state.outbox.append(sent)
    return sent


def _echo_message(sent: Sent, message: dict[str, Any]) -> dict[str, Any]:
    echo: dict[str, Any] = {"msg_id": sent.message_id}
    if "text" in message and "attachment" not in message:
        echo["text"] = message["text"]
    else:
        echo["attachments"] = [message.get("attachment")]
        if message.get("text"):
            echo["text"] = message["text"]
    return echo


def echo_and_receipts(
    state: SimState, hooks: WebhookDispatcher, sent: Sent, user_id: str, message: dict[str, Any]
) -> None:
    """After a send to a user: the `oa_send_*` echo, then the received and seen receipts."""
    user = state.users[user_id]
    events: list[dict[str, Any]] = []
    base = {
        "user_id_by_app": user.user_id_by_app,
        "sender": {"id": state.config.oa_id},
        "recipient": {"id": user_id},
    }
    if state.switches.get("echo", True):
        echo = _echo_message(sent, message)
        events.append(envelope(state, f"oa_send_{echo_kind(message)}") | base | {"message": echo})
    if not state.switches.get("drop_receipts"):
        received = {"message": {"msg_id": sent.message_id}}
        seen = {"message": {"msg_ids": [sent.message_id]}}
        events.append(envelope(state, "user_received_message") | base | received)
        events.append(envelope(state, "user_seen_message") | base | seen)
    if events:
        delay_s = state.config.echo_delay_ms / 1000
        hooks.deliver_in_background(events, lane=user_id, delay_s=delay_s)
