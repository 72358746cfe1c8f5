"""Campaigns: create within scope, approve, pause/resume/cancel/skip/edit, fan out each due
occurrence to its targets, follow the outbox's results, remind unconfirmed relays, report.

Targets of an occurrence, per village aimed at:
- `group`: each OA-managed Zalo group (GMF) gets the post through the group message API;
- `relay`: for each group the OA does not manage, every active team member serving the
  village gets the ready-to-forward post 1:1 with a "Đã chuyển vào nhóm" button;
- `followers`: residents with `news_opt_in` who still follow the OA, 1:1, only while Zalo's
  free messaging window is open (`campaign_window_hours` after their last interaction);
  the others are recorded as skipped with the reason.

A due occurrence is sent at once; one that is late by at most `campaign_grace_min` is sent and
marked late; an older one is recorded as missed, never sent hours late by surprise. When
several occurrences were missed, only the latest can be sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot import failpoints
from bot.config import Settings
from bot.delivery import PRIORITY, queue_reply
from bot.features.campaigns import schedule as sched
from bot.features.campaigns.content import CampaignTemplate
from bot.replies import Button, Reply
from bot.texts import Texts
from bot.zalo.errors import WINDOW_CODES, reason
from bot.zalo.messages import MAX_TEXT, fingerprint
from db import admin as audit_rows
from db import campaigns as rows
from db import org, outbox
from db.models import Campaign, Village
from db.session import session_scope

log = logging.getLogger(__name__)

TARGET_KINDS = ("group", "relay", "followers")
CONFIRM_PREFIX = "#cr:"
# Buttons a commune leader gets for a campaign waiting for approval.
APPROVE_PREFIX = "#ca:"
REJECT_PREFIX = "#cx:"
# An occurrence fired within this long of its time is "on time"; later ones are "late".
ON_TIME = timedelta(minutes=2)
MAX_CATCH_UP = 1000


class CampaignError(Exception):
    """A request that cannot be done; `status` is the HTTP status an API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who acts: an API token or a team member in the chat."""

    name: str  # for the audit log: "token:3", "member:5"
    village_ids: frozenset[int] | None  # None: the whole commune
    member_id: int | None = None
    can_create: bool = True

    @property
    def commune_wide(self) -> bool:
        return self.village_ids is None


@dataclass
class Spec:
    """What a campaign should send, to whom and when (validated by `create`)."""

    title: str | None = None
    template_id: str | None = None
    text: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    target_kinds: list[str] = field(default_factory=lambda: ["group", "relay"])
    village_codes: list[str] | None = None  # None: every village in the actor's scope
    schedule: sched.Schedule = field(default_factory=lambda: sched.Schedule("now"))
    urgent: bool = False
    # Also post in the commune-level groups (commune-wide actors only).
    commune_groups: bool = False


@dataclass(frozen=True)
class Context:
    settings: Settings
    templates: dict[str, CampaignTemplate]
    texts: Texts


def actor_for_member(session: Session, zalo_user_id: str) -> tuple[Actor | None, str]:
    """The actor for a team member writing in Zalo, or (None, why not)."""
    member = org.member_by_zalo_id(session, zalo_user_id=zalo_user_id)
    if member is None or member.id is None:
        return None, "not_member"
    if member.role == "commune_leader":
        return Actor(f"member:{member.id}", None, member.id), ""
    if member.role == "village_leader":
        ids = frozenset(
            v.id for v in org.villages_of_member(session, member_id=member.id) if v.id is not None
        )
        return Actor(f"member:{member.id}", ids, member.id), ""
    return None, "not_leader"


# -- creating and changing campaigns ------------------------------------------------------


def _villages(session: Session, spec: Spec, actor: Actor) -> list[Village]:
    known = rows.villages_by_code(session)
    if spec.village_codes is None:
        chosen = [
            v for v in known.values() if actor.village_ids is None or v.id in actor.village_ids
        ]
    else:
        chosen = []
        for code in spec.village_codes:
            village = known.get(code)
            if village is None:
                raise CampaignError(400, f"unknown village '{code}'")
            chosen.append(village)
    if not chosen:
        raise CampaignError(400, "no village to send to")
    outside = [
        v.code for v in chosen if actor.village_ids is not None and v.id not in actor.village_ids
    ]
    if outside:
        raise CampaignError(403, f"outside your villages: {', '.join(sorted(outside))}")
    return sorted(chosen, key=lambda v: v.id or 0)


def render_for(
    campaign: Campaign | Spec,
    templates: dict[str, CampaignTemplate],
    *,
    commune: str,
    village: str,
    day: str,
) -> str:
    """The notice as one village reads it."""
    if campaign.template_id:
        template = templates.get(campaign.template_id)
        if template is None:
            raise CampaignError(400, f"unknown template '{campaign.template_id}'")
        values = {"date": day, **campaign.variables, "commune": commune, "village": village}
        try:
            return template.render(**values)
        except Exception as exc:  # noqa: BLE001 (a template error is the caller's bad input)
            raise CampaignError(400, f"template '{template.id}' cannot be filled: {exc}") from None
    return (campaign.text or "").strip()


def commune_name(session: Session) -> str:
    row = org.commune(session)
    return row.name if row is not None else "Xã"


def _check_spec(session: Session, spec: Spec, ctx: Context, villages: list[Village]) -> str:
    """Validate content and targets; the title to store."""
    kinds = [k for k in spec.target_kinds if k]
    if not kinds or any(k not in TARGET_KINDS for k in kinds):
        raise CampaignError(400, f"targets.kinds must be some of {', '.join(TARGET_KINDS)}")
    if bool(spec.template_id) == bool(spec.text and spec.text.strip()):
        raise CampaignError(400, "give either 'template' or 'text'")
    unknown_vars = set(spec.variables) - {"date", "place", "time"}
    if unknown_vars:
        raise CampaignError(400, f"unknown variables {sorted(unknown_vars)}")
    commune = commune_name(session)
    for village in villages:
        text = render_for(spec, ctx.templates, commune=commune, village=village.name, day="")
        if not text:
            raise CampaignError(400, "the notice is empty")
        if len(text) > MAX_TEXT:
            raise CampaignError(400, f"the notice is {len(text)} characters; Zalo takes {MAX_TEXT}")
    if spec.title:
        return spec.title.strip()[:200]
    if spec.template_id:
        return ctx.templates[spec.template_id].title
    return (spec.text or "").strip().splitlines()[0][:80]


def _checked(
    session: Session, spec: Spec, actor: Actor, *, now: datetime, ctx: Context
) -> tuple[list[Village], str, sched.Schedule]:
    """What creating and editing share: the villages within scope, the title, and the
    schedule ("now" pinned to `now`), or a CampaignError with the reason."""
    villages = _villages(session, spec, actor)
    title = _check_spec(session, spec, ctx, villages)
    _check_commune_groups(spec, actor)
    schedule = spec.schedule
    if schedule.kind == "now":
        schedule = replace(schedule, run_at=now)
    try:
        sched.validate(schedule, now=now, tz=ctx.settings.tz)
    except sched.ScheduleError as exc:
        raise CampaignError(400, str(exc)) from None
    return villages, title, schedule


def create(session: Session, spec: Spec, actor: Actor, *, now: datetime, ctx: Context) -> Campaign:
    if not actor.can_create:
        raise CampaignError(403, "this role may not create campaigns")
    villages, title, schedule = _checked(session, spec, actor, now=now, ctx=ctx)
    needs_approval = ctx.settings.campaign_requires_approval and not actor.commune_wide
    campaign = Campaign(
        title=title,
        template_id=spec.template_id or None,
        text=None if spec.template_id else (spec.text or "").strip(),
        variables=dict(spec.variables),
        target_kinds=sorted(set(spec.target_kinds), key=TARGET_KINDS.index),
        village_ids=[v.id for v in villages if v.id is not None],
        commune_groups=spec.commune_groups,
        schedule_kind=schedule.kind,
        run_at=schedule.run_at,
        cron=schedule.cron,
        daily_time=schedule.daily_time,
        start_date=schedule.start_date,
        end_date=schedule.end_date,
        urgent=spec.urgent,
        status="pending_approval" if needs_approval else "scheduled",
        next_run_at=sched.first_occurrence(schedule, now=now, tz=ctx.settings.tz),
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
        _ask_approval(session, campaign, villages, actor, now=now, ctx=ctx)
    return campaign


def _ask_approval(
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
    names = ", ".join(v.name for v in villages[:3]) + (
        f" và {len(villages) - 3} thôn khác" if len(villages) > 3 else ""
    )
    author = actor.name
    if actor.member_id is not None:
        member = org.member_by_id(session, member_id=actor.member_id)
        author = member.name if member is not None else author
    reply = Reply(
        texts.get(
            "campaigns.approval_ask",
            id=campaign.id,
            title=campaign.title,
            author=author,
            villages=names,
            when=sched.describe(campaign.next_run_at, ctx.settings.tz),
            text=preview,
        ),
        buttons=(
            Button(texts.get("campaigns.approve_button"), payload=f"{APPROVE_PREFIX}{campaign.id}"),
            Button(texts.get("campaigns.reject_button"), payload=f"{REJECT_PREFIX}{campaign.id}"),
        ),
    )
    hold = sched.quiet_until(
        now,
        start=ctx.settings.quiet_hours_start,
        end=ctx.settings.quiet_hours_end,
        tz=ctx.settings.tz,
    )
    for leader in org.commune_leaders(session):
        key = f"camp-approval:{campaign.id}:{leader.id}"
        _enqueue_reply(session, key, leader.zalo_user_id, reply, now, hold, ctx)


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
    _enqueue_reply(
        session, f"camp-decision:{campaign.id}", member.zalo_user_id, reply, now, None, ctx
    )


def _check_commune_groups(spec: Spec, actor: Actor) -> None:
    if spec.commune_groups and not actor.commune_wide:
        raise CampaignError(403, "only commune-wide campaigns post in the commune's groups")
    if (
        spec.commune_groups
        and "group" not in spec.target_kinds
        and "relay" not in spec.target_kinds
    ):
        raise CampaignError(400, "commune groups need the target kind group or relay")


def schedule_of(campaign: Campaign) -> sched.Schedule:
    return sched.Schedule(
        kind=campaign.schedule_kind,
        run_at=campaign.run_at,
        cron=campaign.cron,
        daily_time=campaign.daily_time,
        start_date=campaign.start_date,
        end_date=campaign.end_date,
    )


def load_for_change(
    session: Session, campaign_id: int, actor: Actor, *, lock: bool = True
) -> Campaign:
    campaign = rows.get(session, campaign_id=campaign_id, lock=lock)
    if campaign is None:
        raise CampaignError(404, f"no campaign {campaign_id}")
    if not may_see(campaign, actor):
        raise CampaignError(403, "this campaign is outside your villages")
    if not actor.can_create:
        raise CampaignError(403, "this role may not change campaigns")
    if (
        actor.member_id is not None
        and not actor.commune_wide
        and campaign.created_by_member_id != actor.member_id
    ):
        raise CampaignError(403, "only its author or a commune leader may change this campaign")
    return campaign


def may_see(campaign: Campaign, actor: Actor) -> bool:
    return actor.village_ids is None or set(campaign.village_ids) <= actor.village_ids


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
    # A campaign whose last occurrence has fired is "done" but may still be sending: it can be
    # paused (its queued sends wait) or cancelled (they are withdrawn).
    allowed = {
        "pause": ("scheduled", "done"),
        "resume": ("paused",),
        "cancel": ("scheduled", "paused", "pending_approval", "done"),
        "approve": ("pending_approval",),
    }
    if action not in allowed:
        raise CampaignError(400, f"unknown action '{action}'")
    if action == "approve" and not actor.commune_wide:
        raise CampaignError(403, "only a commune leader or an admin approves campaigns")
    if campaign.status not in allowed[action]:
        raise CampaignError(409, f"cannot {action} a campaign that is {campaign.status}")
    cancelled_sends = 0
    assert campaign.id is not None
    if action == "pause":
        campaign.status = "paused"
        rows.hold_pending(session, campaign_id=campaign.id)
    elif action == "cancel":
        campaign.status = "cancelled"
        campaign.next_run_at = None
        cancelled_sends = rows.cancel_pending(session, campaign_id=campaign.id)
    else:
        if action == "approve":
            campaign.approved_by = actor.name
            campaign.approved_at = now
        campaign.status = "scheduled" if campaign.next_run_at is not None else "done"
        if action == "resume":
            rows.release_held(session, campaign_id=campaign.id, now=now)
    campaign.updated_at = now
    session.add(campaign)
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
    campaign.skip_keys = sorted({*campaign.skip_keys, key})
    campaign.updated_at = now
    session.add(campaign)
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
    campaign.commune_groups = spec.commune_groups
    campaign.title = title
    campaign.template_id = spec.template_id or None
    campaign.text = None if spec.template_id else (spec.text or "").strip()
    campaign.variables = dict(spec.variables)
    campaign.target_kinds = sorted(set(spec.target_kinds), key=TARGET_KINDS.index)
    campaign.village_ids = [v.id for v in villages if v.id is not None]
    campaign.schedule_kind = schedule.kind
    campaign.run_at = schedule.run_at
    campaign.cron = schedule.cron
    campaign.daily_time = schedule.daily_time
    campaign.start_date = schedule.start_date
    campaign.end_date = schedule.end_date
    campaign.urgent = spec.urgent
    campaign.next_run_at = sched.first_occurrence(schedule, now=now, tz=ctx.settings.tz)
    if ctx.settings.campaign_requires_approval and not actor.commune_wide:
        campaign.status = "pending_approval"
        campaign.approved_at = None
        campaign.approved_by = None
    campaign.updated_at = now
    session.add(campaign)
    audit_rows.audit(
        session, actor=actor.name, action="campaign.edit", now=now, target=f"campaign:{campaign.id}"
    )
    return campaign


def preview(session: Session, campaign: Campaign, ctx: Context) -> list[dict[str, str]]:
    """The notice as each village aimed at will read it."""
    commune = commune_name(session)
    day = sched.describe(campaign.next_run_at, ctx.settings.tz)[-10:]
    out = []
    for village_id in campaign.village_ids:
        village = org.village_by_id(session, village_id=village_id)
        if village is None:
            continue
        text = render_for(campaign, ctx.templates, commune=commune, village=village.name, day=day)
        out.append({"village": village.code, "name": village.name, "text": text})
    return out


# -- firing occurrences ---------------------------------------------------------------------


def run_due(engine: Engine, *, now: datetime, ctx: Context, campaign_id: int | None = None) -> int:
    """Fire every due occurrence (one transaction per campaign); the number of deliveries
    created."""
    created = 0
    with session_scope(engine) as session:
        due_ids = [c.id for c in rows.due(session, now=now, campaign_id=campaign_id)]
    for cid in due_ids:
        assert cid is not None
        with session_scope(engine) as session:
            locked = rows.due(session, now=now, campaign_id=cid)
            if locked:
                created += _fire(session, locked[0], now=now, ctx=ctx)
    return created


def _fire(session: Session, campaign: Campaign, *, now: datetime, ctx: Context) -> int:
    assert campaign.id is not None
    settings = ctx.settings
    schedule = schedule_of(campaign)
    grace = timedelta(minutes=settings.campaign_grace_min)
    due: list[datetime] = []
    at = campaign.next_run_at
    while at is not None and at <= now and len(due) < MAX_CATCH_UP:
        due.append(at)
        at = sched.next_after(schedule, at, tz=settings.tz)
    created = 0
    for i, when in enumerate(due):
        key = rows.occurrence_key(when)
        late = now - when
        status, note = "on_time", None
        if key in campaign.skip_keys:
            status, note = "skipped", "bỏ qua theo yêu cầu"
        elif i < len(due) - 1:
            status, note = "missed", "đã qua, có lần gửi sau thay thế"
        elif late > grace:
            status = "missed"
            note = f"trễ {int(late.total_seconds() // 60)} phút, quá thời gian cho phép"
        elif late > ON_TIME:
            status, note = "late", f"gửi trễ {int(late.total_seconds() // 60)} phút"
        occurrence_id = rows.add_occurrence(
            session,
            campaign_id=campaign.id,
            key=key,
            scheduled_at=when,
            fired_at=now,
            status=status,
            note=note,
        )
        if occurrence_id is None or status in ("missed", "skipped"):
            if status == "missed" and occurrence_id is not None:
                log.warning("campaign %s occurrence %s missed (%s)", campaign.id, key, note)
            continue
        n = fan_out(session, campaign, occurrence_id, key, now=now, ctx=ctx)
        rows.set_occurrence_targets(session, occurrence_id=occurrence_id, targets=n)
        created += n
    campaign.next_run_at = at
    if at is None:
        campaign.status = "done"
    campaign.updated_at = now
    session.add(campaign)
    return created


def fan_out(
    session: Session,
    campaign: Campaign,
    occurrence_id: int,
    key: str,
    *,
    now: datetime,
    ctx: Context,
) -> int:
    """One delivery row per target, and its outbox rows, in the caller's transaction."""
    assert campaign.id is not None
    settings = ctx.settings
    tz = settings.tz
    hold = None
    if not campaign.urgent:
        hold = sched.quiet_until(
            now, start=settings.quiet_hours_start, end=settings.quiet_hours_end, tz=tz
        )
    commune = commune_name(session)
    day = now.astimezone(tz).strftime("%d/%m/%Y")
    villages = {
        v.id: v for v in org.villages(session) if v.id is not None and v.id in campaign.village_ids
    }
    texts: dict[int | None, str] = {}

    def text_for(village_id: int | None) -> str:
        if village_id not in texts:
            name = villages[village_id].name if village_id is not None else commune
            texts[village_id] = render_for(
                campaign, ctx.templates, commune=commune, village=name, day=day
            )
        return texts[village_id]

    targets: list[dict[str, Any]] = []
    kinds = set(campaign.target_kinds)
    village_ids = sorted(villages)
    groups = []
    if kinds & {"group", "relay"}:
        groups = rows.groups_of(
            session, village_ids=village_ids, commune_level=campaign.commune_groups
        )
    for group in groups:
        if group.oa_managed and "group" in kinds:
            targets.append(
                {
                    "kind": "group",
                    "ref": group.group_id,
                    "label": group.name,
                    "village": group.village_id,
                }
            )
        if not group.oa_managed and "relay" in kinds:
            if group.village_id is not None:
                members = org.members_of_village(session, village_id=group.village_id)
            else:
                members = org.commune_leaders(session)
            if not members:
                targets.append(
                    {
                        "kind": "relay",
                        "ref": "",
                        "ref_key": f"{group.group_id}:none",
                        "label": group.name,
                        "village": group.village_id,
                        "group": group.name,
                        "skip": "Thôn chưa có cán bộ nào để nhờ chuyển tin vào nhóm",
                    }
                )
            for member in members:
                targets.append(
                    {
                        "kind": "relay",
                        "ref": member.zalo_user_id,
                        "ref_key": f"{group.group_id}:{member.id}",
                        "label": member.name,
                        "village": group.village_id,
                        "group": group.name,
                    }
                )
    if "followers" in kinds:
        window = timedelta(hours=settings.campaign_window_hours)
        for resident in rows.followers_of(session, village_ids=village_ids):
            assert resident.village_id is not None
            target: dict[str, Any] = {
                "kind": "followers",
                "ref": resident.zalo_user_id,
                "label": resident.display_name or "",
                "village": resident.village_id,
            }
            last = resident.last_interaction_at
            if last is None or now - last > window:
                target["skip"] = (
                    f"Người này không tương tác với OA trong {settings.campaign_window_hours} "
                    "giờ qua, Zalo không cho gửi tin tư vấn miễn phí"
                )
            targets.append(target)
    # Two halves, so a crash test can stop the process between them (one transaction: a
    # crash anywhere rolls the whole fan-out back, and the occurrence runs again).
    half = len(targets) // 2
    _deliver_all(session, campaign, occurrence_id, key, targets[:half], text_for, hold, now, ctx)
    if half:
        failpoints.hit("campaign.mid_fanout")
    _deliver_all(session, campaign, occurrence_id, key, targets[half:], text_for, hold, now, ctx)
    rows.link_outbox(session, occurrence_id=occurrence_id)
    return len(targets)


def _deliver_all(
    session: Session,
    campaign: Campaign,
    occurrence_id: int,
    key: str,
    targets: list[dict[str, Any]],
    text_for: Any,
    hold: datetime | None,
    now: datetime,
    ctx: Context,
) -> None:
    """Delivery rows for `targets` and the outbox rows of those not skipped, each written as
    one batched statement; keyed by campaign, occurrence and target, so a rerun adds nothing."""
    if not targets:
        return
    keyed = [
        (f"camp:{campaign.id}:{key}:{t['kind']}:{t.get('ref_key', t['ref'])}", t) for t in targets
    ]
    rows.add_deliveries(
        session,
        [
            {
                "campaign_id": campaign.id,
                "occurrence_id": occurrence_id,
                "idempotency_key": dkey,
                "target_kind": t["kind"],
                "recipient": t["ref"],
                "label": t["label"][:200],
                "village_id": t["village"],
                "relay_group": t.get("group"),
                "status": "skipped" if t.get("skip") else "pending",
                "reason": t.get("skip"),
                "not_before": hold,
                "created_at": now,
            }
            for dkey, t in keyed
        ],
    )
    # Outbox rows share the delivery's key: on a rerun, both inserts skip what exists.
    sends = [(dkey, t) for dkey, t in keyed if not t.get("skip")]
    messages = []
    for dkey, t in sends:
        body = {"text": text_for(t["village"])}
        relay = t["kind"] == "relay"
        messages.append(
            {
                "idempotency_key": dkey,
                "recipient": t["ref"],
                "recipient_kind": "group" if t["kind"] == "group" else "user",
                "message": body,
                "fingerprint": fingerprint(body),
                "kind": "relay" if relay else "broadcast",
                "priority": PRIORITY["relay"] if relay else PRIORITY["broadcast"],
                "not_before": hold,
            }
        )
    outbox.enqueue_many(session, messages, now=now)
    relays = [(dkey, t) for dkey, t in sends if t["kind"] == "relay"]
    ids = rows.delivery_ids(session, keys=[dkey for dkey, _ in relays])
    for dkey, t in relays:
        ask = relay_reply(
            ctx.texts, "campaigns.relay_ask", ids[dkey], group=t["group"], title=campaign.title
        )
        _enqueue_reply(session, f"{dkey}:ask", t["ref"], ask, now, hold, ctx)


def relay_reply(texts: Texts, key: str, delivery_id: int, *, group: str, title: str) -> Reply:
    button = Button(texts.get("campaigns.relay_button"), payload=f"{CONFIRM_PREFIX}{delivery_id}")
    return Reply(texts.get(key, group=group, title=title), buttons=(button,))


def _enqueue_reply(
    session: Session,
    key: str,
    recipient: str,
    reply: Reply,
    now: datetime,
    hold: datetime | None,
    ctx: Context,
) -> None:
    queue_reply(
        session,
        key=key,
        recipient=recipient,
        reply=reply,
        now=now,
        kind="relay",
        image_url=ctx.settings.zalo_menu_image_url,
        not_before=hold,
    )


# -- after sending ------------------------------------------------------------------------------


def sync(engine: Engine) -> int:
    """Copy outbox outcomes into deliveries; the number changed."""
    with session_scope(engine) as session:
        return rows.sync_from_outbox(session, window_codes=WINDOW_CODES, reason_of=reason)


def remind_relays(engine: Engine, *, now: datetime, ctx: Context) -> int:
    """One reminder for each relay still unconfirmed `relay_reminder_after_min` after it went
    out (held until the end of quiet hours); the number of reminders queued."""
    cutoff = now - timedelta(minutes=ctx.settings.relay_reminder_after_min)
    with session_scope(engine) as session:
        due = rows.relays_to_remind(session, sent_before=cutoff)
        for delivery in due:
            assert delivery.id is not None
            campaign = rows.get(session, campaign_id=delivery.campaign_id)
            if campaign is None or campaign.status == "cancelled":
                delivery.reminded_at = now
                session.add(delivery)
                continue
            reply = relay_reply(
                ctx.texts,
                "campaigns.relay_reminder",
                delivery.id,
                group=delivery.relay_group or "",
                title=campaign.title,
            )
            hold = sched.quiet_until(
                now,
                start=ctx.settings.quiet_hours_start,
                end=ctx.settings.quiet_hours_end,
                tz=ctx.settings.tz,
            )
            _enqueue_reply(
                session, f"camp-remind:{delivery.id}", delivery.recipient, reply, now, hold, ctx
            )
            delivery.reminded_at = now
            session.add(delivery)
        return len(due)


def report(
    session: Session, campaign: Campaign, ctx: Context, *, limit: int = 2000
) -> dict[str, Any]:
    """The delivery report: counts, occurrences, and one line per target."""
    assert campaign.id is not None
    tz = ctx.settings.tz
    villages = {v.id: v.code for v in org.villages(session)}
    return {
        "campaign": summary(campaign, tz, villages),
        "counts": rows.counts(session, campaign_id=campaign.id),
        "occurrences": [
            {
                "key": o.key,
                "scheduled_at": o.scheduled_at.isoformat(),
                "scheduled_local": sched.describe(o.scheduled_at, tz),
                "status": o.status,
                "targets": o.targets,
                "note": o.note,
            }
            for o in rows.occurrences(session, campaign_id=campaign.id)
        ],
        "deliveries": [
            {
                "id": d.id,
                "occurrence_id": d.occurrence_id,
                "kind": d.target_kind,
                "recipient": d.recipient,
                "label": d.label,
                "village": villages.get(d.village_id),
                "group": d.relay_group,
                "status": d.status,
                "error_code": d.error_code,
                "reason": d.reason,
                "not_before": d.not_before.isoformat() if d.not_before else None,
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                "seen_at": d.seen_at.isoformat() if d.seen_at else None,
                "relay_confirmed_at": (
                    d.relay_confirmed_at.isoformat() if d.relay_confirmed_at else None
                ),
                "relay_confirmed_by": d.relay_confirmed_by,
                "reminded_at": d.reminded_at.isoformat() if d.reminded_at else None,
            }
            for d in rows.deliveries(session, campaign_id=campaign.id, limit=limit)
        ],
    }


def summary(campaign: Campaign, tz: Any, villages: dict[int | None, str]) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "title": campaign.title,
        "status": campaign.status,
        "template": campaign.template_id,
        "text": campaign.text,
        "variables": campaign.variables,
        "targets": {
            "kinds": campaign.target_kinds,
            "villages": [villages.get(v, str(v)) for v in campaign.village_ids],
            "commune_groups": campaign.commune_groups,
        },
        "schedule": {
            "kind": campaign.schedule_kind,
            "at": campaign.run_at.isoformat() if campaign.run_at else None,
            "cron": campaign.cron,
            "time": campaign.daily_time,
            "from": campaign.start_date,
            "to": campaign.end_date,
        },
        "urgent": campaign.urgent,
        "next_run_at": campaign.next_run_at.isoformat() if campaign.next_run_at else None,
        "next_run_local": sched.describe(campaign.next_run_at, tz),
        "skip": campaign.skip_keys,
        "created_by": campaign.created_by,
        "approved_by": campaign.approved_by,
        "created_at": campaign.created_at.isoformat(),
    }
