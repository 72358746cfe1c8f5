"""The median reply time reads the first sent reply of the latest resident messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from bot.reporting import window_for
from db import stats as q
from db.models import InboundEvent, Outbox, Resident, Village
from db.session import read_scope, session_scope

START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def test_first_sent_reply_of_the_latest_messages(engine: Engine) -> None:
    with session_scope(engine) as s:
        villages = [Village(code=f"v{i}", name=f"V{i}", kind="thon") for i in range(2)]
        s.add_all(villages)
        s.flush()
        for i, village in enumerate(villages):
            s.add(Resident(zalo_user_id=f"u{i}", village_id=village.id))
        # message n from u(n % 2) at START + n hours; replies as listed (kind, status, delay)
        replies = {
            0: [("reply", "sent", 5), ("reply", "sent", 2)],  # the earliest sent counts: 2
            1: [("reply", "failed", 1), ("reply", "sent", 7)],  # 7
            2: [("notify", "sent", 1), ("reply", "pending", 1)],  # no reply sent
            3: [("reply", "sent", 3.25)],  # 3.25
            4: [("reply", "sent", 11.000001)],  # 11.000001 (microseconds kept)
        }
        for n, sends in replies.items():
            received = START + timedelta(hours=n)
            event = InboundEvent(
                dedupe_key=f"m{n}",
                event_name="user_send_text",
                subject_id=f"u{n % 2}",
                status="done",
                received_at=received,
            )
            s.add(event)
            s.flush()
            for k, (kind, status, delay) in enumerate(sends):
                s.add(
                    Outbox(
                        idempotency_key=f"{n}:{k}",
                        kind=kind,
                        recipient=f"u{n % 2}",
                        status=status,
                        source_event_id=event.id,
                        sent_at=received + timedelta(seconds=delay),
                        created_at=received,
                    )
                )
        # A follow event with a reply, and a message outside the range: not counted.
        for n, (name, when) in enumerate(
            [("follow", START), ("user_send_text", START - timedelta(days=5))]
        ):
            event = InboundEvent(
                dedupe_key=f"x{n}", event_name=name, subject_id="u0", received_at=when
            )
            s.add(event)
            s.flush()
            s.add(
                Outbox(
                    idempotency_key=f"x{n}",
                    recipient="u0",
                    status="sent",
                    source_event_id=event.id,
                    sent_at=when + timedelta(seconds=1),
                )
            )
        ids = [v.id for v in villages]
    with read_scope(engine) as s:
        window = window_for(date(2026, 11, 2), date(2026, 11, 4), None)
        assert q.reply_seconds(s, window) == [11.000001, 3.25, 7.0, 2.0]  # newest first
        assert q.reply_seconds(s, window, sample=2) == [11.000001, 3.25]
        assert q.median(q.reply_seconds(s, window)) == 5.12
        one = window_for(date(2026, 11, 2), date(2026, 11, 4), frozenset({ids[1]}))
        assert q.reply_seconds(s, one) == [3.25, 7.0]
