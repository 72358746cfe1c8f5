"""Outbox rows: idempotent enqueue, per-recipient order, one message in flight per recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from db import outbox
from db.models import Outbox
from db.session import session_scope

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def _add(engine: Engine, key: str, recipient: str, **kw: object) -> int | None:
    with session_scope(engine) as s:
        return outbox.enqueue(
            s,
            idempotency_key=key,
            recipient=recipient,
            message={"text": key},
            fingerprint=key,
            now=NOW,
            **kw,  # type: ignore[arg-type]
        )


def _claim(engine: Engine, limit: int = 10, now: datetime = NOW) -> list[str]:
    with session_scope(engine) as s:
        return [r.idempotency_key for r in outbox.claim_due(s, now=now, owner="t", limit=limit)]


def test_enqueue_is_idempotent(engine: Engine) -> None:
    assert _add(engine, "k1", "u1") is not None
    assert _add(engine, "k1", "u1") is None
    with session_scope(engine) as s:
        assert outbox.counts_by_status(s) == {"pending": 1}


def test_one_message_in_flight_per_recipient_in_order(engine: Engine) -> None:
    _add(engine, "a1", "A")
    _add(engine, "a2", "A")
    _add(engine, "b1", "B")
    assert _claim(engine) == ["a1", "b1"]
    assert _claim(engine) == []  # a2 waits for a1
    with session_scope(engine) as s:
        a1 = s.exec(select(Outbox).where(Outbox.idempotency_key == "a1")).one()
        assert a1.id is not None
        outbox.mark_sent(s, row_id=a1.id, message_id="m1", now=NOW)
    assert _claim(engine) == ["a2"]


def test_priority_and_due_time(engine: Engine) -> None:
    _add(engine, "later", "A", not_before=NOW + timedelta(minutes=5))
    _add(engine, "broadcast", "B", priority=10, kind="broadcast")
    _add(engine, "reply", "C", priority=0)
    assert _claim(engine) == ["reply", "broadcast"]
    assert _claim(engine, now=NOW + timedelta(minutes=6)) == ["later"]


def test_retry_failed_and_uncertain_rows(engine: Engine) -> None:
    ids = [_add(engine, f"k{i}", f"U{i}") for i in range(3)]
    assert all(isinstance(i, int) for i in ids)
    ids = [int(i or 0) for i in ids]
    _claim(engine)
    with session_scope(engine) as s:
        outbox.mark_retry(s, row_id=ids[0], at=NOW + timedelta(seconds=30), code=-32, message="x")
        outbox.mark_failed(s, row_id=ids[1], code=-230, message="window")
    assert _claim(engine) == []
    assert _claim(engine, now=NOW + timedelta(seconds=31)) == ["k0"]
    with session_scope(engine) as s:
        released = outbox.release_stale_claims(s, now=NOW + timedelta(minutes=5), lease_s=60)
    assert set(released) == {ids[0], ids[2]}
    with session_scope(engine) as s:
        assert {r.id for r in outbox.uncertain(s)} == {ids[0], ids[2]}
        assert outbox.counts_by_status(s) == {"failed": 1, "uncertain": 2}


def test_echo_settles_an_uncertain_row_and_receipts_are_recorded(engine: Engine) -> None:
    row_id = _add(engine, "hello", "A")
    assert row_id is not None
    _claim(engine)
    with session_scope(engine) as s:
        outbox.mark_uncertain(s, row_id=row_id, message="lost answer")
    with session_scope(engine) as s:
        assert (
            outbox.settle_from_echo(s, recipient="A", fingerprint="other", message_id="m9", now=NOW)
            is None
        )
        assert (
            outbox.settle_from_echo(s, recipient="A", fingerprint="hello", message_id="m9", now=NOW)
            == row_id
        )
        assert (
            outbox.settle_from_echo(s, recipient="A", fingerprint="hello", message_id="m9", now=NOW)
            is None
        )
    with session_scope(engine) as s:
        assert outbox.record_receipt(s, message_ids=["m9"], seen=True, at=NOW) == 1
        row = outbox.get(s, row_id=row_id)
        assert row is not None
        assert (row.status, row.zalo_message_id) == ("sent", "m9")
        assert row.seen_at == NOW and row.delivered_at == NOW
