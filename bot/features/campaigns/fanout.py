"""Fan-out: one delivery row per target of an occurrence, and the outbox rows of those not
skipped, all in the caller's transaction and keyed so that a rerun adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import failpoints
from bot.delivery import PRIORITY
from bot.features.campaigns.notify import enqueue_reply, quiet_hold, relay_reply
from bot.features.campaigns.spec import Context, commune_name, render_for
from bot.zalo.messages import fingerprint
from db import campaigns as rows
from db import org, outbox
from db.models import Campaign, Resident, Village


@dataclass(frozen=True)
class Target:
    """One recipient of an occurrence: a group, a relaying team member, or a follower."""

    kind: str  # one of TARGET_KINDS
    ref: str  # the group id or Zalo user id; "" when there is nobody to send to
    label: str
    village: int | None  # None: a commune-level group
    ref_key: str | None = None  # what keys the delivery when `ref` alone does not
    group: str | None = None  # the group a relay is for
    group_id: str | None = None  # ... and its Zalo id
    skip: str | None = None  # why it is recorded as skipped instead of sent

    @property
    def key(self) -> str:
        return self.ref if self.ref_key is None else self.ref_key


@dataclass(frozen=True)
class Occurrence:
    """What every delivery of one fired occurrence shares."""

    campaign: Campaign
    occurrence_id: int
    key: str
    now: datetime
    hold: datetime | None  # held until the end of quiet hours, unless urgent
    text_for: Callable[[int | None], str]  # the notice for a village (None: the commune)

    def delivery_key(self, target: Target) -> str:
        return f"camp:{self.campaign.id}:{self.key}:{target.kind}:{target.key}"


def _text_for(
    session: Session,
    campaign: Campaign,
    villages: dict[int, Village],
    *,
    now: datetime,
    ctx: Context,
) -> Callable[[int | None], str]:
    """The notice per village, rendered once each."""
    commune = commune_name(session)
    day = now.astimezone(ctx.settings.tz).strftime("%d/%m/%Y")
    texts: dict[int | None, str] = {}

    def text_for(village_id: int | None) -> str:
        if village_id not in texts:
            name = villages[village_id].name if village_id is not None else commune
            texts[village_id] = render_for(
                campaign, ctx.templates, commune=commune, village=name, day=day
            )
        return texts[village_id]

    return text_for


def _group_targets(
    session: Session, campaign: Campaign, kinds: set[str], village_ids: list[int]
) -> list[Target]:
    """OA-managed groups get the post; for the others, each member serving the group's
    village (the commune leaders for a commune-level group) is asked to relay it."""
    if not kinds & {"group", "relay"}:
        return []
    targets: list[Target] = []
    groups = rows.groups_of(session, village_ids=village_ids, commune_level=campaign.commune_groups)
    for group in groups:
        if group.oa_managed and "group" in kinds:
            targets.append(Target("group", group.group_id, group.name, group.village_id))
        if group.oa_managed or "relay" not in kinds:
            continue
        if group.village_id is not None:
            members = org.members_of_village(session, village_id=group.village_id)
        else:
            members = org.commune_leaders(session)
        if not members:
            targets.append(
                Target(
                    "relay",
                    "",
                    group.name,
                    group.village_id,
                    ref_key=f"{group.group_id}:none",
                    group=group.name,
                    skip="Thôn chưa có cán bộ nào để nhờ chuyển tin vào nhóm",
                )
            )
        for member in members:
            targets.append(
                Target(
                    "relay",
                    member.zalo_user_id,
                    member.name,
                    group.village_id,
                    ref_key=f"{group.group_id}:{member.id}",
                    group=group.name,
                    group_id=group.group_id,
                )
            )
    return targets


# Zalo's 1:1 consultation messages reach a user only within 7 days of their last
# interaction (free for the first 48 hours, billed after): zalo-platform.md, updates-2026.md.
ZALO_WINDOW = timedelta(days=7)


def follower_skip(resident: Resident, *, now: datetime, ctx: Context) -> str | None:
    """Why a village follower gets no 1:1 copy of a notice (None: they get one)."""
    texts = ctx.texts
    hours = ctx.settings.campaign_window_hours
    window = min(timedelta(hours=hours), ZALO_WINDOW)
    last = resident.last_interaction_at
    if not resident.news_opt_in:
        return texts.get("campaigns.skip.not_subscribed")
    if not resident.is_follower:
        return texts.get("campaigns.skip.unfollowed")
    if last is None:
        return texts.get("campaigns.skip.never_interacted")
    if now - last > ZALO_WINDOW:
        return texts.get("campaigns.skip.over_7_days")
    if now - last > window:
        return texts.get("campaigns.skip.paid_window", hours=hours)
    return None


def _follower_targets(
    session: Session, village_ids: list[int], *, now: datetime, ctx: Context
) -> list[Target]:
    """Every follower of the villages: those who asked for news and are within Zalo's
    messaging window get the notice, the others are recorded as skipped with the reason."""
    targets = []
    for resident in rows.followers_of(session, village_ids=village_ids):
        assert resident.village_id is not None
        targets.append(
            Target(
                "followers",
                resident.zalo_user_id,
                resident.display_name or "",
                resident.village_id,
                skip=follower_skip(resident, now=now, ctx=ctx),
            )
        )
    return targets


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
    hold = None if campaign.urgent else quiet_hold(ctx.settings, now)
    villages = {
        v.id: v for v in org.villages(session) if v.id is not None and v.id in campaign.village_ids
    }
    text_for = _text_for(session, campaign, villages, now=now, ctx=ctx)
    occurrence = Occurrence(campaign, occurrence_id, key, now, hold, text_for)
    kinds = set(campaign.target_kinds)
    village_ids = sorted(villages)
    targets = _group_targets(session, campaign, kinds, village_ids)
    if "followers" in kinds:
        targets += _follower_targets(session, village_ids, now=now, ctx=ctx)
    # Two halves, so a crash test can stop the process between them (one transaction: a
    # crash anywhere rolls the whole fan-out back, and the occurrence runs again).
    half = len(targets) // 2
    _deliver_all(session, occurrence, targets[:half], ctx)
    if half:
        failpoints.hit("campaign.mid_fanout")
    _deliver_all(session, occurrence, targets[half:], ctx)
    rows.link_outbox(session, occurrence_id=occurrence_id)
    return len(targets)


def _delivery_row(occurrence: Occurrence, dkey: str, t: Target) -> dict[str, Any]:
    return {
        "campaign_id": occurrence.campaign.id,
        "occurrence_id": occurrence.occurrence_id,
        "idempotency_key": dkey,
        "target_kind": t.kind,
        "recipient": t.ref,
        "label": t.label[:200],
        "village_id": t.village,
        "relay_group": t.group,
        "relay_group_id": t.group_id,
        "status": "skipped" if t.skip else "pending",
        "reason": t.skip,
        "not_before": occurrence.hold,
        "created_at": occurrence.now,
    }


def _outbox_message(occurrence: Occurrence, dkey: str, t: Target) -> dict[str, Any]:
    body = {"text": occurrence.text_for(t.village)}
    relay = t.kind == "relay"
    return {
        "idempotency_key": dkey,
        "recipient": t.ref,
        "recipient_kind": "group" if t.kind == "group" else "user",
        "message": body,
        "fingerprint": fingerprint(body),
        "kind": "relay" if relay else "broadcast",
        "priority": PRIORITY["relay"] if relay else PRIORITY["broadcast"],
        "not_before": occurrence.hold,
    }


def _deliver_all(
    session: Session, occurrence: Occurrence, targets: list[Target], ctx: Context
) -> None:
    """Delivery rows for `targets` and the outbox rows of those not skipped, each written as
    one batched statement; keyed by campaign, occurrence and target, so a rerun adds nothing."""
    if not targets:
        return
    keyed = [(occurrence.delivery_key(t), t) for t in targets]
    rows.add_deliveries(session, [_delivery_row(occurrence, dkey, t) for dkey, t in keyed])
    # Outbox rows share the delivery's key: on a rerun, both inserts skip what exists.
    sends = [(dkey, t) for dkey, t in keyed if not t.skip]
    outbox.enqueue_many(
        session, [_outbox_message(occurrence, dkey, t) for dkey, t in sends], now=occurrence.now
    )
    relays = [(dkey, t) for dkey, t in sends if t.kind == "relay"]
    ids = rows.delivery_ids(session, keys=[dkey for dkey, _ in relays])
    title = occurrence.campaign.title
    for dkey, t in relays:
        ask = relay_reply(
            ctx.texts, "campaigns.relay_ask", ids[dkey], group=t.group or "", title=title
        )
        enqueue_reply(session, f"{dkey}:ask", t.ref, ask, occurrence.now, occurrence.hold, ctx)
