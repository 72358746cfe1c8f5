"""Whose door-to-door work a caller may read: officials and admins what their token's
villages allow; a token linked to a team member that member's own work; one linked to a
village leader the leader's villages. Used by `/admin/fieldwork` and `/admin/stats`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.api.admin.auth import Principal
from db import org as org_rows


@dataclass(frozen=True)
class Scope:
    """What a caller may count: villages (None: all) and members (None: all of them)."""

    villages: frozenset[int] | None
    members: frozenset[int] | None


def _narrow(villages: frozenset[int] | None, mine: set[int]) -> frozenset[int]:
    return frozenset(mine if villages is None else mine & villages)


def scope_of(session: Session, principal: Principal) -> Scope:
    """The principal's scope: officials and admins their token's; a linked team member their
    own work; a linked village leader their villages."""
    villages = principal.village_ids
    if principal.role in ("admin", "official") or not principal.member_zalo_id:
        return Scope(villages, None)
    member = org_rows.member_by_zalo_id(session, zalo_user_id=principal.member_zalo_id)
    if member is None or member.id is None:
        return Scope(frozenset(), frozenset())
    mine = {v.id for v in org_rows.villages_of_member(session, member_id=member.id) if v.id}
    if member.role == "member":
        return Scope(_narrow(villages, mine), frozenset({member.id}))
    if member.role == "village_leader":
        return Scope(_narrow(villages, mine), None)
    return Scope(villages, None)


def keep_own_work(session: Session, principal: Principal, report: dict[str, Any]) -> None:
    """The statistics report as a linked team member may read it: in the `team_work` section,
    only their own line per member and no team lines (the villages' totals stay)."""
    section = report.get("team_work")
    if not isinstance(section, dict):
        return
    members = scope_of(session, principal).members
    if members is None:
        return
    section["by_member"] = [m for m in section.get("by_member", []) if m["member_id"] in members]
    section["by_team"] = [t for t in section.get("by_team", []) if t["leader_id"] in members]
