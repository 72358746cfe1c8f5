"""Group commit of webhook events (`bot.inbound`), on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from bot.clock import FakeClock
from bot.dispatcher import INLINE_EVENTS, record_inline
from bot.inbound import InboundWriter, Incoming, Stored
from bot.zalo.events import parse_event
from db.models import InboundEvent
from db.session import read_scope


def _text(user: str, n: int, text: str = "menu") -> Incoming:
    body: dict[str, Any] = {
        "app_id": "1",
        "event_name": "user_send_text",
        "timestamp": str(1_800_000_000_000 + n),
        "sender": {"id": user},
        "recipient": {"id": "2"},
        "message": {"msg_id": f"m{n:010d}", "text": text},
    }
    return Incoming(event=parse_event(body), payload=body, redacted=None, status="pending")


def _writer(engine: Engine) -> InboundWriter:
    return InboundWriter(
        engine=engine, clock=FakeClock(), record_inline=record_inline, inline_events=INLINE_EVENTS
    )


def _stored(engine: Engine) -> list[InboundEvent]:
    with read_scope(engine) as session:
        return list(session.exec(select(InboundEvent).order_by(InboundEvent.id)).all())


def test_events_arriving_together_share_one_commit(engine: Engine) -> None:
    writer = _writer(engine)

    async def burst() -> list[Stored]:
        return await asyncio.gather(*(writer.store(_text(f"u{i % 7}", i)) for i in range(50)))

    results = asyncio.run(burst())
    assert writer.batches == 1
    assert all(r.new_id is not None and r.needs_processing for r in results)
    rows = _stored(engine)
    assert len(rows) == 50
    assert {r.id for r in rows} == {r.new_id for r in results}
    assert {r.status for r in rows} == {"pending"}


def test_a_redelivery_is_not_stored_twice_in_or_across_batches(engine: Engine) -> None:
    writer = _writer(engine)

    async def run() -> tuple[list[Stored], Stored]:
        together = await asyncio.gather(writer.store(_text("u1", 1)), writer.store(_text("u1", 1)))
        later = await writer.store(_text("u1", 1))
        return together, later

    together, later = asyncio.run(run())
    assert [r.new_id is not None for r in together] == [True, False]
    assert later.new_id is None and not later.needs_processing
    assert len(_stored(engine)) == 1


def test_one_bad_event_does_not_refuse_its_neighbours(engine: Engine) -> None:
    writer = _writer(engine)
    good = [_text("u1", 1), _text("u2", 2)]
    # A payload the database cannot take (not JSON): its batch fails, then goes one by one.
    bad = Incoming(
        event=_text("u3", 3).event, payload={"x": {1, 2}}, redacted=None, status="pending"
    )

    async def run() -> list[Stored | BaseException]:
        calls = [writer.store(good[0]), writer.store(bad), writer.store(good[1])]
        return await asyncio.gather(*calls, return_exceptions=True)

    first, failed, second = asyncio.run(run())
    assert isinstance(first, Stored) and first.new_id is not None
    assert isinstance(second, Stored) and second.new_id is not None
    assert isinstance(failed, BaseException)
    rows = _stored(engine)
    assert [r.dedupe_key for r in rows] == [g.event.dedupe_key for g in good]
    assert [r.payload for r in rows] == [g.payload for g in good]


def test_receipts_are_recorded_while_stored(engine: Engine) -> None:
    writer = _writer(engine)
    body = {
        "app_id": "1",
        "event_name": "user_received_message",
        "timestamp": "1800000000001",
        "sender": {"id": "2"},
        "recipient": {"id": "u1"},
        "message": {"msg_ids": ["abc"]},
    }
    item = Incoming(event=parse_event(body), payload=body, redacted=None, status="pending")
    stored = asyncio.run(writer.store(item))
    assert stored.new_id is not None and stored.handled and not stored.needs_processing
    (row,) = _stored(engine)
    assert row.status == "done" and row.processed_at is not None


@pytest.mark.parametrize("size", [1, 3, 250])
def test_every_waiter_gets_its_own_answer(engine: Engine, size: int) -> None:
    writer = _writer(engine)  # 250 is more than one batch (200)

    async def run() -> list[Stored]:
        return await asyncio.gather(*(writer.store(_text(f"u{i}", i)) for i in range(size)))

    results = asyncio.run(run())
    rows = {r.dedupe_key: r.id for r in _stored(engine)}
    assert [r.new_id for r in results] == [rows[f"msg:m{i:010d}"] for i in range(size)]


@pytest.mark.postgres
def test_the_writers_connection_is_replaced_when_the_server_dropped_it(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the writer keeps its own connection on PostgreSQL only")
    writer = _writer(engine)

    async def run() -> tuple[Stored, Stored]:
        first = await writer.store(_text("u1", 1))
        # What a server restart or an idle-connection reaper does to the writer's connection.
        with engine.connect() as admin:
            killed = admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND query LIKE 'INSERT INTO inbound_event%'"
                )
            ).all()
            assert killed and all(ok for (ok,) in killed)  # earlier tests' writers too
        second = await writer.store(_text("u2", 2))
        await writer.close()
        return first, second

    first, second = asyncio.run(run())
    assert first.new_id is not None and second.new_id is not None
    assert [r.dedupe_key for r in _stored(engine)] == [
        _text("u1", 1).event.dedupe_key,
        _text("u2", 2).event.dedupe_key,
    ]
