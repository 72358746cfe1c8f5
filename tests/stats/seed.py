"""Seeded statistics data with answers known in advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from db import eventlog
from db.models import InboundEvent, Outbox, Resident, ScamReport, Village
from db.session import session_scope

# 10:00 Vietnam time on 2026-11-10 and the following days
DAY0 = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


def day(n: int, hours: float = 0) -> datetime:
    return DAY0 + timedelta(days=n, hours=hours)


def village_ids(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {v.code: v.id for v in s.exec(select(Village)).all() if v.id is not None}


def seed(engine: Engine) -> dict[str, Any]:
    v = village_ids(engine)
    east, trung, tdp3 = v["thon-dong"], v["thon-trung-hoa"], v["tdp-3"]
    with session_scope(engine) as s:
        people = [
            Resident(zalo_user_id="r1", is_follower=True, village_id=east, followed_at=day(0)),
            Resident(zalo_user_id="r2", is_follower=True, village_id=east, followed_at=day(0)),
            Resident(zalo_user_id="r3", is_follower=True, village_id=trung, followed_at=day(1)),
            Resident(zalo_user_id="r4", is_follower=True, village_id=None, followed_at=day(1)),
            Resident(
                zalo_user_id="r5",
                is_follower=False,
                village_id=tdp3,
                followed_at=day(0),
                unfollowed_at=day(2),
            ),
        ]
        for p in people:
            s.add(p)
        s.flush()
        ids = {p.zalo_user_id: p for p in people}

        def log(kind: str, who: str, when: datetime, query: str | None = None, **kw: Any) -> None:
            r = ids[who]
            data = {"query": query} if query else None
            eventlog.record(
                s, kind=kind, now=when, resident_id=r.id, village_id=r.village_id, data=data, **kw
            )

        for who in ("r1", "r2", "r3", "r4", "r5"):
            log("follow", who, day(0 if who in ("r1", "r2", "r5") else 1))
        log("unfollow", "r5", day(2))
        # messages: day 0: r1 ×2, r2 ×1; day 1: r1, r3; day 2: r4 ×3  → 8 in, 4 active overall
        for who, d in [
            ("r1", 0),
            ("r1", 0),
            ("r2", 0),
            ("r1", 1),
            ("r3", 1),
            ("r4", 2),
            ("r4", 2),
            ("r4", 2),
        ]:
            log("message_in", who, day(d, 0.5))
        log("message_out", "r1", day(0, 0.5), value="3")
        log("message_out", "r4", day(2, 0.5), value="2")
        # flows: vneid started by 4, completed by 2, one cancel, one timeout; feedback 1/1
        for who in ("r1", "r2", "r3", "r4"):
            log("flow_start", who, day(1), flow="vneid")
            log("flow_step", who, day(1), flow="vneid", step="intro")
        for who in ("r1", "r2"):
            log("flow_step", who, day(1), flow="vneid", step="level2")
            log("flow_complete", who, day(1), flow="vneid", step="done")
        log("flow_cancel", "r3", day(1), flow="vneid", step="intro")
        log("flow_timeout", "r4", day(1), flow="vneid", step="intro")
        log("flow_feedback", "r1", day(1), flow="vneid", value="helpful")
        log("flow_feedback", "r2", day(1), flow="vneid", value="not_helpful")
        # procedures: khai sinh ×3, tạm trú ×1, not found ×2 (same query)
        for who in ("r1", "r2", "r3"):
            log("procedure_search", who, day(2), value="1.001193", query="khai sinh")
        log("procedure_search", "r1", day(2), value="1.004194", query="tam tru")
        for who in ("r2", "r4"):
            log("procedure_search", who, day(2), value="not_found", query="giấy phép nuôi ong")
        log("unanswered", "r4", day(2), value="cho hỏi giá lúa")
        log("unanswered", "r1", day(2), value="cho hỏi giá lúa")
        log("unanswered", "r3", day(2), value="ai trực hôm nay")
        # reply times: 2 s and 4 s → median 3 s
        for n, delay in ((1, 2.0), (2, 4.0)):
            event = InboundEvent(
                dedupe_key=f"msg:{n}",
                event_name="user_send_text",
                subject_id="r1",
                status="done",
                received_at=day(0, 1),
            )
            s.add(event)
            s.flush()
            s.add(
                Outbox(
                    idempotency_key=f"evt:{event.id}:0",
                    recipient="r1",
                    status="sent",
                    kind="reply",
                    source_event_id=event.id,
                    sent_at=day(0, 1) + timedelta(seconds=delay),
                    created_at=day(0, 1),
                )
            )
        # scam checks: 3 high (signals link_lookalike ×3, urgency ×2), 1 low; 3 reports
        for who, risk, signals in [
            ("r1", "high", ["link_lookalike", "urgency"]),
            ("r2", "high", ["link_lookalike", "urgency"]),
            ("r3", "high", ["link_lookalike"]),
            ("r4", "low", []),
        ]:
            r = ids[who]
            eventlog.record(
                s,
                kind="scam_check",
                now=day(1),
                resident_id=r.id,
                village_id=r.village_id,
                value=risk,
                data={"signals": signals, "is_scam": risk == "high"},
            )
        for who, scam_type in [
            ("r1", "gia_danh_cong_an"),
            ("r2", "gia_danh_cong_an"),
            ("r3", "trung_thuong"),
        ]:
            s.add(
                ScamReport(
                    resident_id=ids[who].id,
                    village_id=ids[who].village_id,
                    scam_type=scam_type,
                    text_redacted="...",
                    risk="high",
                    created_at=day(1),
                )
            )
        # outside the range: must not count
        log("message_in", "r1", day(-30))
    return {"east": east, "trung": trung, "tdp3": tdp3}
