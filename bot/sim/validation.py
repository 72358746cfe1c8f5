"""What Zalo checks in a message body (zalo-platform.md §2.3, simulator spec).

Each function returns None when the body is acceptable, else (error code, message).
"""

from __future__ import annotations

import unicodedata
from typing import Any

MAX_TEXT = 2000
MAX_TITLE = 100
MAX_SUBTITLE = 500
BUTTON_TYPES = ("oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.phone", "oa.open.sms")
TEMPLATE_TYPES = ("media", "list", "request_user_info")

Problem = tuple[int, str]


def _text_problem(text: Any) -> Problem | None:
    if not isinstance(text, str) or not text.strip():
        return -201, "text is invalid!"
    if len(unicodedata.normalize("NFC", text)) > MAX_TEXT:
        return -201, "text is invalid!"
    return None


def _button_problem(button: Any) -> Problem | None:
    if not isinstance(button, dict):
        return -201, "buttons is invalid!"
    title = button.get("title")
    if not isinstance(title, str) or not title or len(title) > MAX_TITLE:
        return -201, "button title is invalid!"
    kind = button.get("type")
    payload = button.get("payload")
    if kind not in BUTTON_TYPES:
        return -201, "button type is invalid!"
    if kind in ("oa.query.show", "oa.query.hide"):
        if not isinstance(payload, str) or not payload or len(payload) > 1000:
            return -201, "button payload is invalid!"
    elif kind == "oa.open.url":
        if not isinstance(payload, dict) or not str(payload.get("url", "")).startswith("http"):
            return -201, "button payload is invalid!"
    elif kind == "oa.open.phone":
        if not isinstance(payload, dict) or not payload.get("phone_code"):
            return -201, "button payload is invalid!"
    elif kind == "oa.open.sms" and (
        not isinstance(payload, dict) or not payload.get("phone_code") or "content" not in payload
    ):
        return -201, "button payload is invalid!"
    return None


def _list_problem(payload: dict[str, Any]) -> Problem | None:
    elements = payload.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 5:
        return -201, "elements is invalid!"
    for i, element in enumerate(elements):
        if not isinstance(element, dict):
            return -201, "elements is invalid!"
        title = element.get("title")
        if not isinstance(title, str) or not title or len(title) > MAX_TITLE:
            return -201, "element title is invalid!"
        subtitle = element.get("subtitle")
        if i == 0 and (not isinstance(subtitle, str) or not subtitle):
            return -201, "subtitle of the first element is required!"
        if subtitle is not None and (not isinstance(subtitle, str) or len(subtitle) > MAX_SUBTITLE):
            return -201, "element subtitle is invalid!"
    buttons = payload.get("buttons", [])
    if not isinstance(buttons, list) or len(buttons) > 5:
        return -201, "buttons is invalid!"
    for button in buttons:
        problem = _button_problem(button)
        if problem:
            return problem
    return None


def _media_problem(
    payload: dict[str, Any], uploads: dict[str, tuple[str, int]], now_ms: int
) -> Problem | None:
    elements = payload.get("elements")
    if not isinstance(elements, list) or len(elements) != 1 or not isinstance(elements[0], dict):
        return -201, "elements is invalid!"
    element = elements[0]
    media_type = element.get("media_type")
    if media_type not in ("image", "gif", "sticker"):
        return -201, "media_type is invalid!"
    has_url, has_id = "url" in element, "attachment_id" in element
    if has_url == has_id:
        return -201, "exactly one of url and attachment_id is required!"
    if media_type == "gif" and not (element.get("width") and element.get("height")):
        return -201, "width and height are required for gif!"
    if has_id:
        stored = uploads.get(str(element["attachment_id"]))
        if stored is None or stored[1] < now_ms:
            return -100, "attachment_id was expired"
    return None


def cs_message_problem(
    message: Any, uploads: dict[str, tuple[str, int]], now_ms: int
) -> Problem | None:
    """Check the `message` of a /v3.0/oa/message/cs body."""
    if not isinstance(message, dict):
        return -201, "message is invalid!"
    attachment = message.get("attachment")
    if attachment is None:
        return _text_problem(message.get("text"))
    if "text" in message and message["text"] is not None:
        problem = _text_problem(message["text"])
        if problem:
            return problem
    if not isinstance(attachment, dict):
        return -201, "attachment is invalid!"
    if attachment.get("type") == "file":
        token = (attachment.get("payload") or {}).get("token")
        stored = uploads.get(str(token))
        if stored is None or stored[1] < now_ms:
            return -100, "attachment_id was expired"
        return None
    if attachment.get("type") != "template":
        return -201, "attachment type is invalid!"
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        return -201, "payload is invalid!"
    template_type = payload.get("template_type")
    if template_type not in TEMPLATE_TYPES:
        return -233, "message type is invalid or not support"
    if template_type == "list":
        return _list_problem(payload)
    if template_type == "media":
        return _media_problem(payload, uploads, now_ms)
    elements = payload.get("elements")
    if not isinstance(elements, list) or len(elements) != 1:
        return -201, "elements is invalid!"
    return None


def group_message_problem(message: Any) -> Problem | None:
    """Check the `message` of a /v3.0/oa/group/message body: text or media, no templates."""
    if not isinstance(message, dict):
        return -201, "message is invalid!"
    attachment = message.get("attachment")
    if attachment is None:
        return _text_problem(message.get("text"))
    if not isinstance(attachment, dict):
        return -201, "attachment is invalid!"
    payload = attachment.get("payload") or {}
    if attachment.get("type") == "template" and payload.get("template_type") != "media":
        return -233, "message type is invalid or not support"
    return None


def echo_kind(message: dict[str, Any]) -> str:
    """text | list | image | gif | sticker | file, for the oa_send_* echo event name."""
    attachment = message.get("attachment")
    if not isinstance(attachment, dict):
        return "text"
    if attachment.get("type") == "file":
        return "file"
    payload = attachment.get("payload") or {}
    if payload.get("template_type") == "list":
        return "list"
    if payload.get("template_type") == "media":
        elements = payload.get("elements") or [{}]
        return str(elements[0].get("media_type", "image"))
    return "text"


def history_text(message: dict[str, Any]) -> str:
    """What the conversation history shows for a sent message."""
    if "text" in message and isinstance(message["text"], str) and "attachment" not in message:
        return message["text"]
    attachment = message.get("attachment") or {}
    payload = attachment.get("payload") or {}
    elements = payload.get("elements") or []
    if payload.get("template_type") == "list" and elements:
        return str(elements[0].get("title", ""))
    return str(message.get("text") or "")
