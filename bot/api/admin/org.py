"""GET /admin/org: the commune's villages, their Zalo groups (OA-managed or relayed) and the
team, as campaigns see them. Read-only (edit with `bot org import`); scoped tokens see their
villages only."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request

from bot.api.admin.auth import ADMIN_RESPONSES, AnyRole, bearer_scheme
from bot.runtime import Runtime
from db import org as org_rows
from db.session import read_scope

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=ADMIN_RESPONSES,
    dependencies=[Depends(bearer_scheme)],
)


@router.get("/org", summary="Villages, Zalo groups and team members (read-only)")
async def read_org(request: Request, principal: AnyRole) -> Any:
    runtime: Runtime = request.app.state.runtime

    def work() -> dict[str, Any]:
        with read_scope(runtime.engine) as session:
            villages = [v for v in org_rows.villages(session) if principal.may_see(v.id)]
            groups = org_rows.groups(session)
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
                            for m in org_rows.members_of_village(session, village_id=village.id)
                        ],
                    }
                )
            commune = org_rows.commune(session)
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
                result["commune_leaders"] = [
                    {"name": m.name} for m in org_rows.commune_leaders(session)
                ]
            return result

    return await anyio.to_thread.run_sync(work)
