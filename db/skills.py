"""Queries for the 5 basic digital skills: quiz attempts, progress, who has mastered them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from db.models import Resident, SkillProgress


@dataclass(frozen=True)
class Attempt:
    """The resident's progress for the skill after an attempt."""

    progress: SkillProgress
    # True only the first time this resident passes this skill's quiz.
    newly_passed: bool


@dataclass(frozen=True)
class Master:
    """A resident who passed every required skill, with where they said they live."""

    resident_id: int
    village_id: int | None
    household_key: str | None
    # When the last of the skills was passed: the moment the resident mastered them all.
    mastered_at: datetime | None = None


def record_attempt(
    session: Session,
    *,
    resident_id: int,
    skill: str,
    score: int,
    questions: int,
    passed: bool,
    now: datetime,
) -> Attempt:
    """Count one finished quiz; the best score and the first pass are kept."""
    row = session.exec(
        select(SkillProgress).where(
            SkillProgress.resident_id == resident_id, SkillProgress.skill == skill
        )
    ).first()
    if row is None:
        row = SkillProgress(resident_id=resident_id, skill=skill, last_attempt_at=now)
    newly_passed = passed and not row.passed
    row.attempts += 1
    row.last_attempt_at = now
    if score >= row.best_score or row.questions != questions:
        row.best_score, row.questions = score, questions
    if newly_passed:
        row.passed = True
        row.passed_at = now
    session.add(row)
    session.flush()
    return Attempt(progress=row, newly_passed=newly_passed)


def progress_of(session: Session, *, resident_id: int) -> dict[str, SkillProgress]:
    """The resident's progress rows by skill id."""
    rows = session.exec(select(SkillProgress).where(SkillProgress.resident_id == resident_id))
    return {row.skill: row for row in rows.all()}


def passed_skills(session: Session, *, resident_id: int) -> set[str]:
    rows = session.exec(
        select(SkillProgress.skill).where(
            SkillProgress.resident_id == resident_id, col(SkillProgress.passed)
        )
    )
    return set(rows.all())


def masters(
    session: Session,
    *,
    skills: Collection[str],
    village_id: int | None = None,
    villages: Collection[int] | None = None,
) -> list[Master]:
    """Residents who passed every skill in `skills` (optionally only one village's, or only
    those of `villages`; residents with no village are then left out)."""
    if not skills:
        return []
    passed_all = (
        select(
            col(SkillProgress.resident_id).label("resident_id"),
            func.max(SkillProgress.passed_at).label("mastered_at"),
        )
        .where(col(SkillProgress.skill).in_(list(skills)), col(SkillProgress.passed))
        .group_by(col(SkillProgress.resident_id))
        # One row per resident and skill (uq_skill_progress_resident_skill): no DISTINCT.
        .having(func.count() == len(set(skills)))
        .subquery()
    )
    query = select(
        Resident.id, Resident.village_id, Resident.household_key, passed_all.c.mastered_at
    ).join(passed_all, passed_all.c.resident_id == col(Resident.id))
    if village_id is not None:
        query = query.where(Resident.village_id == village_id)
    if villages is not None:
        query = query.where(col(Resident.village_id).in_(sorted(villages)))
    rows = session.exec(query.order_by(col(Resident.id))).all()
    return [
        Master(resident_id=r[0] or 0, village_id=r[1], household_key=r[2], mastered_at=r[3])
        for r in rows
    ]


def passed_by_skill(
    session: Session,
    *,
    skills: Collection[str],
    since: datetime,
    until: datetime,
    villages: Collection[int] | None = None,
) -> dict[str, tuple[int, int]]:
    """skill → (residents who passed its quiz, of whom first passed in [since, until));
    only residents of `villages` when given."""
    passed_at = col(SkillProgress.passed_at)
    query = (
        select(
            col(SkillProgress.skill),
            func.count(),
            func.count().filter(and_(passed_at >= since, passed_at < until)),
        )
        .where(col(SkillProgress.skill).in_(list(skills)), col(SkillProgress.passed))
        .group_by(col(SkillProgress.skill))
    )
    if villages is not None:
        query = query.join(Resident, col(Resident.id) == col(SkillProgress.resident_id)).where(
            col(Resident.village_id).in_(sorted(villages))
        )
    return {str(skill): (int(n), int(new)) for skill, n, new in session.exec(query).all()}
