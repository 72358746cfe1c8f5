"""GET /admin/fieldwork (JSON), /admin/fieldwork/records and /admin/fieldwork.csv: the
door-to-door help the teams recorded in Zalo, per member, team and village, over a period.

Scopes: a token linked to a team member (`bot admin create-token --member`) whose role is
"member" sees that member's own work only; one linked to a village leader sees the leader's
villages; officials and admins see everything their token's villages allow. Asking for a
village or a member outside the scope → 403."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from sqlmodel import Session

from bot.api.admin.auth import ADMIN_RESPONSES, AnyRole, Principal, bearer_scheme
from bot.api.admin.member_scope import Scope, scope_of
from bot.api.admin.schemas import FieldworkOut
from bot.api.admin.stats import FromQuery, ToQuery, VillageQuery, table_csv
from bot.api.deps import RuntimeDep, local_now
from bot.features.fieldwork.figures import figures
from bot.features.fieldwork.stats import tables
from bot.features.skills.lessons import skill_list
from bot.reporting import RangeError, parse_range, window_for
from bot.runtime import Runtime
from db import admin as admin_rows
from db import fieldwork as visit_rows
from db import org as org_rows
from db.session import read_scope, session_scope

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=ADMIN_RESPONSES,
    dependencies=[Depends(bearer_scheme)],
)

MemberQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1, description="one team member's id")]


def narrowed(session: Session, scope: Scope, village: str | None, member: int | None) -> Scope:
    """The scope narrowed to one village and/or one member: 400 unknown, 403 outside."""
    villages, members = scope.villages, scope.members
    if village:
        match = next((v for v in org_rows.villages(session) if v.code == village), None)
        if match is None or match.id is None:
            raise HTTPException(400, f"unknown village '{village}'")
        if villages is not None and match.id not in villages:
            raise HTTPException(403, f"outside your scope: village '{village}'")
        villages = frozenset({match.id})
    if member is not None:
        row = org_rows.member_by_id(session, member_id=member)
        if row is None:
            raise HTTPException(400, f"unknown team member {member}")
        theirs = {v.id for v in org_rows.villages_of_member(session, member_id=member) if v.id}
        outside = villages is not None and not (theirs & villages) and row.role != "commune_leader"
        if (members is not None and member not in members) or outside:
            raise HTTPException(403, f"outside your scope: team member {member}")
        members = frozenset({member})
    return Scope(villages, members)


def compute(
    runtime: Runtime,
    principal: Principal,
    start: str | None,
    end: str | None,
    village: str | None,
    member: int | None,
) -> dict[str, Any]:
    try:
        first, last = parse_range(start, end, today=local_now(runtime).date())
    except RangeError as exc:
        raise HTTPException(400, str(exc)) from None
    skills = [s for s, _ in skill_list(runtime.settings.content_dir)]
    with read_scope(runtime.engine) as session:
        scope = narrowed(session, scope_of(session, principal), village, member)
        window = window_for(first, last, scope.villages)
        out = figures(
            session,
            start=window.start,
            end=window.end,
            skills=skills,
            villages=scope.villages,
            members=scope.members,
        )
        rows = visit_rows.in_range(
            session,
            since=window.start,
            until=window.end,
            villages=scope.villages,
            members=scope.members,
        )
        villages = {v.id: v.code for v in org_rows.villages(session)}
        out["records"] = [
            {
                "id": r.id,
                "member_id": r.member_id,
                "village": villages.get(r.village_id),
                "household": r.household_key,
                "actions": r.actions,
                "skills": r.skills,
                "procedure": r.procedure,
                "people": r.people,
                "campaign_id": r.campaign_id,
                "day": r.day,
            }
            for r in rows
        ]
    with session_scope(runtime.engine) as session:
        admin_rows.audit(
            session,
            actor=principal.actor,
            action="fieldwork.read",
            now=runtime.clock.now(),
            detail={"from": first.isoformat(), "to": last.isoformat(), "village": village},
        )
    return {"range": {"from": first.isoformat(), "to": last.isoformat()}, **out}


@router.get("/fieldwork", response_model=FieldworkOut)
async def read_fieldwork(
    runtime: RuntimeDep,
    principal: AnyRole,
    start: FromQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
    member: MemberQuery = None,
) -> dict[str, Any]:
    """The period's recorded help in total, per member, team and village, the households'
    5-skills coverage from both sources, and the records themselves (within the scope)."""
    return await anyio.to_thread.run_sync(compute, runtime, principal, start, end, village, member)


@router.get("/fieldwork.csv", response_class=Response)
async def read_fieldwork_csv(
    runtime: RuntimeDep,
    principal: AnyRole,
    start: FromQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
    member: MemberQuery = None,
    table: Annotated[str, Query(max_length=40, description="e.g. ho-tro-can-bo")] = (
        "ho-tro-can-bo"
    ),
) -> Response:
    """One table of the same figures as CSV (UTF-8 with a BOM): ho-tro-can-bo, ho-tro-to,
    ho-tro-thon or ho-dat-5-ky-nang-hai-nguon."""
    report = await anyio.to_thread.run_sync(
        compute, runtime, principal, start, end, village, member
    )
    span = f"{report['range']['from']}-{report['range']['to']}"
    return table_csv(tables(report), table, span)
