"""Campaign reports: delivery counts per campaign, per village and over a period, and the
relay groups with who posted them (what the admin API, the delivery report and the
statistics section read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.campaigns import DELIVERY_STATES
from db.models import (
    Campaign,
    CampaignDelivery,
)


def relay_groups(
    session: Session,
    *,
    campaign_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    village_ids: frozenset[int] | None = None,
) -> list[dict[str, Any]]:
    """Relays counted per group, not per member: one row per campaign, village, occurrence
    and group, with `asked` (the request reached at least one member) and `posted` (someone
    confirmed it). Relays made before groups were recorded count one per member."""
    group_key = func.coalesce(
        col(CampaignDelivery.relay_group_id), col(CampaignDelivery.idempotency_key)
    )
    query = sa_select(
        col(CampaignDelivery.campaign_id),
        col(CampaignDelivery.village_id),
        col(CampaignDelivery.occurrence_id),
        group_key,
        col(CampaignDelivery.status),
        col(CampaignDelivery.relay_confirmed_at),
    ).where(col(CampaignDelivery.target_kind) == "relay")
    if campaign_id is not None:
        query = query.where(col(CampaignDelivery.campaign_id) == campaign_id)
    if start is not None and end is not None:
        query = query.where(
            col(CampaignDelivery.created_at) >= start, col(CampaignDelivery.created_at) < end
        )
    if village_ids is not None:
        query = query.where(col(CampaignDelivery.village_id).in_(sorted(village_ids)))
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for cid, village_id, occurrence_id, key, status, confirmed in session.execute(query).all():
        found = groups.setdefault(
            (cid, village_id, occurrence_id, key),
            {"campaign_id": cid, "village_id": village_id, "asked": False, "posted": False},
        )
        found["asked"] = found["asked"] or status == "sent" or confirmed is not None
        found["posted"] = found["posted"] or confirmed is not None
    return list(groups.values())


def counts(session: Session, *, campaign_id: int) -> dict[str, int]:
    """pending / sent / failed / skipped / seen deliveries of one campaign, and its relays
    per group: `relay_groups` asked, `relay_confirmed` posted."""
    result = dict.fromkeys((*DELIVERY_STATES, "relay_groups", "relay_confirmed", "seen"), 0)
    for status, n in session.exec(
        select(CampaignDelivery.status, func.count())
        .where(CampaignDelivery.campaign_id == campaign_id)
        .group_by(col(CampaignDelivery.status))
    ).all():
        result[status] = int(n)
    groups = relay_groups(session, campaign_id=campaign_id)
    result["relay_groups"] = sum(g["asked"] for g in groups)
    result["relay_confirmed"] = sum(g["posted"] for g in groups)
    result["seen"] = int(
        session.exec(
            select(func.count()).where(
                CampaignDelivery.campaign_id == campaign_id,
                col(CampaignDelivery.seen_at).is_not(None),
            )
        ).one()
    )
    return result


def village_counts(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    village_ids: frozenset[int] | None = None,
) -> list[dict[str, Any]]:
    """For statistics: per campaign and per village, how many deliveries were sent, failed,
    skipped and pending, among deliveries created in [start, end), and how many groups the
    relays were posted in (one per group, however many members were asked).

    Returns rows `{"campaign_id", "title", "village_id", "sent", "failed", "skipped",
    "pending", "relay_confirmed"}` ordered by campaign then village.
    """
    table: dict[tuple[int, int | None], dict[str, Any]] = {}
    for found in delivery_counts(session, start=start, end=end, village_ids=village_ids):
        key = (found["campaign_id"], found["village_id"])
        row = table.get(key)
        if row is None:
            row = table[key] = {
                "campaign_id": found["campaign_id"],
                "village_id": found["village_id"],
                **dict.fromkeys((*DELIVERY_STATES, "relay_confirmed"), 0),
                "title": found["title"],
            }
        row[found["status"]] = row.get(found["status"], 0) + found["n"]
    for group in relay_groups(session, start=start, end=end, village_ids=village_ids):
        row = table.get((group["campaign_id"], group["village_id"]))
        if row is not None:
            row["relay_confirmed"] += group["posted"]
    return [
        table[key] for key in sorted(table, key=lambda k: (k[0], k[1] if k[1] is not None else -1))
    ]


def delivery_counts(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    village_ids: frozenset[int] | None = None,
) -> list[dict[str, Any]]:
    """For statistics: deliveries created in [start, end), counted per campaign, village,
    target kind and status, with how many of them are confirmed relays (one per member:
    per group, see `relay_groups`) and how many were read.

    Returns rows `{"campaign_id", "title", "village_id", "target_kind", "status", "n",
    "relay_confirmed", "seen"}`. With `village_ids`, deliveries without a village (the
    commune-level groups) are left out.
    """
    query = (
        sa_select(
            col(CampaignDelivery.campaign_id),
            col(CampaignDelivery.village_id),
            col(CampaignDelivery.target_kind),
            col(CampaignDelivery.status),
            func.count(),
            func.count(col(CampaignDelivery.relay_confirmed_at)),
            func.count(col(CampaignDelivery.seen_at)),
        )
        .where(col(CampaignDelivery.created_at) >= start, col(CampaignDelivery.created_at) < end)
        .group_by(
            col(CampaignDelivery.campaign_id),
            col(CampaignDelivery.village_id),
            col(CampaignDelivery.target_kind),
            col(CampaignDelivery.status),
        )
    )
    if village_ids is not None:
        query = query.where(col(CampaignDelivery.village_id).in_(sorted(village_ids)))
    rows = session.execute(query).all()
    titles = {
        c.id: c.title
        for c in session.exec(select(Campaign).where(col(Campaign.id).in_({r[0] for r in rows})))
    }
    return [
        {
            "campaign_id": campaign_id,
            "title": titles.get(campaign_id, ""),
            "village_id": village_id,
            "target_kind": kind,
            "status": status,
            "n": int(n),
            "relay_confirmed": int(confirmed),
            "seen": int(seen),
        }
        for campaign_id, village_id, kind, status, n, confirmed, seen in rows
    ]
