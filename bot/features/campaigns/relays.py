"""A team member's "Đã chuyển vào nhóm": the group's relay is done for every member asked
to forward the same post into the same group; the others are told who posted it, and get
no reminder."""

from __future__ import annotations

from bot.features.campaigns.notify import CONFIRM_PREFIX
from bot.replies import Reply
from bot.turn import Turn
from db import campaigns as rows
from db import org


def confirm_in_chat(turn: Turn, text: str) -> None:
    """The tap on a relay request's button (`#cr:<delivery id>`)."""
    resident = turn.resident
    assert resident is not None
    texts = turn.texts
    raw = text.removeprefix(CONFIRM_PREFIX)
    found = rows.delivery(turn.session, delivery_id=int(raw)) if raw.isdigit() else None
    if found is None or found.recipient != resident.zalo_user_id or found.id is None:
        turn.say(texts.get("campaigns.relay_unknown"))
        return
    member = org.member_by_zalo_id(turn.session, zalo_user_id=resident.zalo_user_id)
    by = member.name if member is not None else resident.display_name or resident.zalo_user_id
    row, first, others = rows.confirm_relay(turn.session, delivery_id=found.id, by=by, now=turn.now)
    if row is None:
        turn.say(texts.get("campaigns.relay_unknown"))
        return
    group = row.relay_group or ""
    if not first:
        at = row.relay_confirmed_at
        when = at.astimezone(turn.services.settings.tz).strftime("%H:%M %d/%m/%Y") if at else ""
        if row.relay_confirmed_by in (None, by):
            turn.say(texts.get("campaigns.relay_already"))
        else:
            turn.say(
                texts.get(
                    "campaigns.relay_already_by", by=row.relay_confirmed_by, at=when, group=group
                )
            )
        return
    turn.say(texts.get("campaigns.relay_thanks", group=group))
    turn.log("campaign_relay_confirmed", value=str(row.campaign_id))
    campaign = rows.get(turn.session, campaign_id=row.campaign_id)
    title = campaign.title if campaign is not None else ""
    when = turn.now.astimezone(turn.services.settings.tz).strftime("%H:%M %d/%m/%Y")
    for other in others:
        told = texts.get("campaigns.relay_done_by", by=by, at=when, group=group, title=title)
        turn.notify(other.recipient, Reply(told))
