"""The figures of the teams' door-to-door work, per member, team and village, over a period,
and the households' 5-skills coverage from both sources: the residents' own quizzes and the
members' records that someone in the household mastered the 5 skills.

A household is `(village id, folded household name)`, the key the 5-skills figures use
(`bot.features.skills.households.household_id`). A household is *newly covered* by a member
in a period when the member's record that it mastered the 5 skills, made in that period, is
the first time it counted towards the target from either source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.features.skills.households import household_id
from bot.reporting import rate
from db import fieldwork as visit_rows
from db import org as org_rows
from db import skills as skill_rows
from db.fieldwork import Fact
from db.models import TeamMember, Village

Key = tuple[int | None, str]
# Figures per record, in the order tables show them: (key, action code or None).
COUNTED = (
    ("vneid_installed", "vneid_installed"),
    ("vneid_level2", "vneid_level2"),
    ("filings", "filing"),
    ("mastered", "mastered"),
    ("cashless", "cashless"),
    ("shop", "shop"),
    ("scam", "scam"),
)


@dataclass(frozen=True)
class Cover:
    """When a household first counted towards the target, and through whose record (None:
    a resident's own quizzes)."""

    at: datetime
    member_id: int | None


def tally(rows: Iterable[Fact], newly: Collection[Key] = ()) -> dict[str, int]:
    """Visits, households reached, people helped, each kind of help, skills taught."""
    done: Counter[str] = Counter()
    homes: set[Key] = set()
    visits = people = taught = 0
    for r in rows:
        visits += 1
        homes.add((r.village_id, r.household_id))
        people += r.people or 0
        done.update(r.actions)
        if "skills" in r.actions:
            taught += len(r.skills)
    out = {"visits": visits, "households": len(homes), "people": people, "skills_taught": taught}
    for name, code in COUNTED:
        out[name] = done[code]
    out["newly_covered"] = len(newly)
    return out


@dataclass(frozen=True)
class Sources:
    """What coverage is counted from, read once: the residents who mastered every skill,
    and every record made before the period's end."""

    masters: list[skill_rows.Master]
    records: list[Fact]


def read_sources(
    session: Session,
    *,
    until: datetime,
    skills: Collection[str],
    villages: Collection[int] | None,
) -> Sources:
    masters = skill_rows.masters(session, skills=skills, villages=villages) if skills else []
    return Sources(
        masters=[m for m in masters if m.mastered_at is None or m.mastered_at < until],
        records=visit_rows.facts(session, until=until, villages=villages),
    )


def first_covers(sources: Sources, *, until: datetime) -> dict[Key, Cover]:
    """Every household counted towards the target before `until`, with its first moment."""
    covers: dict[Key, Cover] = {}

    def note(key: Key, at: datetime, member_id: int | None) -> None:
        known = covers.get(key)
        if known is None or at < known.at:
            covers[key] = Cover(at, member_id)

    for master in sources.masters:
        if master.household_key:
            at = master.mastered_at or datetime.min.replace(tzinfo=until.tzinfo)
            note((master.village_id, household_id(master.household_key)), at, None)
    for row in sources.records:
        if "mastered" in row.actions:
            note((row.village_id, row.household_id), row.created_at, row.member_id)
    return covers


def coverage(
    session: Session, sources: Sources, *, villages: Collection[int] | None
) -> dict[str, Any]:
    """Per village: households with someone who mastered the 5 skills, from the quizzes, from
    the members' records and from both together, against the village's households."""
    quizzes: dict[int | None, set[str]] = {}
    records: dict[int | None, set[str]] = {}
    for master in sources.masters:
        if master.household_key:
            quizzes.setdefault(master.village_id, set()).add(household_id(master.household_key))
    for row in sources.records:
        if "mastered" in row.actions:
            records.setdefault(row.village_id, set()).add(row.household_id)
    rows: list[dict[str, Any]] = []
    for village in _villages(session, villages):
        q, r = quizzes.get(village.id, set()), records.get(village.id, set())
        rows.append(
            {
                "village": village.name,
                "code": village.code,
                "households_total": village.households,
                "from_quizzes": len(q),
                "from_records": len(r),
                "in_both": len(q & r),
                "together": len(q | r),
                "coverage": rate(len(q | r), village.households or 0),
            }
        )
    counted = [row for row in rows if row["households_total"]]
    together = sum(row["together"] for row in counted)
    total = sum(row["households_total"] for row in counted)
    sums = {k: sum(row[k] for row in rows) for k in ("from_quizzes", "from_records", "in_both")}
    return {
        **sums,
        "together": sum(row["together"] for row in rows),
        "households_total": total,
        "coverage": rate(together, total),
        "by_village": rows,
    }


def _villages(session: Session, villages: Collection[int] | None) -> list[Village]:
    return [v for v in org_rows.villages(session) if villages is None or v.id in villages]


def members_in(session: Session, villages: Collection[int] | None) -> list[TeamMember]:
    """Active members working in `villages` (every active member when None)."""
    if villages is None:
        return org_rows.members(session)
    found: dict[int, TeamMember] = {}
    for village_id in sorted(villages):
        for member in org_rows.members_of_village(session, village_id=village_id):
            if member.id is not None:
                found.setdefault(member.id, member)
    return sorted(found.values(), key=lambda m: m.id or 0)


def figures(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    skills: Collection[str],
    villages: Collection[int] | None = None,
    members: Collection[int] | None = None,
) -> dict[str, Any]:
    """The period's figures: in total, per member, per team (a village leader's villages)
    and per village, with the households' coverage from both sources at the period's end."""
    sources = read_sources(session, until=end, skills=skills, villages=villages)
    rows = [
        r
        for r in sources.records
        if r.created_at >= start and (members is None or r.member_id in members)
    ]
    covers = first_covers(sources, until=end)
    newly = {
        key: c
        for key, c in covers.items()
        if c.member_id is not None
        and start <= c.at < end
        and (members is None or c.member_id in members)
    }
    people = [m for m in members_in(session, villages) if members is None or m.id in members]
    known = {m.id for m in people}
    for extra in {r.member_id for r in rows} - known:
        member = org_rows.member_by_id(session, member_id=extra)
        if member is not None:
            people.append(member)
    of_member: dict[int, list[Fact]] = {}
    of_village: dict[int | None, list[Fact]] = {}
    for r in rows:
        of_member.setdefault(r.member_id, []).append(r)
        of_village.setdefault(r.village_id, []).append(r)
    by_member = [
        {
            "member_id": m.id,
            "name": m.name,
            "role": m.role,
            **tally(
                of_member.get(m.id or 0, []),
                [k for k, c in newly.items() if c.member_id == m.id],
            ),
        }
        for m in people
    ]
    by_village = [
        {
            "village": v.name,
            "code": v.code,
            **tally(of_village.get(v.id, []), [k for k in newly if k[0] == v.id]),
        }
        for v in _villages(session, villages)
    ]
    return {
        "total": tally(rows, list(newly)),
        "by_member": by_member,
        "by_team": _teams(session, rows, newly, villages, members),
        "by_village": by_village,
        "coverage": coverage(session, sources, villages=villages),
    }


def _teams(
    session: Session,
    rows: list[Fact],
    newly: dict[Key, Cover],
    villages: Collection[int] | None,
    members: Collection[int] | None,
) -> list[dict[str, Any]]:
    """A team: a village leader and the members of the leader's villages; its work is what
    was recorded in those villages."""
    out = []
    for leader in org_rows.members(session):
        if leader.role != "village_leader" or leader.id is None:
            continue
        mine = {
            v.id
            for v in org_rows.villages_of_member(session, member_id=leader.id)
            if v.id is not None and (villages is None or v.id in villages)
        }
        if not mine or (members is not None and leader.id not in members):
            continue
        team = members_in(session, mine)
        out.append(
            {
                "leader_id": leader.id,
                "leader": leader.name,
                "villages": [v.name for v in _villages(session, mine)],
                "members": len(team),
                **tally(
                    (r for r in rows if r.village_id in mine), [k for k in newly if k[0] in mine]
                ),
            }
        )
    return out
