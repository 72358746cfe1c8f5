"""Organisation rows: villages, groups, team members. Replaced from an org file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, delete, select

from db.models import Commune, TeamMember, TeamMemberVillage, Village, ZaloGroup


@dataclass
class OrgImportResult:
    villages_added: int = 0
    villages_updated: int = 0
    villages_kept: list[str] = field(default_factory=list)  # in the DB but not in the file
    groups: int = 0
    members: int = 0


def apply_org(
    session: Session,
    *,
    commune: dict[str, Any],
    villages: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    members: list[dict[str, Any]],
) -> OrgImportResult:
    """Make the organisation rows match the file. Villages missing from the file are kept
    (residents point at them) and reported; groups and memberships are replaced."""
    result = OrgImportResult()
    row_commune = session.get(Commune, 1) or Commune(id=1, name=commune["name"])
    for key, value in commune.items():
        setattr(row_commune, key, value)
    session.add(row_commune)
    existing = {v.code: v for v in session.exec(select(Village)).all()}
    by_code: dict[str, Village] = {}
    for spec in villages:
        row = existing.get(spec["code"])
        if row is None:
            row = Village(code=spec["code"], name=spec["name"])
            result.villages_added += 1
        else:
            result.villages_updated += 1
        row.name = spec["name"]
        row.kind = spec["kind"]
        row.households = spec["households"]
        row.aliases = spec["aliases"]
        session.add(row)
        by_code[spec["code"]] = row
    result.villages_kept = sorted(set(existing) - set(by_code))
    session.flush()

    session.execute(delete(ZaloGroup))
    for spec in groups:
        village = by_code.get(spec["village"]) if spec.get("village") else None
        session.add(
            ZaloGroup(
                group_id=spec["group_id"],
                name=spec["name"],
                village_id=village.id if village else None,
                oa_managed=spec["oa_managed"],
            )
        )
        result.groups += 1

    session.execute(delete(TeamMemberVillage))
    current = {m.zalo_user_id: m for m in session.exec(select(TeamMember)).all()}
    seen: set[str] = set()
    for spec in members:
        member = current.get(spec["zalo_user_id"]) or TeamMember(
            zalo_user_id=spec["zalo_user_id"], name=spec["name"]
        )
        member.name = spec["name"]
        member.role = spec["role"]
        member.active = True
        session.add(member)
        session.flush()
        assert member.id is not None
        seen.add(member.zalo_user_id)
        for code in spec["villages"]:
            village_id = by_code[code].id
            assert village_id is not None
            session.add(TeamMemberVillage(member_id=member.id, village_id=village_id))
        result.members += 1
    for zalo_id, stale in current.items():
        if zalo_id not in seen:
            stale.active = False
            session.add(stale)
    session.flush()
    return result


def villages(session: Session) -> list[Village]:
    return list(session.exec(select(Village).order_by(col(Village.name))).all())


def village_by_id(session: Session, *, village_id: int) -> Village | None:
    return session.get(Village, village_id)


def member_by_zalo_id(session: Session, *, zalo_user_id: str) -> TeamMember | None:
    return session.exec(
        select(TeamMember).where(TeamMember.zalo_user_id == zalo_user_id, TeamMember.active)
    ).first()


def member_by_id(session: Session, *, member_id: int) -> TeamMember | None:
    return session.get(TeamMember, member_id)


def members_of_village(session: Session, *, village_id: int) -> list[TeamMember]:
    return list(
        session.exec(
            select(TeamMember)
            .join(TeamMemberVillage, col(TeamMemberVillage.member_id) == col(TeamMember.id))
            .where(TeamMemberVillage.village_id == village_id, TeamMember.active)
            .order_by(col(TeamMember.id))
        ).all()
    )


def members(session: Session) -> list[TeamMember]:
    """Every active team member."""
    return list(
        session.exec(select(TeamMember).where(TeamMember.active).order_by(col(TeamMember.id))).all()
    )


def commune_leaders(session: Session) -> list[TeamMember]:
    return list(
        session.exec(
            select(TeamMember)
            .where(TeamMember.role == "commune_leader", TeamMember.active)
            .order_by(col(TeamMember.id))
        ).all()
    )


def villages_of_member(session: Session, *, member_id: int) -> list[Village]:
    return list(
        session.exec(
            select(Village)
            .join(TeamMemberVillage, col(TeamMemberVillage.village_id) == col(Village.id))
            .where(TeamMemberVillage.member_id == member_id)
            .order_by(col(Village.name))
        ).all()
    )


def groups(session: Session) -> list[ZaloGroup]:
    return list(session.exec(select(ZaloGroup).order_by(col(ZaloGroup.id))).all())


def group_by_zalo_id(session: Session, *, group_id: str) -> ZaloGroup | None:
    return session.exec(select(ZaloGroup).where(ZaloGroup.group_id == group_id)).first()


def commune(session: Session) -> Commune | None:
    return session.get(Commune, 1)


def commune_name(session: Session) -> str | None:
    """The commune's name, None until the organisation is loaded."""
    row = commune(session)
    return row.name if row is not None else None
