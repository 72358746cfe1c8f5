"""The one-tap "which village" question, so statistics by village are not mostly "Chưa rõ
thôn": put once to a resident whose village is unknown, after a flow that helped (never at
first contact, never again after "Bỏ qua"), with a button per village of the organisation
data and "Bỏ qua"; a typed name is matched (typos and no diacritics allowed) while the
question is open. "đổi thôn" asks again. The answer is `Resident.village_id`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.features.org.orgfile import match_village
from bot.replies import MAX_BUTTONS, Button, Reply
from bot.services import MENU_PAYLOAD
from bot.text.normalize import words
from db import org, residents

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn
    from db.models import Village

PREFIX = "#village:"
SKIP = PREFIX + "skip"
# A typed answer counts while the question is this fresh, and only when it is short (a
# longer message is a question of its own, even if it names a village).
OPEN_FOR = timedelta(minutes=30)
MAX_WORDS = 6


def offer(turn: Turn, moment: str) -> Reply | None:
    """After a helpful answer, to a resident whose village is unknown and who was never
    asked; None otherwise (and when the commune has no villages)."""
    resident = turn.resident
    if moment != "helpful" or resident is None:
        return None
    if resident.village_id is not None or resident.village_asked_at is not None:
        return None
    return ask(turn, via=moment)


def ask(turn: Turn, *, via: str, lead: str | None = None) -> Reply | None:
    """The question with its buttons (the resident's village first), recorded as asked."""
    resident = turn.resident
    rows = org.villages(turn.session)
    if resident is None or not rows:
        return None
    rows = sorted(rows, key=lambda v: v.id != resident.village_id)
    residents.mark_village_asked(turn.session, resident=resident, now=turn.now)
    turn.log("village_asked", value=via)
    texts = turn.texts
    buttons = [Button(v.name, payload=f"{PREFIX}{v.id}") for v in rows[: MAX_BUTTONS - 1]]
    buttons.append(Button(texts.get("village.skip_button"), payload=SKIP))
    text = texts.get("village.question", example=rows[0].name)
    return Reply(f"{lead}\n{text}" if lead else text, buttons=tuple(buttons))


def is_open(turn: Turn) -> bool:
    """Asked in the last `OPEN_FOR`, not answered since."""
    resident = turn.resident
    if resident is None or resident.village_asked_at is None:
        return False
    answered = resident.village_answered_at
    if answered is not None and answered > resident.village_asked_at:
        return False
    return turn.now - resident.village_asked_at <= OPEN_FOR


def wants_to_change(turn: Turn, text: str) -> bool:
    """ "đổi thôn", "doi thon cua toi"… (texts/village.yaml `change_words`), a short message."""
    typed = words(text)
    if not typed or len(typed) > MAX_WORDS:
        return False
    padded = f" {' '.join(typed)} "
    phrases = (" ".join(words(p)) for p in turn.texts.get("village.change_words").split(","))
    return any(p and f" {p} " in padded for p in phrases)


def save(turn: Turn, village: Village | None) -> None:
    """Store the answer (None: "Bỏ qua") and say so."""
    resident = turn.resident
    assert resident is not None
    texts = turn.texts
    residents.answer_village(
        turn.session,
        resident=resident,
        village_id=village.id if village is not None else None,
        now=turn.now,
    )
    if village is None:
        turn.log("village_skipped")
        text = texts.get("village.skipped")
    else:
        turn.log("village_set", value=village.code, via="question")
        text = texts.get("village.saved", village=village.name)
    turn.say(Reply(text, buttons=(Button(texts.get("village.menu_button"), payload=MENU_PAYLOAD),)))


def _tapped(turn: Turn, text: str) -> Village | None:
    raw = text.removeprefix(PREFIX)
    return org.village_by_id(turn.session, village_id=int(raw)) if raw.isdigit() else None


class VillageQuestion:
    """Answers the question's buttons, "đổi thôn", and a village name typed while the
    question is open (outside a flow, which keeps its own answers)."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or not text:
            return False
        if text.startswith(PREFIX):
            village = None if text == SKIP else _tapped(turn, text)
            if village is None and text != SKIP:
                return False
            save(turn, village)
            return True
        if state.active and not state.data.get("_finished"):
            return False
        if wants_to_change(turn, text):
            own = org.village_by_id(turn.session, village_id=resident.village_id or 0)
            lead = turn.texts.get("village.current", village=own.name) if own else None
            reply = ask(turn, via="change", lead=lead)
            if reply is None:
                return False
            turn.say(reply)
            return True
        if text.startswith("#") or not is_open(turn) or len(words(text)) > MAX_WORDS:
            return False
        found = match_village(org.villages(turn.session), text)
        if found is None:
            return False
        save(turn, found)
        return True
