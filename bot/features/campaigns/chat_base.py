"""What the campaigns' chat parts share: the wizard's name and payloads, the buttons offered
at a step (so a typed label counts as the tap), typed yes/no, and times said in words."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.features.campaigns import when as words
from bot.features.campaigns.content import load_templates
from bot.flows.store import FlowState
from bot.replies import Reply
from bot.text.normalize import normalize
from bot.turn import Turn

WIZARD = "campaign_wizard"
PREFIX = "#cw:"
START_WORDS = frozenset({"thong bao", "tao thong bao", "gui thong bao"})
LIST_WORDS = frozenset({"lich thong bao", "xem lich thong bao"})
# Typed answers to a yes/no question (folded): the buttons' words, and the usual short forms.
YES_WORDS = frozenset({"co", "dong y", "ok", "xac nhan", "xac nhan gui", "gui", "co gui ngay"})
NO_WORDS = frozenset({"khong", "thoi", "khong gui", "khong huy"})
# "hủy số 2" typed instead of tapped (folded).
CANCEL_TYPED = re.compile(r"huy so (\d{1,9})")
# Sent campaigns stay in "lịch thông báo" this long, marked as sent.
SENT_SHOWN = timedelta(days=3)


def p(*parts: object) -> str:
    """A wizard payload: PREFIX + parts joined by ":"."""
    return PREFIX + ":".join(str(part) for part in parts)


def offer(turn: Turn, state: FlowState, reply: Reply) -> None:
    """Say a wizard question with buttons, remembering them so that a typed label ("tự
    viết", "dùng mẫu", "có, gửi ngay") or its number counts as the tap."""
    state.data["_offered"] = {
        "step": state.step_id,
        "buttons": [[normalize(b.label), b.payload] for b in reply.buttons if b.payload],
    }
    turn.say(reply)


def said_when(turn: Turn, at: datetime) -> str:
    tz = turn.services.settings.tz
    return words.in_words(at, now=turn.now, tz=tz, texts=turn.texts)


def wizard_templates(turn: Turn) -> dict[str, Any]:
    return load_templates(turn.services.settings.content_dir / "campaigns")


def yes_or_no(text: str) -> bool | None:
    """A typed "có" / "không" (True / False), else None."""
    if text.startswith("#") or len(text) > 40:
        return None
    said = normalize(text)
    return True if said in YES_WORDS else False if said in NO_WORDS else None


def recent(at: datetime | None, now: datetime) -> bool:
    return at is not None and now - at <= SENT_SHOWN


def typed_choice(state: FlowState, text: str) -> str:
    """The payload of the button offered at this step whose label (or number) was typed, else
    `text`."""
    if not text or text.startswith("#") or len(text) > 80:
        return text
    asked = state.data.get("_offered") or {}
    offered = asked.get("buttons", []) if asked.get("step") == state.step_id else []
    said = normalize(text)
    if said.isdigit() and 1 <= int(said) <= len(offered):
        return str(offered[int(said) - 1][1])
    for label, payload in offered:
        # A label cut to fit ("ngay hoi dich vu cong truc") matches the whole title typed.
        if label and (label == said or (len(label) >= 8 and said.startswith(label + " "))):
            return str(payload)
    return text
