"""Daily rollups of `event_log`, so reports over millions of events stay fast.

`rollup.run` folds not-yet-rolled event rows into these tables (and flags them) in one
transaction, so each event is counted exactly once; reports run it first, then read only
the rollups.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel


class StatDay(SQLModel, table=True):
    """Events of a kind (with flow, step, value, detail) per Vietnam day and village."""

    __tablename__ = "stat_day"
    __table_args__ = (Index("ix_stat_day_kind_day", "kind", "day"),)

    day: str = Field(sa_type=String(10), primary_key=True)  # YYYY-MM-DD, Vietnam time
    village_id: int = Field(default=0, primary_key=True)  # 0 = village unknown
    kind: str = Field(sa_type=String(48), primary_key=True)
    flow: str = Field(default="", sa_type=String(64), primary_key=True)
    step: str = Field(default="", sa_type=String(64), primary_key=True)
    value: str = Field(default="", sa_type=String(100), primary_key=True)
    detail: str = Field(default="", sa_type=String(100), primary_key=True)
    events: int = 0


class StatActiveDay(SQLModel, table=True):
    """Residents who wrote to the OA on a day (for distinct active residents over a range).

    `prev_day` is the resident's previous active day ('' if none), `prev_village_day` the
    previous one in the same village: residents active in [a, b] are then counted without
    DISTINCT, as the rows with a <= day <= b and prev_day < a (one per resident)."""

    __tablename__ = "stat_active_day"
    __table_args__ = (
        Index("ix_stat_active_day_village", "village_id", "day"),
        Index("ix_stat_active_day_first", "day", "prev_day", "village_id", "prev_village_day"),
        # The rollup recomputes `prev_day` of the residents it touched.
        Index("ix_stat_active_day_resident", "resident_id", "day"),
    )

    day: str = Field(sa_type=String(10), primary_key=True)
    resident_id: int = Field(primary_key=True)
    village_id: int = 0
    prev_day: str = Field(default="", sa_type=String(10), sa_column_kwargs={"server_default": ""})
    prev_village_day: str = Field(
        default="", sa_type=String(10), sa_column_kwargs={"server_default": ""}
    )


class StatActiveCount(SQLModel, table=True):
    """How many residents wrote to the OA on a day, per village: the rows of
    `StatActiveDay` counted, recounted by the rollup for the days it touches."""

    __tablename__ = "stat_active_count"

    day: str = Field(sa_type=String(10), primary_key=True)
    village_id: int = Field(default=0, primary_key=True)  # 0 = village unknown
    residents: int = 0


class StatStepDay(SQLModel, table=True):
    """Residents who reached a flow step on a day (for funnels counted in residents)."""

    __tablename__ = "stat_step_day"
    __table_args__ = (
        Index("ix_stat_step_day_first", "day", "prev_day", "flow", "step"),
        Index("ix_stat_step_day_resident", "resident_id"),
    )

    day: str = Field(sa_type=String(10), primary_key=True)
    flow: str = Field(sa_type=String(64), primary_key=True)
    step: str = Field(sa_type=String(64), primary_key=True)
    resident_id: int = Field(primary_key=True)
    village_id: int = 0
    # The day this resident last reached this step before `day` ('' if never), as in
    # `StatActiveDay.prev_day`.
    prev_day: str = Field(default="", sa_type=String(10), sa_column_kwargs={"server_default": ""})
