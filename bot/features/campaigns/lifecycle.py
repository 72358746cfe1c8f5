"""Creating and changing campaigns: create within scope, edit before it starts, pause, resume,
cancel, approve, skip one occurrence. Each change is written to the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.features.campaigns import schedule as sched
from bot.features.campaigns.approval import ask_approval, tell_author
from bot.features.campaigns.scope import Actor, check_commune_groups, load_for_change, villages_for
from bot.features.campaigns.spec import (
    CampaignError,
    Context,
    Spec,
    check_spec,
    ordered_kinds,
    schedule_of,
)
from db import admin as audit_rows
from db import campaigns as rows
from db.models import Campaign, Village

# The statuses each action may start from. A campaign whose last occurrence has fired is
# "done" but may still be sending: it can be paused (its queued sends wait) or cancelled
# (they are withdrawn).
ALLOWED = {
    "pause": ("scheduled", "done"),
    "resume": ("paused",),
    "cancel": ("scheduled", "paused", "pending_approval", "done"),
    "approve": ("pending_approval",),
}


def _checked(
    session: Session, spec: Spec, actor: Actor, *, now: datetime, ctx: Context
) -> tuple[list[Village], str, sched.Schedule]:
    """What creating and editing share: the villages within scope, the title, and the
    schedule ("now" pinned to `now`), or a CampaignError with the reason."""
    villages = villages_for(session, spec, actor)
    title = check_spec(session, spec, ctx, villages)
    check_commune_groups(spec, actor)
    schedule = spec.schedule
    if schedule.kind == "now":
        schedule = replace(schedule, run_at=now)
    try:
        sched.validate(schedule, now=now, tz=ctx.settings.tz)
    except sched.ScheduleError as exc:
        raise CampaignError(400, str(exc)) from None
    return villages, title, schedule


def _columns(
    spec: Spec,
    villages: list[Village],
    title: str,
    schedule: sched.Schedule,
    *,
    now: datetime,
    ctx: Context,
) -> dict[str, Any]:
    """The campaign's columns that creating and editing both set from a checked spec."""
    return {
        "title": title,
        "template_id": spec.template_id or None,
        "text": None if spec.template_id else (spec.text or "").strip(),
        "variables": dict(spec.variables),
        "target_kinds": ordered_kinds(spec.target_kinds),
        "village_ids": [v.id for v in villages if v.id is not None],
        "commune_groups": spec.commune_groups,
        "schedule_kind": schedule.kind,
        "run_at": schedule.run_at,
        "cron": schedule.cron,
        "daily_time": schedule.daily_time,
        "start_date": schedule.start_date,
        "end_date": schedule.end_date,
        "urgent": spec.urgent,
        "next_run_at": sched.first_occurrence(schedule, now=now, tz=ctx.settings.tz),
    }


def create(session: Session, spec: Spec, actor: Actor, *, now: datetime, ctx: Context) -> Campaign:
    if not actor.can_create:
        raise CampaignError(403, "this role may not create campaigns")
    villages, title, schedule = _checked(session, spec, actor, now=now, ctx=ctx)
    needs_approval = ctx.settings.campaign_requires_approval and not actor.commune_wide
    campaign = Campaign(
        **_columns(spec, villages, title, schedule, now=now, ctx=ctx),
        status="pending_approval" if needs_approval else "scheduled",
        created_by=actor.name,
        created_by_member_id=actor.member_id,
        created_at=now,
        updated_at=now,
    )
    rows.add(session, campaign)
    audit_rows.audit(
        session,
        actor=actor.name,
        action="campaign.create",
        now=now,
        target=f"campaign:{campaign.id}",
        detail={"title": title, "status": campaign.status, "villages": campaign.village_ids},
    )
    if needs_approval:
        ask_approval(session, campaign, villages, actor, now=now, ctx=ctx)
    return campaign


def _apply(session: Session, campaign: Campaign, action: str, actor: Actor, now: datetime) -> int:
    """Set the status an action leads to; the number of queued sends cancelled."""
    assert campaign.id is not None
    cancelled_sends = 0
    if action == "pause":
        rows.save(session, campaign, now=now, status="paused")
        rows.hold_pending(session, campaign_id=campaign.id)
    elif action == "cancel":
        rows.save(session, campaign, now=now, status="cancelled", next_run_at=None)
        cancelled_sends = rows.cancel_pending(session, campaign_id=campaign.id)
    else:
        approval = {"approved_by": actor.name, "approved_at": now} if action == "approve" else {}
        status = "scheduled" if campaign.next_run_at is not None else "done"
        rows.save(session, campaign, now=now, status=status, **approval)
        if action == "resume":
            rows.release_held(session, campaign_id=campaign.id, now=now)
    return cancelled_sends


def change(
    session: Session,
    campaign_id: int,
    action: str,
    actor: Actor,
    *,
    now: datetime,
    ctx: Context | None = None,
) -> Campaign:
    """pause, resume, cancel or approve. With `ctx`, the author of a campaign that waited for
    approval is told when it is approved or rejected (cancelled by someone else)."""
    campaign = load_for_change(session, campaign_id, actor)
    was = campaign.status
    if action not in ALLOWED:
        raise CampaignError(400, f"unknown action '{action}'")
    if action == "approve" and not actor.commune_wide:
        raise CampaignError(403, "only a commune leader or an admin approves campaigns")
    if campaign.status not in ALLOWED[action]:
        raise CampaignError(409, f"cannot {action} a campaign that is {campaign.status}")
    cancelled_sends = _apply(session, campaign, action, actor, now)
    audit_rows.audit(
        session,
        actor=actor.name,
        action=f"campaign.{action}",
        now=now,
        target=f"campaign:{campaign.id}",
        detail={"cancelled_sends": cancelled_sends} if action == "cancel" else None,
    )
    if ctx is not None and was == "pending_approval":
        if action == "approve":
            tell_author(session, campaign, "campaigns.approved_notice", now=now, ctx=ctx)
        elif action == "cancel" and campaign.created_by_member_id != actor.member_id:
            tell_author(session, campaign, "campaigns.rejected_notice", now=now, ctx=ctx)
    return campaign


def skip(
    session: Session, campaign_id: int, when: datetime, actor: Actor, *, now: datetime, tz: Any
) -> str:
    """Skip the occurrence at `when` (UTC) of a campaign; its key."""
    campaign = load_for_change(session, campaign_id, actor)
    schedule = schedule_of(campaign)
    occurrence = sched.next_after(schedule, when - timedelta(seconds=1), tz=tz)
    if occurrence != when:
        raise CampaignError(400, "the campaign has no occurrence at that time")
    if when <= now:
        raise CampaignError(409, "that occurrence is not in the future")
    key = rows.occurrence_key(when)
    rows.save(session, campaign, now=now, skip_keys=sorted({*campaign.skip_keys, key}))
    audit_rows.audit(
        session,
        actor=actor.name,
        action="campaign.skip",
        now=now,
        target=f"campaign:{campaign.id}",
        detail={"occurrence": key},
    )
    return key


def edit(
    session: Session, campaign_id: int, spec: Spec, actor: Actor, *, now: datetime, ctx: Context
) -> Campaign:
    """Change a campaign that has not started yet (no occurrence fired)."""
    campaign = load_for_change(session, campaign_id, actor)
    assert campaign.id is not None
    if campaign.status not in ("scheduled", "paused", "pending_approval"):
        raise CampaignError(409, f"cannot edit a campaign that is {campaign.status}")
    if rows.occurrences(session, campaign_id=campaign.id):
        raise CampaignError(409, "this campaign has started; cancel it and create a new one")
    villages, title, schedule = _checked(session, spec, actor, now=now, ctx=ctx)
    approval: dict[str, Any] = {}
    if ctx.settings.campaign_requires_approval and not actor.commune_wide:
        approval = {"status": "pending_approval", "approved_at": None, "approved_by": None}
    rows.save(
        session,
        campaign,
        now=now,
        **_columns(spec, villages, title, schedule, now=now, ctx=ctx),
        **approval,
    )
    audit_rows.audit(
        session, actor=actor.name, action="campaign.edit", now=now, target=f"campaign:{campaign.id}"
    )
    return campaign
