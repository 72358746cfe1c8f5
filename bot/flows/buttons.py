"""What a resident chose at a step: button payloads, typed labels and typed answers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot.flows.schema import StepSpec
from bot.flows.store import FlowState
from bot.replies import MAX_BUTTONS
from bot.text.normalize import normalize

if TYPE_CHECKING:
    pass


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


ANSWER_CHARS = 500  # an answer is read in the first 500 characters of what was typed


def typed_answer(text: str, step: StepSpec) -> str | None:
    """The step `text` leads to by the step's `answers`, if any (the most specific phrase
    wins); whole words without diacritics, or a near match for phrases of 8+ letters."""
    if not step.answers:
        return None
    typed = f" {normalize(text[:ANSWER_CHARS])} "
    best: tuple[int, str] | None = None
    for answer in step.answers:
        for phrase in answer.means:
            wanted = normalize(phrase)
            if not wanted:
                continue
            hit = f" {wanted} " in typed or (
                len(wanted) >= 8 and fuzz.partial_ratio(wanted, typed) >= 90
            )
            if hit and (best is None or len(wanted) > best[0]):
                best = (len(wanted), answer.next)
    return best[1] if best else None


def match_choice(text: str, labels: list[str]) -> int | None:
    """Which label the resident typed: its number ("2"), or the label itself, typos allowed."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit():
        n = int(stripped)
        return n - 1 if 1 <= n <= len(labels) else None
    typed = normalize(text)
    if not typed:
        return None
    best, best_score = None, 0.0
    for i, label in enumerate(labels):
        target = normalize(label)
        if not target:
            continue
        score = fuzz.ratio(typed, target)
        if len(typed) >= 4 and typed in target:
            score = max(score, 90.0)
        if score > best_score:
            best, best_score = i, score
    if best_score >= 82:
        return best
    return _first_words(typed, [normalize(label) for label in labels])


def _first_words(typed: str, labels: list[str]) -> int | None:
    """The one label that begins with the typed words ("gui" → "Gửi yêu cầu")."""
    words = typed.split()
    starts = [i for i, label in enumerate(labels) if label.split()[: len(words)] == words]
    return starts[0] if len(starts) == 1 else None


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
