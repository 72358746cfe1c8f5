"""What a resident chose at a step: button payloads, typed labels and typed answers (the
reading of typed text is `bot.flows.answers`)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.flows.answers import match_answer
from bot.flows.answers import match_choice as match_choice  # imported from here by features
from bot.flows.schema import StepSpec
from bot.flows.store import FlowState
from bot.replies import MAX_BUTTONS

PAYLOAD_PREFIX = "#f:"


@dataclass(frozen=True)
class ShownButton:
    token: str
    label: str
    next: str | None = None
    flow: str | None = None
    value: str | None = None
    url: str | None = None
    phone: str | None = None


def payload(flow_id: str, step_id: str, token: str) -> str:
    return f"{PAYLOAD_PREFIX}{flow_id}:{step_id}:{token}"


def parse_payload(text: str) -> tuple[str, str, str] | None:
    if not text.startswith(PAYLOAD_PREFIX):
        return None
    parts = text[len(PAYLOAD_PREFIX) :].split(":", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def typed_answer(text: str, step: StepSpec) -> str | None:
    """The step `text` leads to by the step's `answers`, if any (see `bot.flows.answers`)."""
    found = match_answer(text, step.answers)
    return found.answer.next if found is not None else None


def page_options(state: FlowState, step: StepSpec) -> list[ShownButton]:
    """The step's options on the page the resident sees now (no "Xem thêm", no navigation),
    so a hook can tell what a typed "2" meant on a text step that also shows buttons."""
    options = _options(state, step)
    if len(options) <= MAX_BUTTONS:
        return options
    per_page = MAX_BUTTONS - 1
    page = int(state.data.get("_page", 0))
    return options[page * per_page : (page + 1) * per_page]


def _dynamic_token(index: int, raw: Mapping[str, Any]) -> str:
    """`d<index>.<digest of what the button does>`: a tap on a button of an older message
    whose list has since changed (new search results, the next quiz question) no longer
    matches, instead of doing what today's button at that position does."""
    what = "\x1f".join(str(raw.get(k) or "") for k in ("label", "next", "value", "url", "flow"))
    return f"d{index}.{hashlib.blake2s(what.encode(), digest_size=4).hexdigest()}"


def _options(state: FlowState, step: StepSpec) -> list[ShownButton]:
    """The action's buttons (tokens d0.…, d1.…), then the step's own buttons (s0, s1, ...)."""
    options: list[ShownButton] = []
    for i, raw in enumerate(state.data.get("_dyn") or []):
        options.append(
            ShownButton(
                token=_dynamic_token(i, raw),
                label=str(raw["label"]),
                next=raw.get("next"),
                value=raw.get("value"),
                url=raw.get("url"),
                flow=raw.get("flow"),
            )
        )
    options.extend(
        ShownButton(
            token=f"s{i}",
            label=b.label,
            next=b.next,
            flow=b.flow,
            value=b.value,
            url=b.url,
            phone=b.phone,
        )
        for i, b in enumerate(step.buttons)
    )
    return options
