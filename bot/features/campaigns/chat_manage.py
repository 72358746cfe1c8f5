"""A leader's campaigns in chat after the wizard: "lịch thông báo" (to send, and sent lately),
"Hủy số N" with its Có/Không, and a commune leader's "Duyệt" / "Không duyệt"."""

from __future__ import annotations

from typing import Any

from bot.features.campaigns import lifecycle
from bot.features.campaigns.approval import APPROVE_PREFIX, REJECT_PREFIX
from bot.features.campaigns.chat_base import (
    WIZARD,
    offer,
    p,
    recent,
    said_when,
    wizard_templates,
    yes_or_no,
)
from bot.features.campaigns.scope import Actor, actor_for_member, load_for_change
from bot.features.campaigns.spec import CampaignError, Context
from bot.flows.store import FlowState
from bot.replies import Button, Reply
from bot.turn import Turn
from db import campaigns as rows


def show_list(turn: Turn, actor: Actor) -> None:
    """Campaigns still to send (each with "Hủy số N"), then those sent in `SENT_SHOWN`."""
    texts = turn.texts
    found = rows.listing(
        turn.session,
        member_id=None if actor.commune_wide else actor.member_id,
        village_ids=actor.village_ids,
        statuses=("scheduled", "paused", "pending_approval", "done"),
        limit=10,
    )
    waiting = [c for c in found if c.status != "done"][:5]
    sent = [c for c in found if c.status == "done" and recent(c.updated_at, turn.now)][:3]
    if not waiting and not sent:
        turn.say(texts.get("campaigns.list_empty"))
        return
    lines = []
    for title, group in (("list_title", waiting), ("list_title_sent", sent)):
        if group:
            lines.append(texts.get(f"campaigns.{title}"))
            lines.extend(list_item(turn, c) for c in group)
    buttons = [
        Button(texts.get("campaigns.cancel_number_button", id=c.id), payload=p("cancel", c.id))
        for c in waiting
    ]
    turn.say(Reply("\n".join(lines), buttons=tuple(buttons)))


def list_item(turn: Turn, c: Any) -> str:
    when = c.next_run_at if c.status != "done" else c.updated_at
    return str(
        turn.texts.get(
            "campaigns.list_item",
            id=c.id,
            title=c.title,
            when=said_when(turn, when) if when else "—",
            status=turn.texts.get(f"campaigns.status.{c.status}"),
        )
    )


def ask_cancel(turn: Turn, state: FlowState, actor: Actor, raw: str) -> None:
    """ "Hủy số N": which campaign, then Có/Không; nothing is cancelled before "Có"."""
    campaign = None
    if raw.isdigit():
        try:
            campaign = load_for_change(turn.session, int(raw), actor)
        except CampaignError:
            campaign = None
    if campaign is None or campaign.status not in ("scheduled", "paused", "pending_approval"):
        turn.say(turn.texts.get("campaigns.cancel_refused", id=raw))
        return
    turn.services.flows.reset(state)
    state.flow_id, state.step_id, state.data = WIZARD, "drop", {"id": campaign.id}
    when = campaign.next_run_at
    offer(
        turn,
        state,
        Reply(
            turn.texts.get(
                "campaigns.ask_cancel",
                id=campaign.id,
                title=campaign.title,
                when=said_when(turn, when) if when else "—",
            ),
            buttons=(
                Button(turn.texts.get("campaigns.yes_cancel_button"), payload=p("drop", raw)),
                Button(turn.texts.get("campaigns.no_button"), payload=p("leave", raw)),
            ),
        ),
    )


def on_drop(turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
    raw = str(state.data.get("id", ""))
    answer = yes_or_no(text)
    if answer is None and not text.startswith(p("leave")):
        ask_cancel(turn, state, actor, raw)
        return
    turn.services.flows.reset(state)
    if answer is True:
        cancel(turn, actor, raw)
    else:
        turn.say(turn.texts.get("campaigns.kept", id=raw))


def cancel(turn: Turn, actor: Actor, raw: str) -> None:
    if not raw.isdigit():
        return
    try:
        lifecycle.change(turn.session, int(raw), "cancel", actor, now=turn.now)
    except CampaignError:
        turn.say(turn.texts.get("campaigns.cancel_refused", id=raw))
        return
    turn.say(turn.texts.get("campaigns.cancelled", id=raw))


def decide(turn: Turn, text: str) -> None:
    """A commune leader's "Duyệt" / "Không duyệt" on a campaign waiting for approval."""
    assert turn.resident is not None
    approve = text.startswith(APPROVE_PREFIX)
    raw = text.removeprefix(APPROVE_PREFIX if approve else REJECT_PREFIX)
    actor, _ = actor_for_member(turn.session, turn.resident.zalo_user_id)
    if actor is None or not raw.isdigit():
        turn.say(turn.texts.get("campaigns.not_allowed"))
        return
    if not actor.commune_wide:
        turn.say(turn.texts.get("campaigns.approve_refused", id=raw))
        return
    ctx = Context(
        settings=turn.services.settings, templates=wizard_templates(turn), texts=turn.texts
    )
    action = "approve" if approve else "cancel"
    try:
        campaign = load_for_change(turn.session, int(raw), actor)
        if campaign.status != "pending_approval":
            raise CampaignError(409, "not waiting for approval")
        lifecycle.change(turn.session, int(raw), action, actor, now=turn.now, ctx=ctx)
    except CampaignError:
        turn.say(turn.texts.get("campaigns.approve_refused", id=raw))
        return
    turn.say(turn.texts.get("campaigns.approved" if approve else "campaigns.rejected", id=raw))
    turn.log("campaign_approved" if approve else "campaign_rejected", value=raw)
