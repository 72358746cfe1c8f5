"""Personal data (Law 91/2025/QH15): erasing one resident, what is kept about them, retention.

Erasing keeps the anonymous rows the statistics count (the resident row, their events, their
sends, their handoff requests) but cuts every link to the person: their Zalo id becomes a
random `erased:` token in every table, and their names, texts and payloads are emptied. The
daily rollups hold no Zalo id; the texts they hold (unanswered questions, searched words) are
replaced by a placeholder with the same counts.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, func, literal, or_, update
from sqlmodel import Session, col, select

from db.models import (
    CampaignDelivery,
    Conversation,
    EventLog,
    HandoffTicket,
    InboundEvent,
    Outbox,
    Resident,
    ScamReport,
    SkillProgress,
    StatDay,
    TeamMember,
    Village,
)

ERASED = "erased:"
PLACEHOLDER = "(đã xóa)"
# What an emptied payload or message body holds.
PURGED: dict[str, Any] = {"purged": True}
# Event-log kinds whose value or data carries the resident's own words.
TEXT_KINDS = ("unanswered", "flow_feedback", "procedure_search")
FINAL = ("sent", "failed", "cancelled", "skipped")
WAITING = ("pending", "held", "uncertain")
# Zalo's echoes and receipts of a send: they name the recipient.
ECHO_NAMES = ("user_received_message", "user_seen_message")
ECHO_PREFIX = "oa_send_"


def _erased_key() -> Any:
    return literal(ERASED, String) + cast(InboundEvent.id, String)


def new_token() -> str:
    return ERASED + secrets.token_hex(8)


def _event_ids(session: Session, zalo_id: str) -> list[int]:
    rows = session.exec(
        select(InboundEvent.id).where(col(InboundEvent.subject_id) == zalo_id)
    ).all()
    return [int(i) for i in rows if i is not None]


def _erase_inbound(session: Session, zalo_id: str, token: str, current_id: int | None) -> int:
    """Payloads emptied, the subject made the token; later pending events are dropped."""
    where = col(InboundEvent.subject_id) == zalo_id
    session.execute(
        update(InboundEvent)
        .where(where, col(InboundEvent.status) == "pending", col(InboundEvent.id) != current_id)
        .values(status="ignored")
    )
    result = session.execute(
        update(InboundEvent)
        .where(where)
        .values(
            subject_id=token,
            payload=PURGED,
            msg_id=None,
            dedupe_key=_erased_key(),
            error=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def _mentions(text: str, needles: Iterable[str], tickets: Iterable[int]) -> bool:
    if any(n and n in text for n in needles):
        return True
    return any(re.search(rf"#{t}(?!\d)", text) for t in tickets)


def _erase_outbox(
    session: Session,
    *,
    zalo_id: str,
    token: str,
    event_ids: list[int],
    tickets: list[int],
    needles: list[str],
    since: datetime,
) -> int:
    """Sends to the resident, sends decided in their turns (to team members, with their
    words), and notifications about their requests: emptied; those still waiting cancelled."""
    to_them = col(Outbox.recipient) == zalo_id
    about = [col(Outbox.idempotency_key).like(f"handoff:{t}:%") for t in tickets]
    if event_ids:
        about.append(col(Outbox.source_event_id).in_(event_ids))
    ids = set(session.exec(select(Outbox.id).where(or_(to_them, *about))).all())
    # Team members' notifications that name the resident or quote their request.
    others = session.exec(
        select(Outbox.id, Outbox.message).where(
            col(Outbox.kind).in_(("notify", "relay")), col(Outbox.created_at) >= since
        )
    ).all()
    ids |= {i for i, message in others if _mentions(_text_of(dict(message)), needles, tickets)}
    ids.discard(None)
    if not ids:
        return 0
    chosen = col(Outbox.id).in_(sorted(i for i in ids if i is not None))
    session.execute(
        update(Outbox)
        .where(chosen, col(Outbox.status).in_(WAITING))
        .values(status="cancelled", error_message="personal data erased")
    )
    session.execute(update(Outbox).where(chosen, to_them).values(recipient=token))
    session.execute(update(Outbox).where(chosen).values(message=PURGED, fingerprint=""))
    return len(ids)


def _erase_event_log(session: Session, resident_id: int) -> list[str]:
    """The resident's words in the analytics log emptied (counts kept); the texts found."""
    rows = session.exec(
        select(EventLog).where(
            col(EventLog.resident_id) == resident_id, col(EventLog.kind).in_(TEXT_KINDS)
        )
    ).all()
    found: list[str] = []
    for row in rows:
        if row.kind == "unanswered" and row.value:
            found.append(row.value)
            row.value = PLACEHOLDER
        query = row.data.get("query") if row.data else None
        if isinstance(query, str) and query:
            found.append(query)
        if row.data:
            row.data = {k: v for k, v in row.data.items() if k not in ("query", "comment")}
        session.add(row)
    return found


def _erase_rollup_texts(session: Session, texts: list[str]) -> int:
    """Rolled-up texts the resident typed become the placeholder, with the same counts."""
    cuts = sorted({t[:100] for t in texts if t})
    if not cuts:
        return 0
    rows = session.exec(
        select(StatDay).where(or_(col(StatDay.value).in_(cuts), col(StatDay.detail).in_(cuts)))
    ).all()
    for row in rows:
        value = PLACEHOLDER if row.value in cuts else row.value
        detail = PLACEHOLDER if row.detail in cuts else row.detail
        key = (row.day, row.village_id, row.kind, row.flow, row.step, value, detail)
        events = row.events
        session.delete(row)
        session.flush()
        target = session.get(StatDay, key)
        if target is None:
            target = StatDay(
                day=row.day,
                village_id=row.village_id,
                kind=row.kind,
                flow=row.flow,
                step=row.step,
                value=value,
                detail=detail,
                events=0,
            )
        target.events += events
        session.add(target)
        session.flush()
    return len(rows)


def _erase_requests(session: Session, resident_id: int, now: datetime) -> list[str]:
    """Handoff requests: words emptied, the open ones cancelled; the needs found."""
    tickets = session.exec(
        select(HandoffTicket).where(col(HandoffTicket.resident_id) == resident_id)
    ).all()
    needs = [t.need for t in tickets if t.need]
    for ticket in tickets:
        ticket.need = ""
        ticket.when_home = None
        if ticket.status in ("open", "accepted"):
            ticket.status = "cancelled"
            ticket.cancelled_at = now
        session.add(ticket)
    session.execute(
        update(ScamReport)
        .where(col(ScamReport.resident_id) == resident_id)
        .values(text_redacted="")
    )
    return needs


def ticket_ids(session: Session, resident_id: int) -> list[int]:
    rows = session.exec(
        select(HandoffTicket.id).where(col(HandoffTicket.resident_id) == resident_id)
    ).all()
    return [int(i) for i in rows if i is not None]


def erase_resident(
    session: Session, *, resident: Resident, now: datetime, current_event_id: int | None
) -> dict[str, int]:
    """Cut every link between `resident` and the person; how many rows each table changed.

    `current_event_id` is the event being handled (it stays pending for the processor)."""
    assert resident.id is not None
    zalo_id, token = resident.zalo_user_id, new_token()
    names = [n for n in (resident.display_name, resident.household_key) if n and len(n) >= 3]
    tickets = ticket_ids(session, resident.id)
    event_ids = _event_ids(session, zalo_id)
    needs = _erase_requests(session, resident.id, now)
    texts = _erase_event_log(session, resident.id)
    counts = {
        "inbound_event": _erase_inbound(session, zalo_id, token, current_event_id),
        "outbox": _erase_outbox(
            session,
            zalo_id=zalo_id,
            token=token,
            event_ids=event_ids,
            tickets=tickets,
            needles=[*names, *needs],
            since=resident.first_seen_at,
        ),
        "handoff_ticket": len(tickets),
        "event_log_texts": len(texts),
        "stat_day_texts": _erase_rollup_texts(session, texts),
    }
    counts["campaign_delivery"] = int(
        session.execute(
            update(CampaignDelivery)
            .where(col(CampaignDelivery.recipient) == zalo_id)
            .values(recipient=token, label="")
        ).rowcount  # type: ignore[attr-defined]
        or 0
    )
    # Emptied, not deleted: the turn that asked still saves its (reset) state.
    session.execute(
        update(Conversation)
        .where(col(Conversation.resident_id) == resident.id)
        .values(flow_id=None, step_id=None, data={}, history=[], mode="bot", expires_at=None)
    )
    resident.zalo_user_id = token
    resident.display_name = None
    # The household stays counted as one (anonymous) household; its name goes.
    resident.household_key = ERASED + secrets.token_hex(4) if resident.household_key else None
    resident.news_opt_in = False
    resident.news_opt_in_at = None
    resident.news_offered_at = None
    # The village stays on the anonymous row, like the household, so totals by village do
    # not change; when the question was asked and answered goes.
    resident.village_asked_at = None
    resident.village_answered_at = None
    resident.last_interaction_at = None
    session.add(resident)
    session.flush()
    return counts


def erase_subject(session: Session, *, zalo_id: str, current_event_id: int | None) -> int:
    """A Zalo id the bot never knew as a resident: its stored events and sends emptied."""
    token = new_token()
    n = _erase_inbound(session, zalo_id, token, current_event_id)
    return n + _erase_outbox(
        session,
        zalo_id=zalo_id,
        token=token,
        event_ids=[],
        tickets=[],
        needles=[],
        since=datetime.max.replace(tzinfo=UTC),
    )


# -- what is kept ----------------------------------------------------------------------------


def _village_name(session: Session, village_id: int | None) -> str | None:
    village = session.get(Village, village_id) if village_id is not None else None
    return village.name if village is not None else None


def kept_about(session: Session, *, resident: Resident) -> dict[str, Any]:
    """What the bot holds about one resident, for the summary in chat."""
    assert resident.id is not None
    messages = session.exec(
        select(func.count()).where(
            col(InboundEvent.subject_id) == resident.zalo_user_id,
            col(InboundEvent.event_name).like("user_send_%"),
            col(InboundEvent.payload) != PURGED,
        )
    ).one()
    requests = session.exec(
        select(func.count()).where(col(HandoffTicket.resident_id) == resident.id)
    ).one()
    skills = session.exec(
        select(func.count()).where(col(SkillProgress.resident_id) == resident.id)
    ).one()
    reports = session.exec(
        select(func.count()).where(col(ScamReport.resident_id) == resident.id)
    ).one()
    return {
        "name": bool(resident.display_name),
        "village": _village_name(session, resident.village_id),
        "household": bool(resident.household_key),
        "news": resident.news_opt_in,
        "messages": int(messages),
        "requests": int(requests),
        "skills": int(skills),
        "reports": int(reports),
    }


# -- retention --------------------------------------------------------------------------------


def purge_before(session: Session, *, cutoff: datetime) -> dict[str, int]:
    """Raw payloads and message texts older than `cutoff` emptied; the rows (and so the
    statistics: counts, reply times, villages) stay. Event-log texts only once rolled up."""

    def changed(result: Any) -> int:
        return int(result.rowcount or 0)

    counts = {
        "inbound_event": changed(
            session.execute(
                update(InboundEvent)
                .where(
                    col(InboundEvent.received_at) < cutoff,
                    col(InboundEvent.status) != "pending",
                    col(InboundEvent.payload) != PURGED,
                )
                .values(payload=PURGED, error=None)
            )
        ),
        "outbox": changed(
            session.execute(
                update(Outbox)
                .where(
                    col(Outbox.created_at) < cutoff,
                    col(Outbox.status).in_(FINAL),
                    col(Outbox.message) != PURGED,
                )
                .values(message=PURGED, fingerprint="", error_message=None)
            )
        ),
        "event_log": changed(
            session.execute(
                update(EventLog)
                .where(
                    col(EventLog.created_at) < cutoff,
                    col(EventLog.rolled),
                    col(EventLog.kind).in_(TEXT_KINDS),
                    col(EventLog.data) != {},
                )
                .values(data={})
            )
        ),
    }
    session.execute(
        update(EventLog)
        .where(
            col(EventLog.created_at) < cutoff,
            col(EventLog.rolled),
            col(EventLog.kind) == "unanswered",
            col(EventLog.value).is_not(None),
        )
        .values(value=None)
    )
    counts["handoff_ticket"] = changed(
        session.execute(
            update(HandoffTicket)
            .where(
                col(HandoffTicket.created_at) < cutoff,
                col(HandoffTicket.status).in_(("resolved", "cancelled")),
                col(HandoffTicket.need) != "",
            )
            .values(need="", when_home=None)
        )
    )
    counts["scam_report"] = changed(
        session.execute(
            update(ScamReport)
            .where(col(ScamReport.created_at) < cutoff, col(ScamReport.text_redacted) != "")
            .values(text_redacted="")
        )
    )
    return counts


def sweep_farewells(session: Session, *, sent_before: datetime) -> int:
    """After an erasure asked in chat, the goodbye is the one message still naming the
    person: once sent (and its echo and receipts arrived, before `sent_before`), it and
    Zalo's echoes and receipts of it lose the Zalo id."""
    rows = session.exec(
        select(Outbox).where(
            col(Outbox.kind) == "privacy",
            col(Outbox.status).in_(FINAL),
            col(Outbox.recipient).not_like(f"{ERASED}%"),
            or_(col(Outbox.sent_at).is_(None), col(Outbox.sent_at) < sent_before),
        )
    ).all()
    for row in rows:
        known = (
            session.exec(
                select(func.count()).where(col(Resident.zalo_user_id) == row.recipient)
            ).one()
            + session.exec(
                select(func.count()).where(col(TeamMember.zalo_user_id) == row.recipient)
            ).one()
        )
        if not known:
            _erase_echoes(session, row.recipient, since=row.created_at)
        row.recipient = ERASED + "farewell"
        row.message = PURGED
        row.fingerprint = ""
        session.add(row)
    return len(rows)


def _erase_echoes(session: Session, zalo_id: str, *, since: datetime) -> None:
    session.execute(
        update(InboundEvent)
        .where(
            col(InboundEvent.subject_id) == zalo_id,
            col(InboundEvent.received_at) >= since,
            or_(
                col(InboundEvent.event_name).in_(ECHO_NAMES),
                col(InboundEvent.event_name).like(f"{ECHO_PREFIX}%"),
            ),
        )
        .values(
            subject_id=ERASED + "echo",
            payload=PURGED,
            dedupe_key=_erased_key(),
        )
        .execution_options(synchronize_session=False)
    )


def mark_notice_shown(session: Session, *, resident: Resident, now: datetime) -> None:
    resident.privacy_notice_at = now
    session.add(resident)
