"""Reaching a real team member ("Gặp cán bộ hỗ trợ"): tickets, the team's side, human mode.

The resident asks through the `handoff` flow (content/flows/handoff.yaml, hooks in
bot/features/handoff/hooks.py). Creating the ticket sends the request, with a "Nhận hỗ trợ"
button, to the active team members of the resident's village, or to the commune leaders
when there is no village or nobody serves it. The rest happens here:

- Team members' buttons carry `#h:accept:<id>`, `#h:resolve:<id>`, `#h:release:<id>`. The
  first member to accept gets the ticket; later taps are told who took it. Only team members
  (`db.org.member_by_zalo_id`) may use them; anyone else gets a polite refusal.
- Human mode: while a ticket is accepted, the resident's conversation has mode "human". The
  resident's messages are relayed to the member and the member's plain messages to the
  resident (of the member's most recently accepted ticket); the bot adds nothing of its own.
  "kết thúc" from either side, or "Đã xong", resolves the ticket, returns the resident to the
  bot and asks whether the team member helped. "Trả lại" hands the ticket back to the others.
- Escalation (`escalate_due`, every minute from the scheduler): a request still open after
  `handoff_escalate_after_min` goes to the commune leaders, once.

Lock order, to stay clear of deadlocks between a resident's turn and a member's turn: the
resident's conversation row first, then the ticket row.

Zalo delivers a CS message only to someone who interacted with the OA in the last 7 days, so
team members must write to the OA now and then. A notification that cannot be delivered ends
as a failed outbox row; escalation then brings the request to the leaders.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.delivery import queue_reply
from bot.flows.engine import FEEDBACK_STEP, payload
from bot.flows.store import FlowState, SqlStore
from bot.replies import Button, Reply
from bot.services import MENU_PAYLOAD
from bot.texts import Texts
from bot.turn import Turn
from bot.zalo.events import UserMessageEvent
from db import eventlog, org, residents
from db import handoff as tickets
from db.models import HandoffTicket, Resident, TeamMember
from db.session import session_scope

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

FLOW_ID = "handoff"
# The flow's steps a resident rests on while their request waits for a team member.
WAIT_STEPS = ("sent", "already_open")
REST_STEP = "sent"
MEMBER_PREFIX = "#h:"
# The resident's "Kết thúc trò chuyện" button (typing "kết thúc" does the same).
END_PAYLOAD = "#handoff:end"
HUMAN = "human"
BOT = "bot"
WHEN_CODES = ("morning", "afternoon", "evening", "anytime", "skip")
# Local hour until which a member accepting can still make "this morning/afternoon/evening".
ETA_CUTOFF_HOUR = {"morning": 10, "afternoon": 16, "evening": 20}
TODAY_CUTOFF_HOUR = 17


# -- what people are shown ---------------------------------------------------------------------


def resident_name(texts: Texts, resident: Resident | None) -> str:
    if resident is not None and resident.display_name:
        return resident.display_name
    return texts.get("handoff.resident_unknown")


def when_label(texts: Texts, when_home: str | None) -> str:
    """A button's code as words ("buổi chiều"); the resident's own words stay as typed."""
    if not when_home:
        return texts.get("handoff.when.skip")
    if when_home in WHEN_CODES:
        return texts.get(f"handoff.when.{when_home}")
    return when_home


def eta_phrase(texts: Texts, when_home: str | None, local_now: datetime) -> str:
    """Roughly when the team member will be in touch ("trong chiều nay", "vào sáng mai")."""
    hour = local_now.hour
    if when_home in ETA_CUTOFF_HOUR:
        day = "today" if hour < ETA_CUTOFF_HOUR[when_home] else "tomorrow"
        return texts.get(f"handoff.eta.{when_home}_{day}")
    return texts.get("handoff.eta.today" if hour < TODAY_CUTOFF_HOUR else "handoff.eta.tomorrow")


def describe(session: Session, texts: Texts, ticket: HandoffTicket) -> dict[str, Any]:
    """The template variables about a ticket that team members' texts use."""
    resident = residents.get(session, resident_id=ticket.resident_id)
    village = (
        org.village_by_id(session, village_id=ticket.village_id)
        if ticket.village_id is not None
        else None
    )
    return {
        "id": ticket.id,
        "resident": resident_name(texts, resident),
        "place": village.name if village is not None else texts.get("handoff.commune_level"),
        "need": ticket.need,
        "when": when_label(texts, ticket.when_home),
    }


def member_payload(action: str, ticket_id: int | None) -> str:
    return f"{MEMBER_PREFIX}{action}:{ticket_id}"


def request_reply(texts: Texts, key: str, context: dict[str, Any]) -> Reply:
    """A request as team members see it, with the "Nhận hỗ trợ" button."""
    accept = Button(
        texts.get("handoff.member.accept_button"), payload=member_payload("accept", context["id"])
    )
    return Reply(texts.get(key, **context), buttons=(accept,))


def holder_reply(texts: Texts, key: str, ticket_id: int | None, **context: Any) -> Reply:
    """A message to the member holding a ticket, with "Đã xong" and "Trả lại"."""
    return Reply(
        texts.get(key, id=ticket_id, **context),
        buttons=(
            Button(
                texts.get("handoff.member.resolve_button"),
                payload=member_payload("resolve", ticket_id),
            ),
            Button(
                texts.get("handoff.member.release_button"),
                payload=member_payload("release", ticket_id),
            ),
        ),
    )


def feedback_reply(texts: Texts, lead: str) -> Reply:
    """The end of a handoff: `lead`, then "did the team member help?" answered through the
    flow engine's feedback buttons (logged as `flow_feedback` of the handoff flow)."""
    question = texts.get("handoff.feedback_question")
    return Reply(
        f"{lead}\n{question}",  # one paragraph: one Zalo message
        buttons=(
            Button(
                texts.get("handoff.feedback_yes"), payload=payload(FLOW_ID, FEEDBACK_STEP, "fb:yes")
            ),
            Button(
                texts.get("handoff.feedback_no"), payload=payload(FLOW_ID, FEEDBACK_STEP, "fb:no")
            ),
            Button(texts.get("handoff.menu_button"), payload=MENU_PAYLOAD),
        ),
    )


def attachment_text(turn: Turn) -> str:
    """A photo, file, location... as one line a person can open: "[Ảnh] https://..."."""
    event = turn.event
    if not isinstance(event, UserMessageEvent) or event.kind == "text":
        return ""
    texts = turn.texts
    key = f"handoff.attachment.{event.kind}"
    parts = [texts.get(key) if texts.has(key) else texts.get("handoff.attachment.other")]
    for attachment in event.message.attachments:
        data = attachment.payload if isinstance(attachment.payload, dict) else {}
        url = data.get("url")
        where = data.get("coordinates")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            parts.append(url)
        elif isinstance(where, dict) and where.get("latitude") and where.get("longitude"):
            parts.append(f"https://maps.google.com/?q={where['latitude']},{where['longitude']}")
    caption = (event.message.text or "").strip()
    if caption and caption not in parts:
        parts.append(caption)
    return " ".join(parts)


# -- tickets -----------------------------------------------------------------------------------


def recipients(
    session: Session, village_id: int | None, *, exclude: int | None = None
) -> tuple[list[TeamMember], bool]:
    """Who is told about a request: (members, True) for the village's active team members,
    else (the commune leaders, False)."""
    if village_id is not None:
        members = [
            m for m in org.members_of_village(session, village_id=village_id) if m.id != exclude
        ]
        if members:
            return members, True
    return [m for m in org.commune_leaders(session) if m.id != exclude], False


def log_event(
    session: Session,
    kind: str,
    ticket: HandoffTicket,
    now: datetime,
    *,
    value: str | None = None,
    **data: Any,
) -> None:
    """Record a handoff event under the ticket's resident and village (whoever's turn it is)."""
    eventlog.record(
        session,
        kind=kind,
        now=now,
        resident_id=ticket.resident_id,
        village_id=ticket.village_id,
        flow=FLOW_ID,
        value=value,
        data={"ticket": ticket.id, **data},
    )


def _minutes(start: datetime | None, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 1) if start is not None else 0.0


def create_request(
    turn: Turn, *, need: str, when_home: str | None, village_id: int | None
) -> tuple[HandoffTicket, list[TeamMember], bool]:
    """Open a ticket for the turn's resident and notify the team: (ticket, notified members,
    True when they are the village's members rather than the commune leaders)."""
    resident = turn.resident
    assert resident is not None and resident.id is not None
    session = turn.session
    ticket = tickets.create(
        session,
        resident_id=resident.id,
        village_id=village_id,
        need=need,
        when_home=when_home,
        now=turn.now,
    )
    notified, from_village = recipients(session, village_id)
    reply = request_reply(turn.texts, "handoff.member.new", describe(session, turn.texts, ticket))
    for member in notified:
        turn.notify(member.zalo_user_id, reply)
    log_event(
        session,
        "handoff_requested",
        ticket,
        turn.now,
        value="village" if from_village else "commune",
        notified=len(notified),
        when_home=when_home if when_home in WHEN_CODES else ("text" if when_home else None),
    )
    return ticket, notified, from_village


def cancel_request(turn: Turn) -> str:
    """Withdraw the turn's resident's open request; what to tell them."""
    resident = turn.resident
    assert resident is not None and resident.id is not None
    session = turn.session
    texts: Texts = turn.texts
    ticket = tickets.active_for_resident(session, resident_id=resident.id)
    if ticket is None or ticket.id is None or ticket.status != "open":
        return texts.get("handoff.nothing_to_cancel")
    if not tickets.cancel(session, ticket_id=ticket.id, now=turn.now):
        return texts.get("handoff.nothing_to_cancel")
    log_event(
        session,
        "handoff_cancelled",
        ticket,
        turn.now,
        minutes=_minutes(ticket.created_at, turn.now),
    )
    return texts.get("handoff.cancelled")


def _rest(turn: Turn, state: FlowState) -> None:
    """Back with the bot, resting on the flow's end step (where the feedback buttons and a
    typed "hủy" for a waiting request are understood)."""
    state.flow_id = FLOW_ID
    state.step_id = REST_STEP
    state.data = {"_finished": True}
    state.history = []
    state.mode = BOT
    turn.services.flows.touch(turn, state)


# -- the interceptor ---------------------------------------------------------------------------


class HandoffInterceptor:
    """Sees every message before normal routing (`bot.dispatcher.Interceptor`): team members'
    `#h:` buttons and relayed replies, residents in human mode, "hủy" for a waiting request.
    Non-text messages arrive with text "" (the message is `turn.event`)."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or resident.id is None:
            return False
        session = turn.session
        if text.startswith(MEMBER_PREFIX):
            member = org.member_by_zalo_id(session, zalo_user_id=resident.zalo_user_id)
            if member is None:
                turn.say(Reply(turn.texts.get("handoff.not_for_residents")))
                turn.log("handoff_refused", flow=FLOW_ID)
                return True
            self._member_button(turn, member, text)
            return True
        if state.mode == HUMAN:
            return self._from_resident_in_human_mode(turn, state, text)
        if text == END_PAYLOAD:
            turn.services.show_menu(turn, lead=turn.texts.get("handoff.already_ended"))
            return True
        member = org.member_by_zalo_id(session, zalo_user_id=resident.zalo_user_id)
        if member is not None and self._from_member(turn, member, text):
            return True
        return self._typed_cancel(turn, state, text)

    # -- residents ---------------------------------------------------------------------------

    def _from_resident_in_human_mode(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        assert resident is not None and resident.id is not None
        session = turn.session
        texts = turn.texts
        ticket = tickets.active_for_resident(session, resident_id=resident.id)
        member = None
        if ticket is not None and ticket.status == "accepted" and ticket.assigned_member_id:
            member = org.member_by_id(session, member_id=ticket.assigned_member_id)
        if ticket is None or member is None:
            state.mode = BOT  # nobody holds the conversation any more: the bot answers
            return False
        command = turn.services.router.global_command(text) if text else None
        if text == END_PAYLOAD or command == "end":
            self._end(turn, ticket, member, by="resident", resident_state=state)
            return True
        if text.startswith("#") or command == "menu":
            # A bot button or "menu": say how to get the bot back, relay nothing.
            turn.say(
                Reply(
                    texts.get("handoff.human_mode_reminder", member=member.name),
                    buttons=(Button(texts.get("handoff.end_button"), payload=END_PAYLOAD),),
                )
            )
            return True
        body = text or attachment_text(turn)
        if body:
            relay = texts.get(
                "handoff.member.relay_from_resident",
                resident=resident_name(texts, resident),
                id=ticket.id,
                text=body,
            )
            turn.notify(member.zalo_user_id, Reply(relay), kind="relay")
            log_event(session, "handoff_relay", ticket, turn.now, value="to_member")
        return True

    def _typed_cancel(self, turn: Turn, state: FlowState, text: str) -> bool:
        """ "hủy" cancels a waiting request, unless another flow is under way (then it
        leaves that flow, as everywhere else)."""
        if not text or turn.services.router.global_command(text) != "cancel":
            return False
        waiting = state.flow_id == FLOW_ID and state.step_id in WAIT_STEPS
        if state.active and not state.data.get("_finished") and not waiting:
            return False
        resident = turn.resident
        assert resident is not None and resident.id is not None
        ticket = tickets.active_for_resident(turn.session, resident_id=resident.id)
        if ticket is None or ticket.status != "open":
            return False
        message = cancel_request(turn)
        turn.services.flows.reset(state)
        turn.services.show_menu(turn, lead=message)
        return True

    # -- team members ------------------------------------------------------------------------

    def _from_member(self, turn: Turn, member: TeamMember, text: str) -> bool:
        """A member's plain message goes to the resident of their latest accepted ticket."""
        if text.startswith("#") or member.id is None:
            return False
        session = turn.session
        texts = turn.texts
        held = tickets.accepted_by_member(session, member_id=member.id)
        if not held:
            return False
        ticket = held[0]
        if text and turn.services.router.global_command(text) == "end":
            self._end(turn, ticket, member, by="member")
            return True
        body = text or attachment_text(turn)
        resident = residents.get(session, resident_id=ticket.resident_id)
        if not body or resident is None:
            return True
        relay = texts.get("handoff.relay_to_resident", member=member.name, text=body)
        turn.notify(resident.zalo_user_id, Reply(relay), kind="relay")
        log_event(session, "handoff_relay", ticket, turn.now, value="to_resident")
        if len(held) > 1:
            turn.say(
                texts.get(
                    "handoff.member.relayed_to",
                    resident=resident_name(texts, resident),
                    id=ticket.id,
                    holding=len(held),
                )
            )
        return True

    def _member_button(self, turn: Turn, member: TeamMember, text: str) -> None:
        action, _, raw_id = text.removeprefix(MEMBER_PREFIX).partition(":")
        ticket = tickets.get(turn.session, ticket_id=int(raw_id)) if raw_id.isdigit() else None
        handlers = {"accept": self._accept, "resolve": self._resolve, "release": self._release}
        handler = handlers.get(action)
        if ticket is None or handler is None:
            turn.say(turn.texts.get("handoff.member.not_found"))
            return
        handler(turn, member, ticket)

    def _accept(self, turn: Turn, member: TeamMember, ticket: HandoffTicket) -> None:
        session = turn.session
        texts = turn.texts
        assert member.id is not None and ticket.id is not None
        resident = residents.get(session, resident_id=ticket.resident_id)
        if resident is None or resident.id is None:
            turn.say(texts.get("handoff.member.not_found"))
            return
        if resident.zalo_user_id == member.zalo_user_id:
            turn.say(texts.get("handoff.member.own_request"))
            return
        store = SqlStore(session)
        resident_state = store.get(resident.id) or FlowState()  # lock order: conversation first
        if not tickets.accept(session, ticket_id=ticket.id, member_id=member.id, now=turn.now):
            session.refresh(ticket)
            self._not_available(turn, member, ticket)
            return
        session.refresh(ticket)
        self._enter_human_mode(turn, resident, resident_state)
        store.save(resident.id, resident_state)
        local = turn.now.astimezone(turn.services.settings.tz)
        eta = eta_phrase(texts, ticket.when_home, local)
        turn.notify(
            resident.zalo_user_id,
            Reply(
                texts.get("handoff.accepted", member=member.name, eta=eta),
                buttons=(Button(texts.get("handoff.end_button"), payload=END_PAYLOAD),),
            ),
        )
        held = tickets.accepted_by_member(session, member_id=member.id)
        context = describe(session, texts, ticket)
        del context["id"]
        turn.say(
            holder_reply(texts, "handoff.member.accepted", ticket.id, holding=len(held), **context)
        )
        log_event(
            session,
            "handoff_accepted",
            ticket,
            turn.now,
            value=str(member.id),
            member=member.id,
            minutes=_minutes(ticket.created_at, turn.now),
        )

    def _enter_human_mode(self, turn: Turn, resident: Resident, state: FlowState) -> None:
        if state.active and not state.data.get("_finished") and state.flow_id != FLOW_ID:
            eventlog.record(
                turn.session,
                kind="flow_exit",
                now=turn.now,
                resident_id=resident.id,
                village_id=resident.village_id,
                flow=state.flow_id,
                step=state.step_id,
                data={"reason": "handoff"},
            )
        turn.services.flows.reset(state)
        state.mode = HUMAN
        state.updated_at = turn.now
        state.expires_at = None

    def _not_available(self, turn: Turn, member: TeamMember, ticket: HandoffTicket) -> None:
        """Tell a member why they cannot accept: someone was first, it is done or cancelled."""
        texts = turn.texts
        if ticket.status == "accepted" and ticket.assigned_member_id == member.id:
            turn.say(holder_reply(texts, "handoff.member.already_yours", ticket.id))
        elif ticket.status == "accepted" and ticket.assigned_member_id is not None:
            holder = org.member_by_id(turn.session, member_id=ticket.assigned_member_id)
            name = holder.name if holder is not None else "?"
            turn.say(texts.get("handoff.member.taken", id=ticket.id, member=name))
        elif ticket.status == "resolved":
            turn.say(texts.get("handoff.member.closed", id=ticket.id))
        elif ticket.status == "cancelled":
            turn.say(texts.get("handoff.member.cancelled", id=ticket.id))
        else:
            turn.say(texts.get("handoff.member.not_yours", id=ticket.id))

    def _holds(self, turn: Turn, member: TeamMember, ticket: HandoffTicket) -> bool:
        if ticket.status == "accepted" and ticket.assigned_member_id == member.id:
            return True
        if ticket.status == "open":
            turn.say(turn.texts.get("handoff.member.not_yours", id=ticket.id))
        else:
            self._not_available(turn, member, ticket)
        return False

    def _resolve(self, turn: Turn, member: TeamMember, ticket: HandoffTicket) -> None:
        if self._holds(turn, member, ticket):
            self._end(turn, ticket, member, by="member")

    def _release(self, turn: Turn, member: TeamMember, ticket: HandoffTicket) -> None:
        if not self._holds(turn, member, ticket):
            return
        session = turn.session
        texts = turn.texts
        assert member.id is not None and ticket.id is not None
        resident = residents.get(session, resident_id=ticket.resident_id)
        assert resident is not None and resident.id is not None
        store = SqlStore(session)
        resident_state = store.get(resident.id) or FlowState()
        if not tickets.release(session, ticket_id=ticket.id, member_id=member.id):
            session.refresh(ticket)
            self._not_available(turn, member, ticket)
            return
        session.refresh(ticket)
        _rest(turn, resident_state)
        store.save(resident.id, resident_state)
        turn.notify(resident.zalo_user_id, Reply(texts.get("handoff.released", member=member.name)))
        others, _ = recipients(session, ticket.village_id, exclude=member.id)
        reply = request_reply(texts, "handoff.member.new", describe(session, texts, ticket))
        for other in others:
            turn.notify(other.zalo_user_id, reply)
        turn.say(texts.get("handoff.member.released", id=ticket.id))
        log_event(
            session,
            "handoff_released",
            ticket,
            turn.now,
            value=str(member.id),
            member=member.id,
            notified=len(others),
        )

    # -- the end of a handoff ----------------------------------------------------------------

    def _end(
        self,
        turn: Turn,
        ticket: HandoffTicket,
        member: TeamMember,
        *,
        by: str,
        resident_state: FlowState | None = None,
    ) -> None:
        """Resolve the ticket: the resident is back with the bot and asked for feedback."""
        session = turn.session
        texts = turn.texts
        assert member.id is not None and ticket.id is not None
        resident = residents.get(session, resident_id=ticket.resident_id)
        assert resident is not None and resident.id is not None
        store = None
        if resident_state is None:
            store = SqlStore(session)
            resident_state = store.get(resident.id) or FlowState()
        accepted_at = ticket.accepted_at
        if not tickets.resolve(session, ticket_id=ticket.id, now=turn.now):
            session.refresh(ticket)
            if by == "member":
                self._not_available(turn, member, ticket)
            else:
                resident_state.mode = BOT
            return
        _rest(turn, resident_state)
        if store is not None:
            store.save(resident.id, resident_state)
        lead_key = (
            "handoff.resolved_by_member" if by == "member" else "handoff.resolved_by_resident"
        )
        feedback = feedback_reply(texts, texts.get(lead_key, member=member.name))
        held = tickets.accepted_by_member(session, member_id=member.id)
        following: dict[str, Any] = {"next_id": 0, "next_resident": ""}
        if held:
            successor = residents.get(session, resident_id=held[0].resident_id)
            following = {"next_id": held[0].id, "next_resident": resident_name(texts, successor)}
        if by == "resident":
            turn.say(feedback)
            ended = texts.get(
                "handoff.member.resident_ended",
                resident=resident_name(texts, resident),
                id=ticket.id,
                **following,
            )
            turn.notify(member.zalo_user_id, Reply(ended))
        else:
            turn.notify(resident.zalo_user_id, feedback)
            turn.say(texts.get("handoff.member.resolved", id=ticket.id, **following))
        log_event(
            session,
            "handoff_resolved",
            ticket,
            turn.now,
            value=by,
            member=member.id,
            minutes=_minutes(accepted_at, turn.now),
        )


# -- escalation --------------------------------------------------------------------------------


def _enqueue(
    session: Session, *, key: str, recipient: str, reply: Reply, now: datetime, settings: Settings
) -> None:
    queue_reply(
        session,
        key=key,
        recipient=recipient,
        reply=reply,
        now=now,
        kind="notify",
        image_url=settings.zalo_menu_image_url,
    )


def escalate_due(
    engine: Engine, *, now: datetime, settings: Settings, texts: Texts | None = None
) -> int:
    """Send the requests nobody accepted within `handoff_escalate_after_min` to the commune
    leaders (and tell the resident), once per ticket; the number of tickets escalated.

    One transaction; every message has an idempotency key (`handoff:<id>:escalate:<member>`),
    so a run repeated after a crash sends nothing twice.
    """
    texts = texts or Texts.load(settings.content_dir)
    cutoff = now - timedelta(minutes=settings.handoff_escalate_after_min)
    with session_scope(engine) as session:
        due = tickets.due_for_escalation(session, created_before=cutoff)
        if not due:
            return 0
        leaders = org.commune_leaders(session)
        for ticket in due:
            tickets.mark_escalated(session, ticket=ticket, now=now)
            waited = int(_minutes(ticket.created_at, now))
            context = describe(session, texts, ticket) | {"minutes": waited}
            reply = request_reply(texts, "handoff.member.escalated", context)
            for leader in leaders:
                _enqueue(
                    session,
                    key=f"handoff:{ticket.id}:escalate:{leader.id}",
                    recipient=leader.zalo_user_id,
                    reply=reply,
                    now=now,
                    settings=settings,
                )
            resident = residents.get(session, resident_id=ticket.resident_id)
            if resident is not None:
                _enqueue(
                    session,
                    key=f"handoff:{ticket.id}:escalate:resident",
                    recipient=resident.zalo_user_id,
                    reply=Reply(texts.get("handoff.escalated_resident")),
                    now=now,
                    settings=settings,
                )
            log_event(
                session,
                "handoff_escalated",
                ticket,
                now,
                value=str(len(leaders)),
                leaders=[leader.id for leader in leaders],
                minutes=waited,
            )
        return len(due)


async def escalation_job(runtime: Runtime) -> None:
    """The scheduler's job (every 60 s): `escalate_due` in a worker thread, then wake the
    sender so the leaders hear about it at once."""
    count = await asyncio.to_thread(
        escalate_due,
        runtime.engine,
        now=runtime.clock.now(),
        settings=runtime.settings,
        texts=runtime.services.texts,
    )
    if count:
        log.info("escalated %d handoff request(s) to the commune leaders", count)
        runtime.sender.wake()
