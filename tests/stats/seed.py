"""Seeded statistics data with answers known in advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from db import eventlog
from db import handoff as tickets
from db.models import (
    Campaign,
    CampaignDelivery,
    CampaignOccurrence,
    InboundEvent,
    Outbox,
    Resident,
    ScamReport,
    SkillProgress,
    TeamMember,
    Village,
)
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
            Resident(
                zalo_user_id="r1",
                is_follower=True,
                village_id=east,
                followed_at=day(0),
                household_key="Nguyễn Văn An",
            ),
            # r1's household, typed differently: one household
            Resident(
                zalo_user_id="r2",
                is_follower=True,
                village_id=east,
                followed_at=day(0),
                household_key="nguyen van  an",
            ),
            Resident(
                zalo_user_id="r3",
                is_follower=True,
                village_id=trung,
                followed_at=day(1),
                household_key="Hộ Trần Bình",
            ),
            Resident(zalo_user_id="r4", is_follower=True, village_id=None, followed_at=day(1)),
            Resident(
                zalo_user_id="r5",
                is_follower=False,
                village_id=tdp3,
                followed_at=day(0),
                unfollowed_at=day(2),
                household_key="TDP3-017",
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
        _skills(s, ids)
        _handoffs(s, ids)
        _broadcasts(s, ids, v)
    return {"east": east, "trung": trung, "tdp3": tdp3}


SKILLS = (
    "online_services",
    "online_payment",
    "online_shopping",
    "online_safety",
    "local_platforms",
)


def _skills(s: Session, ids: dict[str, Resident]) -> None:
    """r1, r2 (one household, Thôn Đông), r4 (no village, no household) mastered all five in
    the range; r5 (Tổ dân phố 3) before it; r3 (Trung Hòa) passed four, failed shopping."""
    for who, when in (("r1", day(1)), ("r2", day(1, 2)), ("r4", day(2)), ("r5", day(-20))):
        for n, skill in enumerate(SKILLS):
            s.add(_progress(ids[who], skill, passed_at=when + timedelta(minutes=n)))
    for skill in SKILLS:
        passed = skill != "online_shopping"
        s.add(_progress(ids["r3"], skill, passed_at=day(1) if passed else None))
    s.flush()


def _progress(resident: Resident, skill: str, *, passed_at: datetime | None) -> SkillProgress:
    return SkillProgress(
        resident_id=resident.id or 0,
        skill=skill,
        passed=passed_at is not None,
        best_score=3 if passed_at else 1,
        questions=3,
        attempts=1,
        last_attempt_at=passed_at or day(1),
        passed_at=passed_at,
    )


def _handoffs(s: Session, ids: dict[str, Resident]) -> None:
    """In the range: 5 requested, 3 accepted (after 6, 10, 20 minutes), 2 resolved,
    1 cancelled, 1 escalated and still open, 1 in progress; one more before the range."""
    members = {m.name: m.id or 0 for m in s.exec(select(TeamMember)).all()}
    hung, mai = members["Trần Văn Hùng"], members["Lê Thị Mai"]

    def ticket(who: str, when: datetime) -> int:
        r = ids[who]
        row = tickets.create(
            s,
            resident_id=r.id or 0,
            village_id=r.village_id,
            need="giúp với",
            when_home=None,
            now=when,
        )
        return row.id or 0

    t1 = ticket("r1", day(0))  # Thôn Đông: Hùng, 6 minutes, resolved
    assert tickets.accept(s, ticket_id=t1, member_id=hung, now=day(0) + timedelta(minutes=6))
    assert tickets.resolve(s, ticket_id=t1, now=day(0, 1))
    t2 = ticket("r2", day(1))  # Thôn Đông: Hùng, 10 minutes, in progress
    assert tickets.accept(s, ticket_id=t2, member_id=hung, now=day(1) + timedelta(minutes=10))
    t3 = ticket("r3", day(1))  # Trung Hòa: Mai, 20 minutes, resolved
    assert tickets.accept(s, ticket_id=t3, member_id=mai, now=day(1) + timedelta(minutes=20))
    assert tickets.resolve(s, ticket_id=t3, now=day(2))
    t4 = ticket("r4", day(2))  # commune level: escalated, still waiting
    row = tickets.get(s, ticket_id=t4)
    assert row is not None
    tickets.mark_escalated(s, ticket=row, now=day(2) + timedelta(minutes=31))
    t5 = ticket("r5", day(2))  # Tổ dân phố 3: cancelled
    assert tickets.cancel(s, ticket_id=t5, now=day(2) + timedelta(minutes=5))
    t6 = ticket("r1", day(-10))  # before the range: Mai, resolved
    assert tickets.accept(s, ticket_id=t6, member_id=mai, now=day(-10) + timedelta(minutes=2))
    assert tickets.resolve(s, ticket_id=t6, now=day(-9))


def _broadcasts(s: Session, ids: dict[str, Resident], v: dict[str, int]) -> None:
    """Two campaigns in the range and one before it.

    "Ngày hội DVC" (day 1): commune group sent; Thôn Đông group sent and seen; Tổ 3 group
    failed (-403); relays to Trung Hòa (sent, confirmed) and Nà Lầy (sent, not confirmed);
    followers r1 sent, r2 skipped. "Cảnh báo lừa đảo" (day 2): r3 sent and seen, r5 pending,
    Thôn Đông group sent. "Cũ" (day -10): Thôn Đông group sent (outside the range).
    """
    east, trung, nalay, tdp3 = v["thon-dong"], v["thon-trung-hoa"], v["ban-na-lay"], v["tdp-3"]

    def campaign(title: str, when: datetime, targets: list[tuple[Any, ...]]) -> None:
        row = Campaign(title=title, created_by="test", status="done", created_at=when)
        s.add(row)
        s.flush()
        occurrence = CampaignOccurrence(
            campaign_id=row.id or 0,
            key=when.strftime("%Y%m%d%H%M"),
            scheduled_at=when,
            fired_at=when,
            status="sent",
            targets=len(targets),
        )
        s.add(occurrence)
        s.flush()
        for n, (kind, village, status, extra) in enumerate(targets):
            s.add(
                CampaignDelivery(
                    campaign_id=row.id or 0,
                    occurrence_id=occurrence.id or 0,
                    idempotency_key=f"c{row.id}:{occurrence.key}:{n}",
                    target_kind=kind,
                    recipient=f"target-{n}",
                    village_id=village,
                    status=status,
                    created_at=when,
                    **extra,
                )
            )

    campaign(
        "Ngày hội DVC",
        day(1),
        [
            ("group", None, "sent", {"sent_at": day(1)}),
            ("group", east, "sent", {"sent_at": day(1), "seen_at": day(1, 2)}),
            ("group", tdp3, "failed", {"error_code": -403, "reason": "OA không ở trong nhóm"}),
            (
                "relay",
                trung,
                "sent",
                {"sent_at": day(1), "relay_confirmed_at": day(1, 1), "relay_confirmed_by": "Mai"},
            ),
            ("relay", nalay, "sent", {"sent_at": day(1)}),
            ("followers", east, "sent", {"sent_at": day(1)}),
            ("followers", east, "skipped", {"reason": "ngoài thời gian tương tác"}),
        ],
    )
    campaign(
        "Cảnh báo lừa đảo",
        day(2),
        [
            ("followers", trung, "sent", {"sent_at": day(2), "seen_at": day(2, 1)}),
            ("followers", tdp3, "pending", {}),
            ("group", east, "sent", {"sent_at": day(2)}),
        ],
    )
    campaign("Cũ", day(-10), [("group", east, "sent", {"sent_at": day(-10)})])
