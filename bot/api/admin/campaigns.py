"""/admin/campaigns: create, list, show (with a preview per village), edit before it starts,
pause, resume, cancel, approve, skip one occurrence, the delivery report, and per-village
counts for statistics.

Roles: `admin` and `leader` tokens create and change campaigns within their villages;
`official` tokens only read. A token scoped to villages sees and aims only at those (403
otherwise); only a commune-wide token approves. Bad input → 400/404/409/422 with the reason
in `detail`, never a server error. Every change is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from bot.api.admin.auth import ADMIN_RESPONSES, AnyRole, Principal, bearer_scheme
from bot.api.admin.schemas import (
    CampaignList,
    CampaignOut,
    CampaignStats,
    DeliveryReport,
    SkippedOut,
    TemplateList,
)
from bot.api.deps import DatabaseDep, RuntimeDep, local_now
from bot.features.campaigns import lifecycle, reports
from bot.features.campaigns import schedule as sched
from bot.features.campaigns.runner import context_for
from bot.features.campaigns.samples import sample_values
from bot.features.campaigns.scope import Actor, may_see
from bot.features.campaigns.spec import CampaignError, Spec
from bot.features.campaigns.sync import sync
from bot.runtime import Runtime
from db import campaign_reports as reports_rows
from db import campaigns as rows
from db import org as org_rows

router = APIRouter(
    prefix="/admin/campaigns",
    tags=["campaigns"],
    responses={
        **ADMIN_RESPONSES,
        404: {"description": "No such campaign"},
        409: {"description": "The campaign's state does not allow this (the reason is given)"},
    },
    dependencies=[Depends(bearer_scheme)],
)

CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]
T = TypeVar("T")


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[str] = Field(default_factory=lambda: ["group", "relay"], max_length=3)
    villages: list[str] | None = Field(
        default=None, max_length=200, description="village codes; omitted = all in scope"
    )
    commune_groups: bool = Field(
        default=False, description="also the commune-level groups (commune-wide tokens only)"
    )


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: str = Field(default="now", description="now | once | cron | daily")
    at: str | None = Field(default=None, description="once: 2026-12-06T07:30 (Vietnam time)")
    cron: str | None = Field(default=None, max_length=100, description="cron: '30 7 * * sat'")
    time: str | None = Field(default=None, max_length=5, description="daily: 07:30")
    from_: str | None = Field(default=None, alias="from", max_length=10)
    to: str | None = Field(default=None, max_length=10)


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=200)
    template: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, max_length=4000)
    variables: dict[str, str] = Field(default_factory=dict, max_length=10)
    targets: TargetsIn = Field(default_factory=TargetsIn)
    schedule: ScheduleIn = Field(default_factory=ScheduleIn)
    urgent: bool = False


class SkipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str = Field(description="the occurrence to skip, e.g. 2026-12-12T07:30 (Vietnam time)")


def actor_of(session: Session, principal: Principal) -> Actor:
    member_id = None
    if principal.member_zalo_id:
        member = org_rows.member_by_zalo_id(session, zalo_user_id=principal.member_zalo_id)
        member_id = member.id if member is not None else None
    return Actor(
        name=principal.actor,
        village_ids=principal.village_ids,
        member_id=member_id,
        can_create=principal.role in ("admin", "leader"),
    )


def spec_of(body: CampaignIn, runtime: Runtime) -> Spec:
    s = body.schedule
    try:
        run_at = sched.parse_local(s.at, runtime.settings.tz) if s.at else None
    except sched.ScheduleError as exc:
        raise HTTPException(400, str(exc)) from None
    return Spec(
        title=body.title,
        template_id=body.template,
        text=body.text,
        variables=body.variables,
        target_kinds=body.targets.kinds,
        village_codes=body.targets.villages,
        schedule=sched.Schedule(
            kind=s.kind,
            run_at=run_at,
            cron=s.cron,
            daily_time=s.time,
            start_date=s.from_,
            end_date=s.to,
        ),
        urgent=body.urgent,
        commune_groups=body.targets.commune_groups,
    )


async def _answer(work: Awaitable[T]) -> T:
    """A campaign rule refused the request: its status and reason, never a server error."""
    try:
        return await work
    except CampaignError as exc:
        raise HTTPException(exc.status, exc.message) from None


def _show(runtime: Runtime, session: Session, campaign_id: int, actor: Actor) -> Any:
    campaign = rows.get(session, campaign_id=campaign_id)
    if campaign is None:
        raise CampaignError(404, f"no campaign {campaign_id}")
    if not may_see(campaign, actor):
        raise CampaignError(403, "this campaign is outside your villages")
    ctx = context_for(runtime)
    villages = {v.id: v.code for v in org_rows.villages(session)}
    return {
        **reports.summary(campaign, runtime.settings.tz, villages),
        "counts": reports_rows.counts(session, campaign_id=campaign_id),
        "preview": reports.preview(session, campaign, ctx),
    }


@router.post("", status_code=201, summary="Create a campaign", response_model=CampaignOut)
async def create_campaign(
    body: CampaignIn, runtime: RuntimeDep, db: DatabaseDep, principal: AnyRole
) -> Any:
    spec = spec_of(body, runtime)

    def work(session: Session) -> Any:
        ctx = context_for(runtime)
        actor = actor_of(session, principal)
        campaign = lifecycle.create(session, spec, actor, now=runtime.clock.now(), ctx=ctx)
        assert campaign.id is not None
        return _show(runtime, session, campaign.id, actor)

    return await _answer(db.write(work))


@router.get("", summary="List campaigns within the token's villages", response_model=CampaignList)
async def list_campaigns(
    runtime: RuntimeDep,
    db: DatabaseDep,
    principal: AnyRole,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> Any:
    def work(session: Session) -> Any:
        villages = {v.id: v.code for v in org_rows.villages(session)}
        found = rows.listing(
            session,
            village_ids=principal.village_ids,
            statuses=(status,) if status else None,
        )
        items = []
        for c in found:
            assert c.id is not None
            items.append(
                {
                    **reports.summary(c, runtime.settings.tz, villages),
                    "counts": reports_rows.counts(session, campaign_id=c.id),
                }
            )
        return {"items": items}

    return await _answer(db.read(work))


@router.get("/templates", summary="The campaign templates", response_model=TemplateList)
async def list_templates(runtime: RuntimeDep, principal: AnyRole) -> Any:  # noqa: ARG001 (auth only)
    ctx = context_for(runtime)
    now, tz = runtime.clock.now(), runtime.settings.tz
    return {
        "items": [
            {
                "id": t.id,
                "title": t.title,
                "sample": sample_values(t, now=now, tz=tz, texts=ctx.texts),
                "suggested": t.suggested,
            }
            for t in ctx.templates.values()
        ]
    }


@router.get(
    "/stats",
    summary="Per campaign and village: sent, failed, skipped, confirmed",
    response_model=CampaignStats,
)
async def campaign_stats(
    runtime: RuntimeDep,
    db: DatabaseDep,
    principal: AnyRole,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Any:
    tz = runtime.settings.tz
    try:
        today = local_now(runtime).date()
        first = date.fromisoformat(start) if start else today - timedelta(days=29)
        last = date.fromisoformat(end) if end else today
    except ValueError:
        raise HTTPException(400, "from/to must be dates like 2026-12-06") from None
    if last < first:
        raise HTTPException(400, "'to' is before 'from'")

    def work(session: Session) -> Any:
        names = {v.id: (v.code, v.name) for v in org_rows.villages(session)}
        items = reports_rows.village_counts(
            session,
            start=datetime.combine(first, time(0), tzinfo=tz),
            end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz),
            village_ids=principal.village_ids,
        )
        # Officials read names: the village's code and name beside its id (no village: the
        # commune's own groups).
        for item in items:
            code, name = names.get(item["village_id"], (None, "Nhóm chung của xã"))
            item["village"] = code
            item["village_name"] = name
        return {"items": items}

    await anyio.to_thread.run_sync(sync, runtime.engine)
    return await _answer(db.read(work))


@router.get(
    "/{campaign_id}",
    summary="A campaign, its counts and a preview per village",
    response_model=CampaignOut,
)
async def show_campaign(
    campaign_id: CampaignId, runtime: RuntimeDep, db: DatabaseDep, principal: AnyRole
) -> Any:
    await anyio.to_thread.run_sync(sync, runtime.engine)
    return await _answer(db.read(lambda s: _show(runtime, s, campaign_id, actor_of(s, principal))))


@router.put(
    "/{campaign_id}", summary="Edit a campaign that has not started", response_model=CampaignOut
)
async def edit_campaign(
    campaign_id: CampaignId,
    body: CampaignIn,
    runtime: RuntimeDep,
    db: DatabaseDep,
    principal: AnyRole,
) -> Any:
    spec = spec_of(body, runtime)

    def work(session: Session) -> Any:
        ctx = context_for(runtime)
        actor = actor_of(session, principal)
        lifecycle.edit(session, campaign_id, spec, actor, now=runtime.clock.now(), ctx=ctx)
        return _show(runtime, session, campaign_id, actor)

    return await _answer(db.write(work))


def _action(action: str) -> Any:
    async def act(
        campaign_id: CampaignId, runtime: RuntimeDep, db: DatabaseDep, principal: AnyRole
    ) -> Any:
        def work(session: Session) -> Any:
            ctx = context_for(runtime)
            actor = actor_of(session, principal)
            lifecycle.change(session, campaign_id, action, actor, now=runtime.clock.now(), ctx=ctx)
            return _show(runtime, session, campaign_id, actor)

        return await _answer(db.write(work))

    act.__name__ = f"{action}_campaign"
    return act


for _name in ("pause", "resume", "cancel", "approve"):
    router.add_api_route(
        f"/{{campaign_id}}/{_name}",
        _action(_name),
        methods=["POST"],
        summary=f"{_name.capitalize()} a campaign",
        response_model=CampaignOut,
    )


@router.post("/{campaign_id}/skip", summary="Skip one future occurrence", response_model=SkippedOut)
async def skip_occurrence(
    campaign_id: CampaignId,
    body: SkipIn,
    runtime: RuntimeDep,
    db: DatabaseDep,
    principal: AnyRole,
) -> Any:
    tz = runtime.settings.tz
    try:
        when = sched.parse_local(body.at, tz)
    except sched.ScheduleError as exc:
        raise HTTPException(400, str(exc)) from None

    def work(session: Session) -> Any:
        actor = actor_of(session, principal)
        key = lifecycle.skip(session, campaign_id, when, actor, now=runtime.clock.now(), tz=tz)
        return {"skipped": key, **_show(runtime, session, campaign_id, actor)}

    return await _answer(db.write(work))


@router.get(
    "/{campaign_id}/report",
    summary="Delivery report: per target, with reasons",
    response_model=DeliveryReport,
)
async def delivery_report(
    campaign_id: CampaignId, runtime: RuntimeDep, db: DatabaseDep, principal: AnyRole
) -> Any:
    def work(session: Session) -> Any:
        campaign = rows.get(session, campaign_id=campaign_id)
        if campaign is None:
            raise CampaignError(404, f"no campaign {campaign_id}")
        if not may_see(campaign, actor_of(session, principal)):
            raise CampaignError(403, "this campaign is outside your villages")
        return reports.report(session, campaign, context_for(runtime))

    await anyio.to_thread.run_sync(sync, runtime.engine)
    return await _answer(db.read(work))
