"""What the privacy tests read: every row of every table as text, and the report."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import db.models  # noqa: F401
from bot.feature import sections_of
from bot.features.enabled import FEATURES
from bot.reporting import build_report
from db import rollup
from db.session import read_scope, session_scope


def rows_holding(engine: Engine, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, needle, row) for every row of every table that contains a needle."""
    found = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                text = json.dumps(dict(row.items()), default=str, ensure_ascii=False)
                found += [(table.name, n, text[:300]) for n in needles if n in text]
    return found


def report(engine: Engine, first: date, last: date) -> dict[str, Any]:
    rollup.run_all(lambda: session_scope(engine))
    with read_scope(engine) as session:
        return build_report(
            session, first=first, last=last, villages=None, sections=sections_of(FEATURES)
        )
