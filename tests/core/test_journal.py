"""The SQLite journal (`db.journal`): web workers append, event workers move the events into
`inbound_event`. Real SQLite files; PostgreSQL has no journal."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock import FakeClock
from bot.dispatcher import INLINE_EVENTS, record_inline
from bot.inbound import InboundWriter, Incoming, JournalMover, Stored
from bot.zalo.events import ZaloEvent, parse_event
from db import journal
from db.models import InboundEvent
from db.session import make_engine, read_scope
from tests.core.test_inbound import _text


@pytest.fixture
def engines(sqlite_url: str) -> Iterator[tuple[Engine, Engine]]:
    engine = make_engine(sqlite_url)
    journal_engine = journal.open_journal(sqlite_url)
    assert journal_engine is not None
    try:
        yield engine, journal_engine
    finally:
        journal_engine.dispose()
        engine.dispose()


def _writer(engine: Engine, journal_engine: Engine) -> InboundWriter:
    return InboundWriter(
        engine=engine,
        clock=FakeClock(),
        record_inline=record_inline,
        inline_events=INLINE_EVENTS,
        journal=journal_engine,
    )


def _mover(engine: Engine, journal_engine: Engine, **kwargs: Any) -> JournalMover:
    return JournalMover(
        journal_engine=journal_engine,
        engine=engine,
        clock=FakeClock(),
        record_inline=kwargs.pop("record", record_inline),
        inline_events=INLINE_EVENTS,
        **kwargs,
    )


def _main(engine: Engine) -> list[InboundEvent]:
    with read_scope(engine) as session:
        return list(session.exec(select(InboundEvent).order_by(InboundEvent.id)).all())


def _journal_size(journal_engine: Engine) -> int:
    with journal_engine.connect() as conn:
        return journal.size(conn)


def _store(writer: InboundWriter, items: list[Incoming]) -> list[Stored]:
    async def run() -> list[Stored]:
        return await asyncio.gather(*(writer.store(item) for item in items))

    return asyncio.run(run())


def _receipt(n: int) -> Incoming:
    body = {
        "app_id": "1",
        "event_name": "user_seen_message",
        "timestamp": str(1_800_000_000_000 + n),
        "sender": {"id": "u1"},
        "recipient": {"id": "2"},
        "message": {"msg_ids": [f"sent{n}"]},
    }
    return Incoming(event=parse_event(body), payload=body, redacted=None, status="pending")


def test_the_journal_is_a_file_beside_a_sqlite_database() -> None:
    assert journal.journal_url("sqlite:///data/bot.db") == "sqlite:///data/bot.inbound.db"
    assert journal.journal_url("sqlite:////srv/x/state") == "sqlite:////srv/x/state.inbound"
    assert journal.journal_url("postgresql://u@h/db") is None


def test_stored_events_wait_in_the_journal_until_moved_once(
    engines: tuple[Engine, Engine],
) -> None:
    engine, journal_engine = engines
    items = [_text(f"u{i % 3}", i) for i in range(30)]
    results = _store(_writer(engine, journal_engine), [*items, items[0]])
    assert [r.new_id is not None for r in results] == [True] * 30 + [False]
    assert _main(engine) == [] and _journal_size(journal_engine) == 30

    subjects = _mover(engine, journal_engine).move()
    assert sorted(set(subjects)) == ["u0", "u1", "u2"] and len(subjects) == 30
    rows = _main(engine)
    assert [r.dedupe_key for r in rows] == [i.event.dedupe_key for i in items]
    assert {r.status for r in rows} == {"pending"}
    assert [r.payload for r in rows] == [i.payload for i in items]
    assert all(r.received_at.tzinfo is not None for r in rows)

    # A restart before the moved rows were forgotten: moving them again changes nothing.
    assert _mover(engine, journal_engine).move() == []
    assert len(_main(engine)) == 30


def test_a_redelivery_of_a_moved_event_is_a_duplicate(engines: tuple[Engine, Engine]) -> None:
    engine, journal_engine = engines
    writer = _writer(engine, journal_engine)
    (first,) = _store(writer, [_text("u1", 1)])
    _mover(engine, journal_engine, forget_every=1).move()
    assert _journal_size(journal_engine) == 0
    (again,) = _store(writer, [_text("u1", 1)])
    assert first.new_id is not None and again.new_id is None
    assert _journal_size(journal_engine) == 0 and len(_main(engine)) == 1


def test_receipts_are_recorded_as_they_are_moved(engines: tuple[Engine, Engine]) -> None:
    engine, journal_engine = engines
    _store(_writer(engine, journal_engine), [_receipt(1), _text("u1", 2)])
    assert _mover(engine, journal_engine).move() == ["u1"]  # the message, not the receipt
    receipt, message = _main(engine)
    assert receipt.event_name == "user_seen_message" and receipt.status == "done"
    assert message.status == "pending"


def test_a_move_the_database_refuses_is_retried_whole(engines: tuple[Engine, Engine]) -> None:
    engine, journal_engine = engines
    _store(_writer(engine, journal_engine), [_text("u1", 1), _receipt(2), _text("u2", 3)])

    def locked(session: Session, event: ZaloEvent, now: datetime) -> bool:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError):
        _mover(engine, journal_engine, record=locked).move()
    assert _main(engine) == []  # nothing half-moved
    assert _journal_size(journal_engine) == 3
    assert _mover(engine, journal_engine).move() == ["u1", "u2"]
    assert [r.status for r in _main(engine)] == ["pending", "done", "pending"]


def test_an_event_that_breaks_recording_does_not_hold_up_the_others(
    engines: tuple[Engine, Engine],
) -> None:
    engine, journal_engine = engines
    _store(_writer(engine, journal_engine), [_text("u1", 1), _receipt(2), _text("u2", 3)])

    def broken(session: Session, event: ZaloEvent, now: datetime) -> bool:
        raise RuntimeError("a bug in recording receipts")

    # The receipt is moved as a plain pending event: the processor handles it (and gives up on
    # it after its attempts, like any event that keeps failing).
    assert sorted(_mover(engine, journal_engine, record=broken).move()) == ["2", "u1", "u2"]
    assert [r.status for r in _main(engine)] == ["pending", "pending", "pending"]


def test_moved_rows_are_forgotten_and_ids_keep_growing(engines: tuple[Engine, Engine]) -> None:
    engine, journal_engine = engines
    writer = _writer(engine, journal_engine)
    mover = _mover(engine, journal_engine, forget_every=5)
    ids = [r.new_id for r in _store(writer, [_text("u1", i) for i in range(4)])]
    mover.move()
    assert _journal_size(journal_engine) == 4  # kept until 5 are moved or 2 s have passed
    ids += [r.new_id for r in _store(writer, [_text("u1", 4)])]
    mover.move()
    assert _journal_size(journal_engine) == 0
    (later,) = _store(writer, [_text("u2", 9)])
    assert later.new_id is not None and later.new_id > max(i for i in ids if i is not None)
    assert mover.move() == ["u2"]
    assert len(_main(engine)) == 6
