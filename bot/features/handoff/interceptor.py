"""The team's side and human mode: members' buttons, relaying messages both ways, ending."""

from __future__ import annotations

import logging
from typing import Any

from bot.features.handoff.common import (
    BOT,
    END_PAYLOAD,
    FLOW_ID,
    HUMAN,
    MEMBER_PREFIX,
    WAIT_STEPS,
    attachment_text,
    describe,
    eta_phrase,
    feedback_reply,
    holder_reply,
    request_reply,
    resident_name,
)
from bot.features.handoff.tickets import (
    cancel_request,
    log_event,
    minutes_between,
    recipients,
    rest_after_request,
)
from bot.flows.store import FlowState, SqlStore
from bot.replies import Button, Reply
from bot.text.normalize import typed_number
from bot.turn import Turn
from db import eventlog, org, residents
from db import handoff as tickets
from db.models import HandoffTicket, Resident, TeamMember

log = logging.getLogger(__name__)


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
        ticket_id = typed_number(raw_id, max_digits=15)
        ticket = tickets.get(turn.session, ticket_id=ticket_id) if ticket_id is not None else None
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
            tickets.reload(session, ticket=ticket)
            self._not_available(turn, member, ticket)
            return
        tickets.reload(session, ticket=ticket)
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
        self._tell_the_others(turn, member, ticket, place=str(context["place"]))
        log_event(
            session,
            "handoff_accepted",
            ticket,
            turn.now,
            value=str(member.id),
            member=member.id,
            minutes=minutes_between(ticket.created_at, turn.now),
        )

    def _tell_the_others(
        self, turn: Turn, member: TeamMember, ticket: HandoffTicket, *, place: str
    ) -> None:
        """Everyone else who was asked (the village's team, and the leaders once escalated)
        hears at once that the request is taken, so nobody sets out for the same house."""
        asked, _ = recipients(turn.session, ticket.village_id, exclude=member.id)
        if ticket.escalated_at is not None:
            asked += [m for m in org.commune_leaders(turn.session) if m.id != member.id]
        text = turn.texts.get(
            "handoff.member.taken_by_other", id=ticket.id, member=member.name, place=place
        )
        for other in {m.zalo_user_id: m for m in asked}.values():
            turn.notify(other.zalo_user_id, Reply(text))

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
            tickets.reload(session, ticket=ticket)
            self._not_available(turn, member, ticket)
            return
        tickets.reload(session, ticket=ticket)
        rest_after_request(turn, resident_state)
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
            tickets.reload(session, ticket=ticket)
            if by == "member":
                self._not_available(turn, member, ticket)
            else:
                resident_state.mode = BOT
            return
        rest_after_request(turn, resident_state)
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
            minutes=minutes_between(accepted_at, turn.now),
        )
