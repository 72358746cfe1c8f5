"""Team leaders create and manage campaigns in their Zalo chat with the OA, and team members
confirm relays (a chat interceptor of the campaigns feature, see `feature.py`).

- "thông báo": a guided wizard — a template or own text → (template) place; time; date →
  villages within the leader's scope → now or a time → preview → confirm.
  "hủy" stops it at any step.
- "lịch thông báo": the leader's campaigns still to send, each with a cancel button.
- `#cr:<delivery id>` ("Đã chuyển vào nhóm"): records who forwarded a relay, and when.

Only registered team members with the role commune_leader or village_leader may create
campaigns; other members get a polite refusal; residents' words are left to normal routing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.features.campaigns import lifecycle
from bot.features.campaigns import schedule as sched
from bot.features.campaigns.approval import APPROVE_PREFIX, REJECT_PREFIX
from bot.features.campaigns.content import load_templates
from bot.features.campaigns.notify import CONFIRM_PREFIX
from bot.features.campaigns.relays import confirm_in_chat
from bot.features.campaigns.scope import Actor, actor_for_member, load_for_change
from bot.features.campaigns.spec import (
    TARGET_KINDS,
    CampaignError,
    Context,
    Spec,
    commune_name,
    render_for,
)
from bot.flows.store import FlowState
from bot.replies import Button, Reply
from bot.text.normalize import normalize
from bot.turn import Turn
from db import campaigns as rows
from db import org

log = logging.getLogger(__name__)

WIZARD = "campaign_wizard"
PREFIX = "#cw:"
START_WORDS = frozenset({"thong bao", "tao thong bao", "gui thong bao"})
LIST_WORDS = frozenset({"lich thong bao", "xem lich thong bao"})


def _p(*parts: object) -> str:
    return PREFIX + ":".join(str(p) for p in parts)


class CampaignInterceptor:
    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or resident.id is None:
            return False
        if text.startswith(CONFIRM_PREFIX):
            confirm_in_chat(turn, text)
            return True
        if text.startswith((APPROVE_PREFIX, REJECT_PREFIX)):
            self._decide(turn, text)
            return True
        in_wizard = state.flow_id == WIZARD and state.step_id is not None
        if not in_wizard and not text.startswith(PREFIX):
            words = normalize(text) if text and len(text) < 40 else ""
            if words not in START_WORDS and words not in LIST_WORDS:
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
        if text.startswith(_p("cancel")):
            self._cancel(turn, actor, text)
            return True
        if not in_wizard:
            if normalize(text) in LIST_WORDS:
                self._list(turn, actor)
            else:
                self._start(turn, state)
            return True
        if text and turn.services.router.global_command(text) in ("cancel", "menu"):
            turn.services.flows.reset(state)
            turn.say(turn.texts.get("campaigns.stopped"))
            return True
        self._step(turn, state, actor, text)
        return True

    # -- the wizard --------------------------------------------------------------------------

    def _templates(self, turn: Turn) -> dict[str, Any]:
        return load_templates(turn.services.settings.content_dir / "campaigns")

    def _start(self, turn: Turn, state: FlowState) -> None:
        turn.services.flows.reset(state)
        state.flow_id, state.step_id, state.data = WIZARD, "pick", {}
        texts = turn.texts
        buttons = [
            Button(t.title[:30], payload=_p("tpl", t.id)) for t in self._templates(turn).values()
        ][:4]
        buttons.append(Button(texts.get("campaigns.own_text_button"), payload=_p("text")))
        turn.say(Reply(texts.get("campaigns.start"), buttons=tuple(buttons)))

    def _step(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        steps = {
            "pick": self._on_pick,
            "text": self._on_text,
            "details": self._on_details,
            "villages": self._on_villages,
            "time": self._on_time,
            "confirm": self._on_confirm,
        }
        handler = steps.get(state.step_id or "")
        if handler is not None:
            handler(turn, state, actor, text)

    def _on_pick(self, turn: Turn, state: FlowState, _actor: Actor, text: str) -> None:
        """A template (then its details) or own text."""
        texts = turn.texts
        if text.startswith(_p("tpl")):
            template_id = text.removeprefix(_p("tpl") + ":")
            template = self._templates(turn).get(template_id)
            if template is None:
                self._start(turn, state)
                return
            state.data["template"] = template_id
            state.step_id = "details"
            sample = template.sample
            turn.say(
                Reply(
                    texts.get(
                        "campaigns.ask_details",
                        place=sample.get("place", ""),
                        time=sample.get("time", ""),
                        date=sample.get("date", ""),
                    ),
                    buttons=(
                        Button(texts.get("campaigns.keep_sample_button"), payload=_p("keep")),
                    ),
                )
            )
        elif text == _p("text"):
            state.step_id = "text"
            turn.say(texts.get("campaigns.ask_text"))
        else:
            self._start(turn, state)

    def _on_text(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        if not text.strip() or text.startswith("#"):
            turn.say(turn.texts.get("campaigns.ask_text"))
            return
        state.data["text"] = text.strip()
        self._ask_villages(turn, state, actor)

    def _on_details(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        """The template's place; time; date (";"-separated), or keep its sample."""
        if text != _p("keep"):
            parts = [p.strip() for p in text.split(";")]
            for name, value in zip(("place", "time", "date"), parts, strict=False):
                if value:
                    state.data.setdefault("variables", {})[name] = value
        self._ask_villages(turn, state, actor)

    def _on_villages(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        texts = turn.texts
        data = state.data
        choice = text.removeprefix(_p("v") + ":") if text.startswith(_p("v")) else None
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
        buttons = [Button(texts.get("campaigns.now_button"), payload=_p("now"))]
        if self._suggested(turn, state) is not None:
            buttons.append(Button(texts.get("campaigns.repeat_button"), payload=_p("repeat")))
        turn.say(Reply(texts.get("campaigns.ask_time"), buttons=tuple(buttons)))

    def _on_time(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        """Now, the template's repeating schedule, or a time and date."""
        data = state.data
        data.pop("repeat", None)
        if text == _p("now"):
            data["at"] = None
        elif text == _p("repeat") and (repeat := self._suggested(turn, state)) is not None:
            data["at"] = None
            data["repeat"] = repeat
        else:
            at = self._parse_when(turn, text)
            if at is None:
                turn.say(turn.texts.get("campaigns.bad_time"))
                return
            if at <= turn.now:
                turn.say(turn.texts.get("campaigns.past_time"))
                return
            data["at"] = at.isoformat()
        self._preview(turn, state, actor)

    def _on_confirm(self, turn: Turn, state: FlowState, actor: Actor, text: str) -> None:
        if text == _p("ok"):
            self._create(turn, state, actor)
        elif text == _p("no"):
            turn.services.flows.reset(state)
            turn.say(turn.texts.get("campaigns.stopped"))
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
        buttons = [
            Button(v.name[:30], payload=_p("v", v.code)) for v in self._villages(turn, actor)
        ][:4]
        buttons.append(Button(texts.get("campaigns.all_villages_button"), payload=_p("v", "all")))
        turn.say(Reply(texts.get("campaigns.ask_villages"), buttons=tuple(buttons)))

    def _parse_when(self, turn: Turn, text: str) -> datetime | None:
        tz = turn.services.settings.tz
        cleaned = " ".join(text.replace("h", ":").split())
        for fmt in ("%H:%M %d/%m/%Y", "%d/%m/%Y %H:%M", "%H:%M %d/%m/%y"):
            try:
                return datetime.strptime(cleaned, fmt).replace(tzinfo=tz)
            except ValueError:
                continue
        return None

    def _suggested(self, turn: Turn, state: FlowState) -> dict[str, Any] | None:
        """The template's suggested repeating schedule, made concrete from tomorrow on:
        {"kind": "cron", "cron": …} or {"kind": "daily", "time", "from", "to"}; else None."""
        template = self._templates(turn).get(state.data.get("template") or "")
        suggested = template.suggested if template is not None else {}
        if suggested.get("kind") == "cron" and suggested.get("cron"):
            return {"kind": "cron", "cron": str(suggested["cron"])}
        if suggested.get("kind") == "daily" and suggested.get("time"):
            first = turn.now.astimezone(turn.services.settings.tz).date() + timedelta(days=1)
            last = first + timedelta(days=int(suggested.get("days", 1)) - 1)
            return {
                "kind": "daily",
                "time": str(suggested["time"]),
                "from": first.isoformat(),
                "to": last.isoformat(),
            }
        return None

    def _schedule(self, state: FlowState) -> sched.Schedule:
        data = state.data
        repeat = data.get("repeat")
        if repeat and repeat["kind"] == "cron":
            return sched.Schedule("cron", cron=repeat["cron"])
        if repeat and repeat["kind"] == "daily":
            return sched.Schedule(
                "daily", daily_time=repeat["time"], start_date=repeat["from"], end_date=repeat["to"]
            )
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        return sched.Schedule("once", run_at=at) if at else sched.Schedule("now")

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
                    first=sched.describe(first, tz),
                    last="/".join(reversed(last.split("-"))) if last else "",
                )
            )
        at = state.data.get("at")
        if not at:
            return str(turn.texts.get("campaigns.when_now"))
        return "lúc " + sched.describe(datetime.fromisoformat(at), turn.services.settings.tz)

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
                self._templates(turn),
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
                targets=f"nhóm Zalo, cán bộ chuyển tin và người quan tâm của {villages} thôn",
            )
        )
        turn.say(
            Reply(
                texts.get("campaigns.ask_confirm"),
                buttons=(
                    Button(texts.get("campaigns.confirm_button"), payload=_p("ok")),
                    Button(texts.get("campaigns.cancel_button"), payload=_p("no")),
                ),
            )
        )

    def _create(self, turn: Turn, state: FlowState, actor: Actor) -> None:
        texts = turn.texts
        settings = turn.services.settings
        ctx = Context(settings=settings, templates=self._templates(turn), texts=texts)
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
            else "campaigns.created"
        )
        turn.say(texts.get(key, id=campaign.id, when=when))
        turn.log("campaign_created", value=str(campaign.id))

    # -- listing and cancelling ----------------------------------------------------------------

    def _list(self, turn: Turn, actor: Actor) -> None:
        texts = turn.texts
        found = rows.listing(
            turn.session,
            member_id=None if actor.commune_wide else actor.member_id,
            village_ids=actor.village_ids,
            statuses=("scheduled", "paused", "pending_approval"),
            limit=5,
        )
        if not found:
            turn.say(texts.get("campaigns.list_empty"))
            return
        tz = turn.services.settings.tz
        lines = [texts.get("campaigns.list_title")]
        buttons = []
        for c in found:
            lines.append(
                texts.get(
                    "campaigns.list_item",
                    id=c.id,
                    title=c.title,
                    when=sched.describe(c.next_run_at, tz),
                    status=texts.get(f"campaigns.status.{c.status}"),
                )
            )
            buttons.append(Button(f"Hủy số {c.id}", payload=_p("cancel", c.id)))
        turn.say(Reply("\n".join(lines), buttons=tuple(buttons)))

    def _cancel(self, turn: Turn, actor: Actor, text: str) -> None:
        raw = text.removeprefix(_p("cancel") + ":")
        if not raw.isdigit():
            return
        try:
            lifecycle.change(turn.session, int(raw), "cancel", actor, now=turn.now)
        except CampaignError:
            turn.say(turn.texts.get("campaigns.cancel_refused", id=raw))
            return
        turn.say(turn.texts.get("campaigns.cancelled", id=raw))

    # -- approval ------------------------------------------------------------------------------

    def _decide(self, turn: Turn, text: str) -> None:
        """A commune leader's "Duyệt" / "Không duyệt" on a campaign waiting for approval."""
        assert turn.resident is not None
        approve = text.startswith(APPROVE_PREFIX)
        raw = text.removeprefix(APPROVE_PREFIX if approve else REJECT_PREFIX)
        actor, _ = actor_for_member(turn.session, turn.resident.zalo_user_id)
        if actor is None or not raw.isdigit():
            turn.say(turn.texts.get("campaigns.not_allowed"))
            return
        if not actor.commune_wide:
            turn.say(turn.texts.get("campaigns.approve_refused", id=raw))
            return
        ctx = Context(
            settings=turn.services.settings, templates=self._templates(turn), texts=turn.texts
        )
        action = "approve" if approve else "cancel"
        try:
            campaign = load_for_change(turn.session, int(raw), actor)
            if campaign.status != "pending_approval":
                raise CampaignError(409, "not waiting for approval")
            lifecycle.change(turn.session, int(raw), action, actor, now=turn.now, ctx=ctx)
        except CampaignError:
            turn.say(turn.texts.get("campaigns.approve_refused", id=raw))
            return
        turn.say(turn.texts.get("campaigns.approved" if approve else "campaigns.rejected", id=raw))
        turn.log("campaign_approved" if approve else "campaign_rejected", value=raw)
