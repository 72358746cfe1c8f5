"""The monthly summary ("tổng kết tháng") a member reads in Zalo, their leader's team view,
and the job that sends last month's summary on the 1st and asks members to record the help
given on a follow-through campaign's day."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.delivery import queue_reply
from bot.features.fieldwork import content
from bot.features.fieldwork.figures import figures, members_in
from bot.features.skills.lessons import skill_list
from bot.replies import Button, Reply
from bot.texts import Texts
from db import fieldwork as visit_rows
from db import org as org_rows
from db.models import TeamMember
from db.session import session_scope

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
# The summary of last month goes out on the 1st from this hour (Vietnam time).
SEND_HOUR = 8
START_PAYLOAD = "#fw:start"


def month_bounds(month: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of the month holding `month`."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(following, time(), tzinfo=tz),
    )


def _numbers(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "visits": row["visits"],
        "households": row["households"],
        "level2": row["vneid_level2"],
        "filings": row["filings"],
        "skills": row["skills_taught"],
        "covered": row["newly_covered"],
    }


def summary_replies(
    session: Session, member: TeamMember, *, month: date, settings: Settings
) -> list[Reply]:
    """The member's summary of `month`; for a leader, their team's lines after it."""
    texts = content.texts(settings.content_dir)
    start, end = month_bounds(month, settings.tz)
    skills = [s for s, _ in skill_list(settings.content_dir)]
    label = month.strftime("%m/%Y")
    assert member.id is not None
    mine = figures(session, start=start, end=end, skills=skills, members={member.id})
    own = next(m for m in mine["by_member"] if m["member_id"] == member.id)
    if own["visits"]:
        out = [
            Reply(texts.get("fieldwork.summary", month=label, name=member.name, **_numbers(own)))
        ]
    else:
        out = [Reply(texts.get("fieldwork.summary_empty", month=label))]
    team = _team_lines(session, member, start=start, end=end, skills=skills, texts=texts)
    if team:
        out.append(Reply(texts.get("fieldwork.team_summary", month=label, lines="\n".join(team))))
    return out


def _team_lines(
    session: Session,
    member: TeamMember,
    *,
    start: datetime,
    end: datetime,
    skills: list[str],
    texts: Texts,
) -> list[str]:
    if member.role == "commune_leader":
        villages: set[int] | None = None
    elif member.role == "village_leader" and member.id is not None:
        villages = {v.id for v in org_rows.villages_of_member(session, member_id=member.id) if v.id}
    else:
        return []
    team = figures(session, start=start, end=end, skills=skills, villages=villages)
    return [
        texts.get("fieldwork.team_line", name=m["name"], **_numbers(m)) for m in team["by_member"]
    ]


def send_month(engine: Engine, *, now: datetime, settings: Settings) -> int:
    """On the 1st from SEND_HOUR: last month's summary to every member who recorded help in
    it, and to every leader; once (the outbox keys say which month); the number queued."""
    local = now.astimezone(settings.tz)
    if local.day != 1 or local.hour < SEND_HOUR:
        return 0
    month = (local.date() - timedelta(days=1)).replace(day=1)
    start, end = month_bounds(month, settings.tz)
    sent = 0
    with session_scope(engine) as session:
        active = {r.member_id for r in visit_rows.in_range(session, since=start, until=end)}
        done = visit_rows.queued_keys(session, prefix=f"fieldwork:month:{month:%Y-%m}:")
        for member in org_rows.members(session):
            if member.id not in active and member.role == "member":
                continue
            if f"fieldwork:month:{month:%Y-%m}:{member.id}:0" in done:
                continue  # sent on an earlier run today
            replies = summary_replies(session, member, month=month, settings=settings)
            for i, reply in enumerate(replies):
                _queue(
                    session,
                    f"fieldwork:month:{month:%Y-%m}:{member.id}:{i}",
                    member,
                    reply,
                    now,
                    settings,
                )
            sent += 1
    return sent


def ask_after_campaigns(engine: Engine, *, now: datetime, settings: Settings) -> int:
    """On a follow-through campaign's day, from `campaign_ask_hour`: ask each member of its
    villages to record the help given that day (a button that starts the recording)."""
    data = content.raw(settings.content_dir)
    local = now.astimezone(settings.tz)
    if local.hour < int(data["campaign_ask_hour"]):
        return 0
    texts = content.texts(settings.content_dir)
    day_start = datetime.combine(local.date(), time(), tzinfo=settings.tz)
    asked = 0
    with session_scope(engine) as session:
        fired = visit_rows.campaigns_fired(
            session,
            since=day_start,
            until=day_start + timedelta(days=1),
            templates=list(data.get("follow_campaigns") or []),
        )
        for campaign in fired:
            reply = Reply(
                texts.get("fieldwork.campaign_ask", title=campaign.title),
                buttons=(
                    Button(
                        texts.get("fieldwork.campaign_button"),
                        payload=f"{START_PAYLOAD}:c{campaign.id}",
                    ),
                ),
            )
            prefix = f"fieldwork:ask:{campaign.id}:{local.date()}:"
            done = visit_rows.queued_keys(session, prefix=prefix)
            for member in members_in(session, campaign.village_ids):
                if f"{prefix}{member.id}" in done:
                    continue
                _queue(
                    session,
                    f"{prefix}{member.id}",
                    member,
                    reply,
                    now,
                    settings,
                )
                asked += 1
    return asked


def _queue(
    session: Session,
    key: str,
    member: TeamMember,
    reply: Reply,
    now: datetime,
    settings: Settings,
) -> None:
    """One message to a member through the outbox; queued once for its key."""
    queue_reply(
        session,
        key=key,
        recipient=member.zalo_user_id,
        reply=reply,
        now=now,
        kind="notify",
        image_url=settings.zalo_menu_image_url,
    )


async def fieldwork_job(runtime: Runtime) -> None:
    """Every few minutes: the monthly summaries and the campaigns' asks, then wake the sender."""
    now = runtime.clock.now()
    settings = runtime.settings
    sent = await asyncio.to_thread(send_month, runtime.engine, now=now, settings=settings)
    asked = await asyncio.to_thread(ask_after_campaigns, runtime.engine, now=now, settings=settings)
    if sent or asked:
        log.info("fieldwork: %d monthly summaries, %d campaign asks", sent, asked)
        runtime.sender.wake()
