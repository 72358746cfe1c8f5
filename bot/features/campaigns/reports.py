"""What the admin API shows of a campaign: its summary, the notice per village, and the
delivery report (counts, occurrences, one line per target)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.features.campaigns import schedule as sched
from bot.features.campaigns.spec import Context, commune_name, render_for
from db import campaign_reports as reports_rows
from db import campaigns as rows
from db import fieldwork as fieldwork_rows
from db import org
from db.models import Campaign, CampaignDelivery


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


def _delivery_line(d: CampaignDelivery, villages: dict[int | None, str]) -> dict[str, Any]:
    return {
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
        "relay_confirmed_at": (d.relay_confirmed_at.isoformat() if d.relay_confirmed_at else None),
        "relay_confirmed_by": d.relay_confirmed_by,
        "reminded_at": d.reminded_at.isoformat() if d.reminded_at else None,
    }


def report(
    session: Session, campaign: Campaign, ctx: Context, *, limit: int = 2000
) -> dict[str, Any]:
    """The delivery report: counts, occurrences, and one line per target."""
    assert campaign.id is not None
    tz = ctx.settings.tz
    villages: dict[int | None, str] = {v.id: v.code for v in org.villages(session)}
    return {
        "campaign": summary(campaign, tz, villages),
        "counts": reports_rows.counts(session, campaign_id=campaign.id),
        # Beside the delivery figures: the help members recorded on the campaign's day.
        "recorded_help": fieldwork_rows.campaign_help(session, campaign_id=campaign.id),
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
            _delivery_line(d, villages)
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
