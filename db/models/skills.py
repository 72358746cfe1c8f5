"""The 5 basic digital skills: how far each resident got with each skill's quiz."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow


class SkillProgress(SQLModel, table=True):
    """One resident's results for one skill (a lesson id such as "online_payment").

    A resident who has passed every skill's quiz has mastered the 5 basic digital skills;
    with their village and household this is what officials count towards the target
    "mỗi hộ gia đình có ít nhất 1 người thành thạo 5 kỹ năng số cơ bản".
    """

    __tablename__ = "skill_progress"
    __table_args__ = (
        UniqueConstraint("resident_id", "skill", name="uq_skill_progress_resident_skill"),
        Index("ix_skill_progress_skill_passed", "skill", "passed"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    skill: str = Field(sa_type=String(48))
    passed: bool = False
    # Correct answers in the best attempt, out of `questions`.
    best_score: int = 0
    questions: int = 0
    attempts: int = 0
    last_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The first time the quiz was passed; kept when later attempts fail.
    passed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
