"""The commune's organisation as campaigns see it: villages, their Zalo groups (OA-managed or
relayed) and the team.

GET /admin/org reads it (scoped tokens see their villages only); PUT /admin/org replaces it
with a body in the shape of the org file (`bot org import`, `bot/content/demo/org.yaml`),
admin tokens only, validated with a reason for each problem and audit-logged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from bot.api.admin.auth import ADMIN_RESPONSES, AdminOnly, AnyRole, Principal, bearer_scheme
from bot.api.admin.schemas import OrgOut, OrgReplaced
from bot.api.deps import ClockDep, DatabaseDep
from bot.features.org.orgfile import OrgFile, org_rows
from db import admin as audit_rows
from db import org as org_db

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=ADMIN_RESPONSES,
    dependencies=[Depends(bearer_scheme)],
)


@router.get(
    "/org",
    summary="Villages, Zalo groups and team members (read-only)",
    response_model=OrgOut,
    response_model_exclude_unset=True,
)
async def read_org(db: DatabaseDep, principal: AnyRole) -> Any:
    return await db.read(lambda session: _org(session, principal))


def _org(session: Session, principal: Principal) -> dict[str, Any]:
    villages = [v for v in org_db.villages(session) if principal.may_see(v.id)]
    groups = org_db.groups(session)
    out = []
    for village in villages:
        assert village.id is not None
        out.append(
            {
                "code": village.code,
                "name": village.name,
                "kind": village.kind,
                "households": village.households,
                "groups": [
                    {"group_id": g.group_id, "name": g.name, "oa_managed": g.oa_managed}
                    for g in groups
                    if g.village_id == village.id
                ],
                "team": [
                    {"name": m.name, "role": m.role}
                    for m in org_db.members_of_village(session, village_id=village.id)
                ],
            }
        )
    commune = org_db.commune(session)
    result: dict[str, Any] = {
        "commune": commune.name if commune is not None else None,
        "villages": out,
    }
    if principal.commune_wide:
        result["commune_groups"] = [
            {"group_id": g.group_id, "name": g.name, "oa_managed": g.oa_managed}
            for g in groups
            if g.village_id is None
        ]
        result["commune_leaders"] = [{"name": m.name} for m in org_db.commune_leaders(session)]
    return result


@router.put(
    "/org",
    summary="Replace the organisation (the org file's shape; admin only)",
    responses={422: {"description": "The organisation has problems; each is listed"}},
    response_model=OrgReplaced,
)
async def replace_org(db: DatabaseDep, clock: ClockDep, body: OrgFile, principal: AdminOnly) -> Any:
    def work(session: Session) -> dict[str, Any]:
        result = org_db.apply_org(session, **org_rows(body))
        summary = {
            "villages_added": result.villages_added,
            "villages_updated": result.villages_updated,
            "villages_kept": result.villages_kept,
            "groups": result.groups,
            "members": result.members,
        }
        audit_rows.audit(
            session,
            actor=principal.actor,
            action="org.replace",
            now=clock.now(),
            target="org",
            detail=summary,
        )
        return summary

    return await db.write(work)
