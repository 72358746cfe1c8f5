"""Turn a `Reply` into Zalo message bodies (zalo-platform.md §2.3).

- Text over 2,000 characters is split at paragraph, then line, then sentence boundaries.
- Buttons become a `list` template: element 0 carries the prompt (title ≤ 100 characters,
  subtitle ≤ 500); text that does not fit goes first as ordinary text messages.
- Groups take no templates: buttons become a numbered text list.
"""

from __future__ import annotations

import re
from typing import Any

from bot.replies import Button, Reply
from bot.text.normalize import nfc

MAX_TEXT = 2000
MAX_TITLE = 100
MAX_SUBTITLE = 500
FALLBACK_TITLE = "Bạn chọn một mục bên dưới nhé:"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split into chunks of at most `limit` characters at the most natural boundary."""
    text = nfc(text).strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for pattern in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(pattern)
            if cut > limit // 3:
                cut += len(pattern) if pattern != "\n\n" else 0
                break
        if cut <= limit // 3:
            cut = limit
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return [c for c in chunks if c]


def _button(button: Button) -> dict[str, Any]:
    title = nfc(button.label)
    if button.url is not None:
        return {"title": title, "type": "oa.open.url", "payload": {"url": button.url}}
    if button.phone is not None:
        return {"title": title, "type": "oa.open.phone", "payload": {"phone_code": button.phone}}
    return {"title": title, "type": "oa.query.hide", "payload": button.payload}


def _split_prompt(text: str) -> tuple[list[str], str, str]:
    """(leading texts, title, subtitle) so the list's header holds the end of the text."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return [], FALLBACK_TITLE, ""
    last = paragraphs[-1]
    lines = last.split("\n")
    title, subtitle = lines[0].strip(), "\n".join(lines[1:]).strip()
    head = paragraphs[:-1]
    if len(title) > MAX_TITLE or len(subtitle) > MAX_SUBTITLE:
        head.append(last)
        title, subtitle = FALLBACK_TITLE, ""
    leading = split_text("\n\n".join(head)) if head else []
    return leading, title, subtitle


def to_user_messages(reply: Reply, *, image_url: str | None = None) -> list[dict[str, Any]]:
    """Zalo `message` objects for a 1:1 chat, in sending order."""
    if not reply.buttons:
        texts = split_text(reply.text)
        return [{"text": t} for t in texts] or [{"text": "…"}]
    leading, title, subtitle = _split_prompt(nfc(reply.text))
    element: dict[str, Any] = {"title": title, "subtitle": subtitle or " "}
    image = reply.image_url or image_url
    if image:
        element["image_url"] = image
    list_message = {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "list",
                "elements": [element],
                "buttons": [_button(b) for b in reply.buttons],
            },
        }
    }
    return [{"text": t} for t in leading] + [list_message]


def to_group_messages(reply: Reply) -> list[dict[str, Any]]:
    """Zalo `message` objects for an OA-managed group: text only, buttons as a numbered list."""
    text = nfc(reply.text).strip()
    if reply.buttons:
        lines = []
        for i, b in enumerate(reply.buttons, start=1):
            target = b.url or b.phone
            lines.append(f"{i}. {b.label}" + (f": {target}" if target else ""))
        text = text + "\n\n" + "\n".join(lines)
    return [{"text": t} for t in split_text(text)]


def fingerprint(message: dict[str, Any]) -> str:
    """What identifies a sent message in Zalo's conversation history (for reconciliation)."""
    if "text" in message:
        return nfc(str(message["text"]))[:200]
    try:
        elements = message["attachment"]["payload"]["elements"]
        return nfc(str(elements[0].get("title", "")))[:200]
    except (KeyError, IndexError, TypeError):
        return ""
