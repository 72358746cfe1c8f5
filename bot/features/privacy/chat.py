"""The resident's side: the notice at first contact, "bot lưu gì về tôi", and
"xóa dữ liệu của tôi" with a confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.privacy.commands import commands_for
from bot.features.privacy.erase import erase_in_chat
from bot.handlers.events import on_follow
from bot.replies import Button, Reply
from db import privacy as privacy_db

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn

ERASE_YES = "privacy:erase:yes"
ERASE_NO = "privacy:erase:no"


def notice_text(turn: Turn) -> str | None:
    """The privacy notice, the first time this resident is met (then recorded as shown)."""
    resident = turn.resident
    if resident is None or resident.privacy_notice_at is not None:
        return None
    services = turn.services
    privacy_db.mark_notice_shown(turn.session, resident=resident, now=turn.now)
    turn.log("privacy_notice")
    return services.texts.get(
        "privacy.notice",
        commune=services.commune_name,
        days=services.settings.privacy_retention_days,
    )


def notice_once(turn: Turn) -> None:
    """The notice as its own message, before the answer to a first message."""
    text = notice_text(turn)
    if text:
        turn.say(text)


def on_follow_with_notice(turn: Turn) -> None:
    """The welcome carries the notice (one message with the menu, as without it)."""
    on_follow(turn, notice=notice_text)


def summary(turn: Turn) -> Reply:
    assert turn.resident is not None
    texts = turn.texts
    days = turn.services.settings.privacy_retention_days
    kept = privacy_db.kept_about(turn.session, resident=turn.resident)
    lines = [texts.get("privacy.summary.header")]
    lines += [
        texts.get(f"privacy.summary.{k}", village=kept["village"])
        for k in ("name", "village", "household", "news")
        if kept[k]
    ]
    for key in ("messages", "requests", "skills", "reports"):
        if kept[key]:
            lines.append(texts.get(f"privacy.summary.{key}", count=kept[key], days=days))
    if len(lines) == 1:
        lines.append(texts.get("privacy.summary.nothing"))
    lines.append(texts.get("privacy.summary.footer"))
    return Reply("\n".join(lines))


def confirm(turn: Turn) -> Reply:
    texts = turn.texts
    return Reply(
        texts.get("privacy.erase_confirm"),
        buttons=(
            Button(texts.get("privacy.erase_yes"), payload=ERASE_YES),
            Button(texts.get("privacy.erase_no"), payload=ERASE_NO),
        ),
    )


class PrivacyChat:
    """Sees every message first: shows the notice once, answers the two commands."""

    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        if turn.resident is None:
            return False
        if text == ERASE_YES:
            erase_in_chat(turn, state)
            return True
        notice_once(turn)
        if text == ERASE_NO:
            turn.services.show_menu(turn, lead=turn.texts.get("privacy.erase_kept"))
            return True
        command = commands_for(turn.services.settings.content_dir).match(text)
        if command == "erase":
            turn.say(confirm(turn))
            turn.log("privacy_erase_asked")
            return True
        if command == "summary":
            turn.say(summary(turn))
            turn.log("privacy_summary")
            return True
        return False
