"""Making, correcting and deleting a member's records; who may change which record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlmodel import Session

from bot.features.fieldwork.content import ACTIONS
from bot.features.skills.households import household_id
from db import admin as audit_rows
from db import fieldwork as visit_rows
from db.models import FieldVisit, TeamMember

MAX_PEOPLE = 50


@dataclass(frozen=True)
class Help:
    """What was done for a household: action codes, skills taught, the procedure filed."""

    actions: tuple[str, ...]
    skills: tuple[str, ...] = ()
    procedure: str | None = None
    people: int | None = None

    def cleaned(self) -> Help:
        actions = tuple(a for a in ACTIONS if a in self.actions)
        return Help(
            actions=actions,
            skills=self.skills if "skills" in actions else (),
            procedure=self.procedure if "filing" in actions else None,
            people=self.people,
        )


def local_day(now: datetime, tz: tzinfo) -> str:
    return now.astimezone(tz).date().isoformat()


def record(
    session: Session,
    *,
    member: TeamMember,
    village_id: int | None,
    household: str,
    help: Help,
    now: datetime,
    tz: tzinfo,
    campaign_id: int | None = None,
) -> FieldVisit:
    assert member.id is not None
    done = help.cleaned()
    return visit_rows.add(
        session,
        member_id=member.id,
        village_id=village_id,
        household_key=household,
        household_id=household_id(household),
        actions=list(done.actions),
        skills=list(done.skills),
        procedure=done.procedure,
        people=done.people,
        campaign_id=campaign_id,
        day=local_day(now, tz),
        now=now,
    )


def changeable(row: FieldVisit | None, member: TeamMember, now: datetime, tz: tzinfo) -> bool:
    """Only its author, and only on the day it was made (Vietnam calendar)."""
    return row is not None and row.member_id == member.id and row.day == local_day(now, tz)


def _snapshot(row: FieldVisit) -> dict[str, Any]:
    return {
        "village_id": row.village_id,
        "household": row.household_id,
        "actions": list(row.actions),
        "skills": list(row.skills),
        "procedure": row.procedure,
        "people": row.people,
    }


def correct(
    session: Session, row: FieldVisit, *, member: TeamMember, help: Help, now: datetime
) -> FieldVisit:
    before = _snapshot(row)
    done = help.cleaned()
    visit_rows.update(
        session,
        row,
        actions=list(done.actions),
        skills=list(done.skills),
        procedure=done.procedure,
        people=done.people,
        now=now,
    )
    audit_rows.audit(
        session,
        actor=f"member:{member.id}",
        action="fieldwork.correct",
        now=now,
        target=f"field_visit:{row.id}",
        detail={"before": before, "after": _snapshot(row)},
    )
    return row


def delete(session: Session, row: FieldVisit, *, member: TeamMember, now: datetime) -> None:
    detail = _snapshot(row)
    target = f"field_visit:{row.id}"
    visit_rows.remove(session, row)
    audit_rows.audit(
        session,
        actor=f"member:{member.id}",
        action="fieldwork.delete",
        now=now,
        target=target,
        detail=detail,
    )
