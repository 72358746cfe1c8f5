"""Team leaders create and manage campaigns in their Zalo chat with the OA, and team members
confirm relays (a chat interceptor of the campaigns feature, see `feature.py`).

- "thông báo": a guided wizard — a template or own text → (template) place; time; date →
  villages within the leader's scope → now or a time → preview → confirm.
  "hủy" stops it at any step.
  Times are read by `when.py` ("8h sáng mai", "15h30 thu 6") and said back in words; the
  preview warns when the leader's text has no diacritics at all and offers to retype it; a
  send "now" asks Có/Không first.
- "lịch thông báo": the leader's campaigns still to send, each with a cancel button (which asks
  Có/Không before cancelling), and those sent in the last days.
- `#cr:<delivery id>` ("Đã chuyển vào nhóm"): records who forwarded a relay, and when.

Only registered team members with the role commune_leader or village_leader may create
campaigns; other members get a polite refusal; residents' words are left to normal routing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.features.campaigns import chat_manage as manage
from bot.features.campaigns import lifecycle
from bot.features.campaigns import schedule as sched
from bot.features.campaigns import when as words
from bot.features.campaigns.approval import APPROVE_PREFIX, REJECT_PREFIX
from bot.features.campaigns.chat_base import (
    CANCEL_TYPED,
    LIST_WORDS,
    PREFIX,
    START_WORDS,
    WIZARD,
    offer,
    p,
    said_when,
    typed_choice,
    wizard_templates,
    yes_or_no,
)
from bot.features.campaigns.content import CampaignTemplate
from bot.features.campaigns.notify import CONFIRM_PREFIX, quiet_hold
from bot.features.campaigns.relays import confirm_in_chat
from bot.features.campaigns.samples import repeating, sample_date, suggested_repeat
from bot.features.campaigns.scope import Actor, actor_for_member
from bot.features.campaigns.spec import (
    TARGET_KINDS,
    CampaignError,
    Context,
    Spec,
    commune_name,
    render_for,
)
from bot.flows.store import FlowState
from bot.replies import Button, Reply, fit_labels
from bot.text.normalize import normalize
from bot.text.syllables import typed_without_diacritics
from bot.turn import Turn
from db import campaigns as rows
from db import org

log = logging.getLogger(__name__)


class CampaignInterceptor:
    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or resident.id is None:
            return False
        if text.startswith(CONFIRM_PREFIX):
            confirm_in_chat(turn, text)
            return True
        if text.startswith((APPROVE_PREFIX, REJECT_PREFIX)):
            manage.decide(turn, text)
            return True
        in_wizard = state.flow_id == WIZARD and state.step_id is not None
        if not in_wizard and not text.startswith(PREFIX):
            said = normalize(text) if text and len(text) < 40 else ""
            if (cancel := CANCEL_TYPED.fullmatch(said)) is not None:
                text = p("cancel", cancel.group(1))  # "hủy số 2" typed: as its button
            elif said not in START_WORDS and said not in LIST_WORDS:
                return False
        member = org.member_by_zalo_id(turn.session, zalo_user_id=resident.zalo_user_id)
        if member is None:
            if in_wizard:
                turn.services.flows.reset(state)
            if text.startswith(PREFIX):
                turn.say(turn.texts.get("campaigns.not_allowed"))
                return True
            return False  # a resident's "thông báo": normal routing answers
        actor, _ = actor_for_member(turn.session, resident.zalo_user_id)
        if actor is None:
            turn.say(turn.texts.get("campaigns.not_allowed"))
            turn.log("campaign_refused", value="not_leader")
            return True
        if in_wizard:
            text = typed_choice(state, text)
        if text.startswith(p("cancel")):
            manage.ask_cancel(turn, state, actor, text.removeprefix(p("cancel") + ":"))
            return True
        if text.startswith(p("drop")):
            turn.services.flows.reset(state)
            manage.cancel(turn, actor, text.removeprefix(p("drop") + ":"))
            return True
        if not in_wizard:
            if normalize(text) in LIST_WORDS:
                manage.show_list(turn, actor)
            else:
                self._start(turn, state)
            return True
        if text and turn.services.router.global_command(text) in ("cancel", "menu"):
            kept = state.step_id == "drop"
            turn.services.flows.reset(state)
            key = "campaigns.kept" if kept else "campaigns.stopped"
            turn.say(turn.texts.get(key, id=state.data.get("id", "")))
            return True
        self._step(turn, state, actor, text)
        return True

    # -- the wizard --------------------------------------------------------------------------

    def _start(self, turn: Turn, state: FlowState) -> None:
        turn.services.flows.reset(state)
        state.flow_id, state.step_id, state.data = WIZARD, "pick", {}
        texts = turn.texts
        templates = list(wizard_templates(turn).values())[:4]
        buttons = [
            Button(label, payload=p("tpl", t.id))
            for t, label in zip(templates, fit_labels([t.title for t in templates]), strict=True)
        ]
        buttons.append(Button(texts.get("campaigns.own_text_button"), payload=p("text")))
        offer(turn, state, Reply(texts.get("campaigns.start"), buttons=tuple(buttons)))

    def _step(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        steps = {
            "pick": self._on_pick,
            "text": self._on_text,
            "details": self._on_details,
            "villages": self._on_villages,
            "time": self._on_time,
            "confirm": self._on_confirm,
            "drop": manage.on_drop,
        }
        handler = steps.get(state.step_id or "")
        if handler is not None:
            handler(turn, state, actor, text)

    def _on_pick(self, turn: Turn, state: FlowState, _actor: Actor, text: str) -> None:
        """A template (then its details) or own text."""
        texts = turn.texts
        if text.startswith(p("tpl")):
            template_id = text.removeprefix(p("tpl") + ":")
            template = wizard_templates(turn).get(template_id)
            if template is None:
                self._start(turn, state)
                return
            state.data["template"] = template_id
            state.step_id = "details"
            self._ask_details(turn, state)
        elif text == p("text"):
            state.step_id = "text"
            turn.say(texts.get("campaigns.ask_text"))
        else:
            self._start(turn, state)

    def _ask_details(self, turn: Turn, state: FlowState) -> None:
        texts = turn.texts
        template = self._template(turn, state)
        sample = template.sample if template is not None else {}
        tz = turn.services.settings.tz
        offer(
            turn,
            state,
            Reply(
                texts.get(
                    "campaigns.ask_details",
                    place=sample.get("place", ""),
                    time=sample.get("time", ""),
                    date=sample_date(template, now=turn.now, tz=tz, texts=turn.texts),
                ),
                buttons=(Button(texts.get("campaigns.keep_sample_button"), payload=p("keep")),),
            ),
        )

    def _on_text(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        if not text.strip() or text.startswith("#"):
            turn.say(turn.texts.get("campaigns.ask_text"))
            return
        state.data["text"] = text.strip()
        self._next_after_text(turn, state, actor)

    def _next_after_text(self, turn: Turn, state: FlowState, actor: Actor) -> None:
        """After the text or details: the villages, or the preview again after a retype."""
        if state.data.pop("retyping", False):
            self._preview(turn, state, actor)
        else:
            self._ask_villages(turn, state, actor)

    def _on_details(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        """The template's place; time; date (";"-separated), or keep its sample."""
        if text != p("keep"):
            parts = [part.strip() for part in text.split(";")]
            for name, value in zip(("place", "time", "date"), parts, strict=False):
                if value:
                    state.data.setdefault("variables", {})[name] = value
        self._next_after_text(turn, state, actor)

    def _on_villages(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        texts = turn.texts
        data = state.data
        choice = text.removeprefix(p("v") + ":") if text.startswith(p("v")) else None
        allowed = self._villages(turn, actor)
        if choice == "all":
            data["villages"] = [v.code for v in allowed]
            # A commune leader's "all": the commune's own groups too.
            data["commune_groups"] = actor.commune_wide
        elif choice is not None and any(v.code == choice for v in allowed):
            data["villages"] = [choice]
        else:
            self._ask_villages(turn, state, actor)
            return
        state.step_id = "time"
        buttons = [Button(texts.get("campaigns.now_button"), payload=p("now"))]
        if self._suggested(turn, state) is not None:
            buttons.append(Button(texts.get("campaigns.repeat_button"), payload=p("repeat")))
        offer(turn, state, Reply(texts.get("campaigns.ask_time"), buttons=tuple(buttons)))

    def _on_time(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        """Now, the template's repeating schedule, or a time and date."""
        data = state.data
        data.pop("repeat", None)
        if text == p("now"):
            data["at"] = None
        elif text == p("repeat") and (repeat := self._suggested(turn, state)) is not None:
            data["at"] = None
            data["repeat"] = repeat
        else:
            tz = turn.services.settings.tz
            reading = words.understand(text, now=turn.now, tz=tz)
            if reading is None:
                turn.say(turn.texts.get("campaigns.bad_time"))
                return
            if reading.at is None:
                turn.say(
                    turn.texts.get("campaigns.past_time", asked=said_when(turn, reading.asked))
                )
                return
            if reading.moved:
                turn.say(
                    turn.texts.get(
                        "campaigns.moved_time",
                        asked=said_when(turn, reading.asked),
                        at=said_when(turn, reading.at),
                    )
                )
            data["at"] = reading.at.isoformat()
        self._preview(turn, state, actor)

    def _on_confirm(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        answer = yes_or_no(text)
        if text == p("ok") or answer is True:
            self._create(turn, state, actor)
        elif text == p("no") or answer is False:
            turn.services.flows.reset(state)
            turn.say(turn.texts.get("campaigns.stopped"))
        elif text == p("retype"):
            state.data["retyping"] = True
            if state.data.get("template"):
                state.step_id = "details"
                self._ask_details(turn, state)
            else:
                state.step_id = "text"
                turn.say(turn.texts.get("campaigns.ask_text"))
        else:
            self._preview(turn, state, actor)

    def _villages(self, turn: Turn, actor: Actor) -> list[Any]:
        return [
            v
            for v in org.villages(turn.session)
            if actor.village_ids is None or v.id in actor.village_ids
        ]

    def _ask_villages(self, turn: Turn, state: FlowState, actor: Actor) -> None:
        state.step_id = "villages"
        texts = turn.texts
        villages = self._villages(turn, actor)[:4]
        buttons = [
            Button(label, payload=p("v", v.code))
            for v, label in zip(villages, fit_labels([v.name for v in villages]), strict=True)
        ]
        buttons.append(Button(texts.get("campaigns.all_villages_button"), payload=p("v", "all")))
        offer(turn, state, Reply(texts.get("campaigns.ask_villages"), buttons=tuple(buttons)))

    def _template(self, turn: Turn, state: FlowState) -> CampaignTemplate | None:
        return wizard_templates(turn).get(state.data.get("template") or "")

    def _suggested(self, turn: Turn, state: FlowState) -> dict[str, Any] | None:
        """The template's suggested repeating schedule, from tomorrow on (or None)."""
        tz = turn.services.settings.tz
        return suggested_repeat(self._template(turn, state), now=turn.now, tz=tz)

    def _schedule(self, state: FlowState) -> sched.Schedule:
        data = state.data
        return repeating(data.get("repeat")) or (
            sched.Schedule("once", run_at=datetime.fromisoformat(data["at"]))
            if data.get("at")
            else sched.Schedule("now")
        )

    def _spec(self, state: FlowState) -> Spec:
        data = state.data
        return Spec(
            template_id=data.get("template"),
            text=data.get("text"),
            variables=dict(data.get("variables", {})),
            target_kinds=list(TARGET_KINDS),
            village_codes=list(data.get("villages", [])),
            schedule=self._schedule(state),
            commune_groups=bool(data.get("commune_groups")),
        )

    def _when(self, turn: Turn, state: FlowState) -> str:
        repeat = state.data.get("repeat")
        tz = turn.services.settings.tz
        if repeat:
            first = sched.first_occurrence(self._schedule(state), now=turn.now, tz=tz)
            key = "campaigns.when_weekly" if repeat["kind"] == "cron" else "campaigns.when_daily"
            last = repeat.get("to", "")
            return str(
                turn.texts.get(
                    key,
                    first=said_when(turn, first) if first else sched.describe(first, tz),
                    last="/".join(reversed(last.split("-"))) if last else "",
                )
            )
        at = state.data.get("at")
        if not at:
            return str(turn.texts.get("campaigns.when_now"))
        return str(
            turn.texts.get("campaigns.when_once", at=said_when(turn, datetime.fromisoformat(at)))
        )

    def _preview(self, turn: Turn, state: FlowState, actor: Actor) -> None:
        texts = turn.texts
        spec = self._spec(state)
        known = rows.villages_by_code(turn.session)
        first = known.get(spec.village_codes[0]) if spec.village_codes else None
        if first is None:
            self._ask_villages(turn, state, actor)
            return
        try:
            text = render_for(
                spec,
                wizard_templates(turn),
                commune=commune_name(turn.session),
                village=first.name,
                day=turn.now.astimezone(turn.services.settings.tz).strftime("%d/%m/%Y"),
            )
        except CampaignError as exc:
            turn.services.flows.reset(state)
            turn.say(texts.get("campaigns.refused", problem=exc.message))
            return
        villages = len(spec.village_codes or [])
        state.step_id = "confirm"
        turn.say(
            texts.get(
                "campaigns.preview",
                text=text,
                village=first.name + (f" và {villages - 1} thôn khác" if villages > 1 else ""),
                when=self._when(turn, state),
                targets=texts.get("campaigns.targets", villages=villages),
            )
        )
        self._quiet_note(turn, spec.schedule)
        self._ask_confirm(turn, state, now=spec.schedule.kind == "now", villages=villages)

    def _quiet_note(self, turn: Turn, schedule: sched.Schedule) -> None:
        """A send now or at a time in quiet hours waits for their end: say so before confirming."""
        if schedule.kind not in ("now", "once"):
            return
        settings = turn.services.settings
        hold = quiet_hold(settings, schedule.run_at or turn.now)
        if hold is not None:
            turn.say(
                turn.texts.get(
                    "campaigns.quiet_note",
                    start=settings.quiet_hours_start,
                    end=settings.quiet_hours_end,
                    until=said_when(turn, hold),
                )
            )

    def _ask_confirm(self, turn: Turn, state: FlowState, *, now: bool, villages: int) -> None:
        """Có/Không for a send now, else "Xác nhận gửi"/"Hủy"; with a warning and a "Gõ lại"
        button when what the leader typed has no diacritics at all."""
        texts = turn.texts
        typed = [state.data.get("text") or "", *state.data.get("variables", {}).values()]
        bare = [t for t in typed if typed_without_diacritics(t)]
        lines = [texts.get("campaigns.no_diacritics", typed=bare[0])] if bare else []
        key = "campaigns.ask_confirm_now" if now else "campaigns.ask_confirm"
        lines.append(texts.get(key, villages=villages))
        yes = "campaigns.yes_now_button" if now else "campaigns.confirm_button"
        buttons = [Button(texts.get(yes), payload=p("ok"))]
        if bare:
            buttons.append(Button(texts.get("campaigns.retype_button"), payload=p("retype")))
        no = "campaigns.no_button" if now else "campaigns.cancel_button"
        buttons.append(Button(texts.get(no), payload=p("no")))
        offer(turn, state, Reply("\n".join(lines), buttons=tuple(buttons)))

    def _create(self, turn: Turn, state: FlowState, actor: Actor) -> None:
        texts = turn.texts
        settings = turn.services.settings
        ctx = Context(settings=settings, templates=wizard_templates(turn), texts=texts)
        spec = self._spec(state)
        when = self._when(turn, state)
        turn.services.flows.reset(state)
        try:
            # Validation raises before anything is written, so the turn's transaction stays clean.
            campaign = lifecycle.create(turn.session, spec, actor, now=turn.now, ctx=ctx)
        except CampaignError as exc:
            turn.say(texts.get("campaigns.refused", problem=exc.message))
            turn.log("campaign_refused", value=str(exc.status))
            return
        key = (
            "campaigns.created_pending"
            if campaign.status == "pending_approval"
            else "campaigns.created_now"
            if spec.schedule.kind == "now"
            else "campaigns.created"
        )
        turn.say(texts.get(key, id=campaign.id, when=when))
        turn.log("campaign_created", value=str(campaign.id))
