"""The flow engine: runs the flows declared in `content/flows/*.yaml`.

A resident's position is a `FlowState` (flow id, step id, saved data, the steps behind them
for "quay lại"). Reaching a step renders its text, runs its `action` hook if any, and shows
its buttons (at most 5 per Zalo list: longer lists get "Xem thêm"). Button payloads name
the flow, the step and the button (`#f:<flow>:<step>:<token>`), so a tap on a button of an
older message still does what its label says.

Every start, step reached, completion, cancel, timeout and feedback answer is logged for
the statistics (`flow_start`, `flow_step`, `flow_complete`, `flow_cancel`, `flow_timeout`,
`flow_feedback`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.flows.registry import Hooks, StepAction
from bot.flows.schema import FlowSpec, StepSpec
from bot.flows.store import FlowState
from bot.flows.topics import match_topic, topics_for
from bot.replies import MAX_BUTTONS, Button, Reply
from bot.texts import render

if TYPE_CHECKING:
    from bot.turn import Turn
from bot.flows.answers import match_answer
from bot.flows.buttons import (
    ShownButton,
    _options,
    match_choice,
    page_options,
    parse_payload,
    payload,
)
from bot.flows.loader import load_flow_files

MAX_CHAIN = 6  # informational steps shown in a row before waiting for the resident


MAX_INVALID = 3


FEEDBACK_STEP = "_feedback_comment"


class FlowError(Exception):
    """A flow misbehaved at run time (a branch chose a step it does not list, ...)."""


@dataclass
class FlowContext:
    """What hooks see: the turn, the flow, the resident's state."""

    turn: Turn
    flow: FlowSpec
    state: FlowState

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data


class FlowEngine:
    """Starts and advances flows for one turn at a time; stateless between turns."""

    def __init__(
        self, flows: Mapping[str, FlowSpec], *, idle_timeout_min: int, hooks: Hooks
    ) -> None:
        self.flows = dict(flows)
        self.idle = timedelta(minutes=idle_timeout_min)
        self.hooks = hooks

    @classmethod
    def load(cls, content_dir: Path, *, idle_timeout_min: int, hooks: Hooks) -> FlowEngine:
        flows = load_flow_files(content_dir / "flows", hooks)
        return cls(flows, idle_timeout_min=idle_timeout_min, hooks=hooks)

    def has(self, flow_id: str) -> bool:
        return flow_id in self.flows

    # -- entry points used by the dispatcher ------------------------------------------------

    def start(
        self,
        turn: Turn,
        state: FlowState,
        flow_id: str,
        *,
        via: str,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Begin `flow_id` at its start step; `data` seeds the flow (e.g. the typed question)."""
        flow = self.flows[flow_id]
        if state.active and state.flow_id != flow_id and not state.data.get("_finished"):
            turn.log("flow_exit", flow=state.flow_id, step=state.step_id, reason="switched")
        state.flow_id = flow_id
        state.step_id = None
        state.data = dict(data or {})
        state.history = []
        state.mode = "bot"
        turn.log("flow_start", flow=flow_id, value=via)
        self._enter(turn, state, flow, flow.start)

    def expired(self, turn: Turn, state: FlowState) -> bool:
        return (
            state.active
            and state.expires_at is not None
            and state.expires_at <= turn.now
            and state.mode == "bot"
        )

    def time_out(self, turn: Turn, state: FlowState) -> None:
        if not state.data.get("_finished"):
            turn.log("flow_timeout", flow=state.flow_id, step=state.step_id)
        self.reset(state)

    def touch(self, turn: Turn, state: FlowState) -> None:
        state.updated_at = turn.now
        state.expires_at = turn.now + self.idle if state.active else None

    def reset(self, state: FlowState) -> None:
        state.flow_id = None
        state.step_id = None
        state.data = {}
        state.history = []

    def cancel(self, turn: Turn, state: FlowState, *, reason: str = "cancel") -> bool:
        """Leave the current flow; False when there was nothing to leave."""
        if not state.active or state.data.get("_finished"):
            self.reset(state)
            return False
        turn.log("flow_cancel", flow=state.flow_id, step=state.step_id, value=reason)
        self.reset(state)
        return True

    def back(self, turn: Turn, state: FlowState) -> bool:
        """Show the previous step again; False when there is none."""
        if not state.active or not state.history or state.data.get("_finished"):
            return False
        flow = self.flows[state.flow_id or ""]
        previous = state.history.pop()
        turn.log("flow_back", flow=flow.id, step=previous)
        self._show(turn, state, flow, previous, record=False)
        return True

    def on_payload(self, turn: Turn, state: FlowState, text: str) -> bool:
        """A tapped flow button; False when the payload is not one of ours."""
        parsed = parse_payload(text)
        if parsed is None:
            return False
        flow_id, step_id, token = parsed
        flow = self.flows.get(flow_id)
        if flow is None or (step_id not in flow.steps and step_id != FEEDBACK_STEP):
            return False
        if state.flow_id != flow_id or state.step_id != step_id:
            # A button from an older message: put the resident back on that step first.
            if state.flow_id != flow_id:
                turn.log("flow_start", flow=flow_id, value="old_button")
                state.data = {}
                state.history = []
            state.flow_id, state.step_id = flow_id, step_id
            state.data.pop("_finished", None)
        self._choose(turn, state, flow, step_id, token)
        return True

    def on_text(self, turn: Turn, state: FlowState, text: str) -> bool:
        """Typed text inside a flow, read against the step (a button by its label, then the
        step's `answers`; a text step's `check` last). False: not understood at this step, so
        the dispatcher tries a clear new topic, then the flow's topics (`on_topic`), and
        re-asks the step if nothing fits."""
        if not state.active or (state.data.get("_finished") and state.step_id != FEEDBACK_STEP):
            return False
        flow = self.flows[state.flow_id or ""]
        if state.step_id == FEEDBACK_STEP:
            turn.log("flow_feedback", flow=flow.id, value="comment", comment=text[:300])
            turn.say(Reply(turn.texts.get("flows.feedback_thanks")))
            self.reset(state)
            return True
        step_id = state.step_id or ""
        step = flow.steps[step_id]
        if step.expect == "button":
            shown = self._buttons(state, step)
            index = match_choice(text, [b.label for b in shown])
            if index is not None:
                self._choose(turn, state, flow, step_id, shown[index].token)
                return True
        found = match_answer(text, step.answers)
        if found is not None:
            target, phrase = found.answer.next, found.phrase
            if self._jump(turn, state, flow, target, how="answer", phrase=phrase):
                return True
        if step.expect == "text":
            self._answer_text(turn, state, flow, step, text)
            return True
        return False

    def on_topic(self, turn: Turn, state: FlowState, text: str) -> bool:
        """Text the step did not take and the router found no clear new topic in: a step of
        the same flow that the flow's topics (content/topics/<flow>.yaml) name, if any."""
        if not state.active or state.data.get("_finished"):
            return False
        flow = self.flows[state.flow_id or ""]
        pairs = topics_for(turn.services.settings.content_dir, flow.id)
        found = match_topic(text, pairs) if pairs else None
        target = found if found in flow.steps else None
        return self._jump(turn, state, flow, target, how="topic")

    def _jump(
        self,
        turn: Turn,
        state: FlowState,
        flow: FlowSpec,
        target: str | None,
        *,
        how: str,
        phrase: str | None = None,
    ) -> bool:
        if target is None or target == state.step_id:
            return False
        turn.log(
            "flow_answer", flow=flow.id, step=state.step_id, value=target, by=how, phrase=phrase
        )
        self._enter(turn, state, flow, target)
        return True

    def reask(self, turn: Turn, state: FlowState) -> None:
        """Repeat the current step's question after an answer that did not fit."""
        flow = self.flows[state.flow_id or ""]
        turn.say(Reply(turn.texts.get("flows.press_a_button")))
        self._show(turn, state, flow, state.step_id or "", record=False)

    # -- internals ---------------------------------------------------------------------------

    def _context(self, turn: Turn, state: FlowState, flow: FlowSpec) -> FlowContext:
        return FlowContext(turn=turn, flow=flow, state=state)

    def _enter(self, turn: Turn, state: FlowState, flow: FlowSpec, step_id: str) -> None:
        if state.step_id is not None and state.step_id != step_id:
            state.history.append(state.step_id)
            del state.history[:-20]
        self._show(turn, state, flow, step_id, record=True)

    def _show(
        self,
        turn: Turn,
        state: FlowState,
        flow: FlowSpec,
        step_id: str,
        *,
        record: bool,
        depth: int = 0,
    ) -> None:
        if depth > MAX_CHAIN:
            msg = (
                f"{flow.id}: more than {MAX_CHAIN} steps in a row without waiting for the resident"
            )
            raise FlowError(msg)
        step = flow.steps[step_id]
        state.step_id = step_id
        state.data.pop("_page", None)
        state.data.pop("_invalid", None)
        if record:
            turn.log("flow_step", flow=flow.id, step=step_id)
        result = self._run_action(turn, state, flow, step)
        if result.goto is not None:
            if result.goto not in flow.steps:
                msg = f"{flow.id}.{step_id}: action jumped to unknown step '{result.goto}'"
                raise FlowError(msg)
            self._show(turn, state, flow, result.goto, record=record, depth=depth + 1)
            return
        text = self._say(turn, state, step, result.vars)
        if step.end:
            self._finish(turn, state, flow, step_id, text)
            return
        buttons = self._buttons(state, step)
        waits = step.expect == "text" or any(b.next or b.flow for b in _options(state, step))
        if not waits and (step.next or step.branch):
            links = [b for b in _options(state, step) if b.url or b.phone]
            if text:
                turn.say(Reply(text, buttons=tuple(self._to_buttons(flow.id, step_id, links))))
            target = step.next or self._branch(turn, state, flow, step_id, step)
            state.history.append(step_id)
            self._show(turn, state, flow, target, record=True, depth=depth + 1)
            return
        turn.say(Reply(text, buttons=tuple(self._to_buttons(flow.id, step_id, buttons))))

    def _run_action(
        self, turn: Turn, state: FlowState, flow: FlowSpec, step: StepSpec
    ) -> StepAction:
        if step.action is None:
            state.data.pop("_dyn", None)
            return StepAction()
        result = self.hooks.actions[step.action](self._context(turn, state, flow))
        if result.buttons is not None:
            state.data["_dyn"] = [
                {"label": b.label, "next": b.next, "value": b.value, "url": b.url, "flow": b.flow}
                for b in result.buttons
            ]
        else:
            state.data.pop("_dyn", None)
        state.data["_vars"] = _jsonable(result.vars)
        return result

    def _say(self, turn: Turn, state: FlowState, step: StepSpec, extra: Mapping[str, Any]) -> str:
        return render(step.say, template_context(turn, state, extra))

    def _buttons(self, state: FlowState, step: StepSpec) -> list[ShownButton]:
        """The buttons shown for the step now: its options (paged), then navigation."""
        options = _options(state, step)
        if step.expect == "text" and not options:
            return self._nav(state, step, room=MAX_BUTTONS)
        page = int(state.data.get("_page", 0))
        shown = page_options(state, step)
        if len(options) > MAX_BUTTONS:
            per_page = MAX_BUTTONS - 1
            more = (page + 1) * per_page < len(options)
            shown.append(ShownButton(token="more", label="Xem thêm ▸" if more else "◂ Quay về đầu"))
        shown.extend(self._nav(state, step, room=MAX_BUTTONS - len(shown)))
        return shown

    def _nav(self, state: FlowState, step: StepSpec, *, room: int) -> list[ShownButton]:
        if not step.nav or room <= 0:
            return []
        nav: list[ShownButton] = []
        if state.history and room >= 2:
            nav.append(ShownButton(token="back", label="⬅ Quay lại"))
        nav.append(ShownButton(token="menu", label="Về menu chính"))
        return nav[:room]

    def _to_buttons(self, flow_id: str, step_id: str, shown: Iterable[ShownButton]) -> list[Button]:
        out = []
        for b in shown:
            if b.url is not None:
                out.append(Button(b.label, url=b.url))
            elif b.phone is not None:
                out.append(Button(b.label, phone=b.phone.replace(" ", "").replace(".", "")))
            else:
                out.append(Button(b.label, payload=payload(flow_id, step_id, b.token)))
        return out

    def _choose(
        self, turn: Turn, state: FlowState, flow: FlowSpec, step_id: str, token: str
    ) -> None:
        if token.startswith("fb:"):
            self._feedback(turn, state, flow, token[3:])
            return
        if token == "menu":
            self.cancel(turn, state, reason="menu")
            turn.services.show_menu(turn)
            return
        if token == "back":
            if not self.back(turn, state):
                self._show(turn, state, flow, step_id, record=False)
            return
        step = flow.steps[step_id]
        if token == "more":
            options = len(step.buttons) + len(state.data.get("_dyn") or [])
            pages = -(-options // (MAX_BUTTONS - 1))
            page = (int(state.data.get("_page", 0)) + 1) % max(pages, 1)
            state.data["_page"] = page
            # The step's text is just above: say it again only as a short line, not in full.
            text = turn.texts.get("flows.next_page" if page else "flows.first_page")
            buttons = self._buttons(state, step)
            turn.say(Reply(text, buttons=tuple(self._to_buttons(flow.id, step_id, buttons))))
            return
        chosen = next((b for b in _options(state, step) if b.token == token), None)
        if chosen is None:
            # The step's buttons changed since that message (e.g. new search results).
            turn.say(Reply(turn.texts.get("stale_button")))
            self._show(turn, state, flow, step_id, record=False)
            return
        turn.log("flow_choice", flow=flow.id, step=step_id, value=chosen.label)
        if step.save_as is not None:
            state.data[step.save_as] = chosen.value if chosen.value is not None else chosen.label
        if chosen.flow is not None:
            self.start(turn, state, chosen.flow, via=f"{flow.id}.{step_id}")
            return
        if chosen.next is not None:
            # A button of an end step ("Làm lại") takes the flow up again.
            state.data.pop("_finished", None)
            self._enter(turn, state, flow, chosen.next)
            return
        if step.next or step.branch:
            target = step.next or self._branch(turn, state, flow, step_id, step)
            self._enter(turn, state, flow, target)

    def _answer_text(
        self, turn: Turn, state: FlowState, flow: FlowSpec, step: StepSpec, text: str
    ) -> None:
        step_id = state.step_id or ""
        value: Any = text.strip()
        if step.check is not None:
            value = self.hooks.checks[step.check](text, self._context(turn, state, flow))
        if value is None or value == "":
            invalid = int(state.data.get("_invalid", 0)) + 1
            state.data["_invalid"] = invalid
            turn.log("flow_invalid", flow=flow.id, step=step_id)
            message = render(
                step.invalid or turn.texts.raw("flows.invalid_default"),
                template_context(turn, state, state.data.get("_vars") or {}),
            )
            if invalid >= MAX_INVALID:
                message += "\n\n" + turn.texts.get("flows.too_many_invalid")
            buttons = self._buttons(state, step)
            turn.say(Reply(message, buttons=tuple(self._to_buttons(flow.id, step_id, buttons))))
            return
        if step.save_as is not None:
            state.data[step.save_as] = value
        if step.next or step.branch:
            target = step.next or self._branch(turn, state, flow, step_id, step)
            self._enter(turn, state, flow, target)
            return
        msg = f"{flow.id}.{step_id}: a text step needs `next` or `branch`"
        raise FlowError(msg)

    def _branch(
        self, turn: Turn, state: FlowState, flow: FlowSpec, step_id: str, step: StepSpec
    ) -> str:
        assert step.branch is not None
        target = self.hooks.branches[step.branch.by](self._context(turn, state, flow))
        if target not in step.branch.to:
            msg = f"{flow.id}.{step_id}: branch '{step.branch.by}' chose '{target}', not in `to`"
            raise FlowError(msg)
        return target

    def _finish(
        self, turn: Turn, state: FlowState, flow: FlowSpec, step_id: str, text: str
    ) -> None:
        turn.log("flow_complete", flow=flow.id, step=step_id)
        state.data["_finished"] = True
        options = _options(state, flow.steps[step_id])
        if flow.feedback:
            text = text + "\n\n" + turn.texts.get("flows.feedback_question")
            options = [
                *options[: MAX_BUTTONS - 3],
                ShownButton(token="fb:yes", label=turn.texts.get("flows.feedback_yes")),
                ShownButton(token="fb:no", label=turn.texts.get("flows.feedback_no")),
            ]
        options.append(ShownButton(token="menu", label="Về menu chính"))
        turn.say(Reply(text, buttons=tuple(self._to_buttons(flow.id, step_id, options[:5]))))

    def _feedback(self, turn: Turn, state: FlowState, flow: FlowSpec, answer: str) -> None:
        helpful = answer == "yes"
        turn.log("flow_feedback", flow=flow.id, value="helpful" if helpful else "not_helpful")
        if helpful:
            thanks = turn.texts.get("flows.feedback_thanks")
            offer = turn.services.offer(turn, "helpful")
            if offer is not None:
                thanks = f"{thanks.rstrip()}\n\n{offer.text.strip()}"
            turn.say(Reply(thanks, buttons=offer.buttons if offer is not None else ()))
            self.reset(state)
            turn.services.show_menu(turn)
            return
        state.flow_id = flow.id
        state.step_id = FEEDBACK_STEP
        state.data["_finished"] = True
        turn.say(
            Reply(
                turn.texts.get("flows.feedback_ask_comment"),
                buttons=(Button("Về menu chính", payload=payload(flow.id, FEEDBACK_STEP, "menu")),),
            )
        )


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads(json.dumps(values, default=str)))
    except (TypeError, ValueError):
        return {}


def template_context(turn: Turn, state: FlowState, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The variables flow texts may use: name, commune, data.<saved>, and the action's vars."""
    resident = turn.resident
    context: dict[str, Any] = {
        "name": (resident.display_name if resident and resident.display_name else "bạn"),
        "commune": turn.services.commune_name,
        "data": {k: v for k, v in state.data.items() if not k.startswith("_")},
    }
    context.update(extra)
    return context
