"""Approval: a campaign created by a village leader (when `campaign_requires_approval`) waits
until a commune leader taps "Duyệt" or "Không duyệt"; its author is told the decision."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.features.campaigns import schedule as sched
from bot.features.campaigns.notify import enqueue_reply, quiet_hold
from bot.features.campaigns.scope import Actor
from bot.features.campaigns.spec import Context, commune_name, render_for
from bot.replies import Button, Reply
from db import org
from db.models import Campaign, Village

# Buttons a commune leader gets for a campaign waiting for approval.
APPROVE_PREFIX = "#ca:"
REJECT_PREFIX = "#cx:"


def _village_names(villages: list[Village]) -> str:
    return ", ".join(v.name for v in villages[:3]) + (
        f" và {len(villages) - 3} thôn khác" if len(villages) > 3 else ""
    )


def _author(session: Session, actor: Actor) -> str:
    if actor.member_id is None:
        return actor.name
    member = org.member_by_id(session, member_id=actor.member_id)
    return member.name if member is not None else actor.name


def ask_approval(
    session: Session,
    campaign: Campaign,
    villages: list[Village],
    actor: Actor,
    *,
    now: datetime,
    ctx: Context,
) -> None:
    """Each commune leader gets the campaign's preview with "Duyệt" / "Không duyệt" buttons."""
    assert campaign.id is not None
    texts = ctx.texts
    commune = commune_name(session)
    preview = render_for(
        campaign,
        ctx.templates,
        commune=commune,
        village=villages[0].name if villages else commune,
        day=now.astimezone(ctx.settings.tz).strftime("%d/%m/%Y"),
    )
    reply = Reply(
        texts.get(
            "campaigns.approval_ask",
            id=campaign.id,
            title=campaign.title,
            author=_author(session, actor),
            villages=_village_names(villages),
            when=sched.describe(campaign.next_run_at, ctx.settings.tz),
            text=preview,
        ),
        buttons=(
            Button(texts.get("campaigns.approve_button"), payload=f"{APPROVE_PREFIX}{campaign.id}"),
            Button(texts.get("campaigns.reject_button"), payload=f"{REJECT_PREFIX}{campaign.id}"),
        ),
    )
    hold = quiet_hold(ctx.settings, now)
    for leader in org.commune_leaders(session):
        key = f"camp-approval:{campaign.id}:{leader.id}"
        enqueue_reply(session, key, leader.zalo_user_id, reply, now, hold, ctx)


def tell_author(
    session: Session, campaign: Campaign, key: str, *, now: datetime, ctx: Context
) -> None:
    """Let the team member who created a campaign know it was approved or rejected."""
    if campaign.created_by_member_id is None:
        return
    member = org.member_by_id(session, member_id=campaign.created_by_member_id)
    if member is None:
        return
    reply = Reply(ctx.texts.get(key, id=campaign.id, title=campaign.title))
    enqueue_reply(
        session, f"camp-decision:{campaign.id}", member.zalo_user_id, reply, now, None, ctx
    )
