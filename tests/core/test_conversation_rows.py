"""Conversation rows written by column name (`db.conversations.save`, through `db.rows.write`),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from db import conversations, residents
from db.session import session_scope

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _resident(engine: Engine) -> int:
    with session_scope(engine) as s:
        resident = residents.touch(s, zalo_user_id="u-rows", now=NOW, interacted=True)
        assert resident.id is not None
        return resident.id


def test_save_creates_then_changes_the_row_one_version_at_a_time(engine: Engine) -> None:
    resident_id = _resident(engine)
    with session_scope(engine) as s:
        conversations.save(
            s, resident_id=resident_id, row=None, flow_id="vneid", step_id="start", data={"a": 1}
        )
    with session_scope(engine) as s:
        row = conversations.get(s, resident_id=resident_id, for_update=True)
        assert row is not None and (row.flow_id, row.step_id, row.version) == ("vneid", "start", 1)
        conversations.save(s, resident_id=resident_id, row=row, step_id="next", mode="human")
    with session_scope(engine) as s:
        row = conversations.get(s, resident_id=resident_id)
        assert row is not None
        assert (row.flow_id, row.step_id, row.mode, row.data, row.version) == (
            "vneid",
            "next",
            "human",
            {"a": 1},
            2,
        )


def test_an_unknown_column_is_refused_and_nothing_changes(engine: Engine) -> None:
    resident_id = _resident(engine)
    with session_scope(engine) as s:
        conversations.save(s, resident_id=resident_id, row=None, flow_id="vneid")
    refused = pytest.raises(AttributeError, match="Conversation has no column stepid")
    with refused, session_scope(engine) as s:
        row = conversations.get(s, resident_id=resident_id, for_update=True)
        conversations.save(s, resident_id=resident_id, row=row, flow_id="scam", stepid="x")
    with session_scope(engine) as s:
        row = conversations.get(s, resident_id=resident_id)
        assert row is not None and (row.flow_id, row.version) == ("vneid", 1)
