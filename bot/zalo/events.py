"""Pydantic models of Zalo OA webhook events (zalo-platform.md §1.5–1.7).

Parsing is tolerant where Zalo is loose (ids may arrive as numbers; unknown extra fields are
kept) and strict where it matters (a known event must carry its subject). An unknown
`event_name` parses as `UnknownEvent`: it is stored, logged and acknowledged, never a 500.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

USER_MESSAGE_KINDS = (
    "text",
    "image",
    "gif",
    "link",
    "audio",
    "video",
    "sticker",
    "location",
    "business_card",
    "file",
)
OA_MESSAGE_KINDS = ("text", "image", "gif", "list", "file", "sticker", "link", "audio", "video")

# Epoch milliseconds fit in 13 digits until the year 2286; 16 still fit a BIGINT column.
MAX_TIMESTAMP_DIGITS = 16


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=True)


class Party(_Model):
    id: str
    admin_id: str | None = None


class Attachment(_Model):
    type: str
    payload: dict[str, Any] | str | None = None


class Message(_Model):
    msg_id: str | None = None
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    quote_msg_id: str | None = None
    msg_ids: list[str] = Field(default_factory=list)


class ZaloEvent(_Model):
    """Fields common to every event. `timestamp` is epoch milliseconds, as a string."""

    app_id: str | None = None
    user_id_by_app: str | None = None
    event_name: str
    timestamp: str = "0"

    @field_validator("timestamp")
    @classmethod
    def _milliseconds(cls, value: str) -> str:
        # Zalo sends epoch milliseconds (13 digits). Anything else could never be stored (a
        # 400-digit number overflows every integer column), so it is refused, not retried.
        if not (value.isascii() and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS):
            msg = f"must be epoch milliseconds, at most {MAX_TIMESTAMP_DIGITS} digits"
            raise ValueError(msg)
        return value

    # Which queue the event belongs to; events of one subject are processed in order.
    @property
    def subject_id(self) -> str:
        return "oa"

    @property
    def dedupe_key(self) -> str:
        return f"{self.event_name}:{self.timestamp}:{self.subject_id}"

    @property
    def msg_id(self) -> str | None:
        return None

    @property
    def timestamp_ms(self) -> int:
        try:
            return int(self.timestamp)
        except ValueError:
            return 0


class UserMessageEvent(ZaloEvent):
    """A resident wrote to the OA: user_send_text, user_send_image, ..."""

    prefix: ClassVar[str] = "user_send_"
    sender: Party
    recipient: Party
    message: Message

    @property
    def kind(self) -> str:
        return self.event_name.removeprefix(self.prefix)

    @property
    def subject_id(self) -> str:
        return self.sender.id

    @property
    def msg_id(self) -> str | None:
        return self.message.msg_id

    @property
    def dedupe_key(self) -> str:
        if self.message.msg_id:
            return f"msg:{self.message.msg_id}"
        return super().dedupe_key


class OAMessageEvent(ZaloEvent):
    """The OA sent a message (our own send echoed back, or an admin typing in the OA inbox)."""

    prefix: ClassVar[str] = "oa_send_"
    sender: Party
    recipient: Party
    message: Message

    @property
    def subject_id(self) -> str:
        return self.recipient.id

    @property
    def msg_id(self) -> str | None:
        return self.message.msg_id

    @property
    def dedupe_key(self) -> str:
        if self.message.msg_id:
            return f"echo:{self.message.msg_id}"
        return super().dedupe_key

    @property
    def admin_id(self) -> str | None:
        return self.sender.admin_id


class ReceiptEvent(ZaloEvent):
    """user_received_message (one msg_id) or user_seen_message (a list msg_ids); sender = OA."""

    sender: Party
    recipient: Party
    message: Message

    @property
    def subject_id(self) -> str:
        return self.recipient.id

    @property
    def message_ids(self) -> list[str]:
        ids = list(self.message.msg_ids)
        if self.message.msg_id:
            ids.append(self.message.msg_id)
        return ids

    @property
    def dedupe_key(self) -> str:
        return f"{self.event_name}:{self.timestamp}:{','.join(sorted(self.message_ids))}"


class FollowEvent(ZaloEvent):
    """follow / unfollow: `follower` replaces `sender`, `oa_id` is flat."""

    oa_id: str | None = None
    follower: Party
    source: str | None = None

    @property
    def subject_id(self) -> str:
        return self.follower.id


class ChatNowEvent(ZaloEvent):
    """The resident pressed "Nhắn tin" on the OA profile."""

    oa_id: str | None = None
    user_id: str

    @property
    def subject_id(self) -> str:
        return self.user_id


class WithdrawEvent(ZaloEvent):
    """user_withdraw: the user withdrew consent or asked for their data to be deleted
    (Law 91/2025/QH15); the partner must delete what it holds about them."""

    oa_id: str | None = None
    user_id: str

    @property
    def subject_id(self) -> str:
        return self.user_id


class SubmitInfoEvent(ZaloEvent):
    """The answer to a request_user_info template (flat `info`, or the newer full_address form)."""

    sender: Party
    recipient: Party | None = None
    info: dict[str, Any] = Field(default_factory=dict)

    @property
    def subject_id(self) -> str:
        return self.sender.id


class GroupMessageEvent(ZaloEvent):
    """A member wrote in an OA-managed group (recipient.id = group id), or the OA did."""

    sender: Party
    recipient: Party
    message: Message

    @property
    def subject_id(self) -> str:
        return "group:" + self.recipient.id

    @property
    def group_id(self) -> str:
        return self.recipient.id

    @property
    def msg_id(self) -> str | None:
        return self.message.msg_id

    @property
    def dedupe_key(self) -> str:
        if self.message.msg_id:
            return f"group:{self.message.msg_id}"
        return super().dedupe_key


# Group (GMF) lifecycle events about members, by the names of updates-2026.md §1.4 and the
# older ones of zalo-platform.md §1.6 (both accepted): name -> what happened to `users`.
GROUP_MEMBER_EVENTS = {
    "user_join_group": "joined",
    "user_request_join_group": "requested",
    "accept_request_join_group": "accepted",
    "react_request_join_group_accept": "accepted",
    "reject_request_join_group": "rejected",
    "react_request_join_group_reject": "rejected",
    "user_out_group": "left",
    "user_leave_group": "left",
}


class GroupUser(_Model):
    id: str = Field(max_length=64)


class GroupMemberEvent(ZaloEvent):
    """Members joined, asked to join, were accepted or refused, or left an OA-managed group:
    `{oa_id, group_id, app_id, timestamp, users: [{id}]}`."""

    oa_id: str | None = None
    # Fits the event's queue name ("group:" + id, 64 characters).
    group_id: str = Field(min_length=1, max_length=58)
    users: list[GroupUser] = Field(default_factory=list, max_length=1000)

    @property
    def subject_id(self) -> str:
        return "group:" + self.group_id

    @property
    def change(self) -> str:
        return GROUP_MEMBER_EVENTS.get(self.event_name, "other")

    @property
    def user_ids(self) -> list[str]:
        return [u.id for u in self.users]

    @property
    def dedupe_key(self) -> str:
        members = hashlib.sha256(",".join(sorted(self.user_ids)).encode()).hexdigest()[:16]
        return f"{self.event_name}:{self.timestamp}:{self.group_id}:{members}"


class AnonymousEvent(ZaloEvent):
    """A web visitor without a Zalo id (anonymous_send_*)."""

    anonymous_id: str | None = None
    conversation_id: str | None = None
    message: Message | None = None

    @property
    def subject_id(self) -> str:
        return "anon:" + (self.anonymous_id or self.conversation_id or "unknown")

    @property
    def dedupe_key(self) -> str:
        if self.message is not None and self.message.msg_id:
            return f"anon:{self.message.msg_id}"
        return super().dedupe_key


class UnknownEvent(ZaloEvent):
    """Any event this version does not know: stored, logged, acknowledged."""


def _model_for(name: str) -> type[ZaloEvent]:
    if name.startswith("user_send_group_") or name.startswith("oa_send_group_"):
        return GroupMessageEvent
    if name.startswith("user_send_"):
        return UserMessageEvent
    if name.startswith("oa_send_") and name != "oa_send_consent":
        return OAMessageEvent
    if name.startswith("anonymous_send_"):
        return AnonymousEvent
    if name in GROUP_MEMBER_EVENTS:
        return GroupMemberEvent
    by_name: dict[str, type[ZaloEvent]] = {
        "follow": FollowEvent,
        "unfollow": FollowEvent,
        "user_received_message": ReceiptEvent,
        "user_seen_message": ReceiptEvent,
        "user_click_chatnow": ChatNowEvent,
        "user_submit_info": SubmitInfoEvent,
        "user_withdraw": WithdrawEvent,
    }
    return by_name.get(name, UnknownEvent)


class EventError(ValueError):
    """The body is JSON but not a usable Zalo event (the webhook answers 400)."""


def parse_event(obj: Any) -> ZaloEvent:
    """The event model for a decoded JSON body; raises `EventError` with a readable reason."""
    if not isinstance(obj, dict):
        msg = "the body must be a JSON object"
        raise EventError(msg)
    name = obj.get("event_name")
    if not isinstance(name, str) or not name or len(name) > 64:
        msg = "event_name is missing or not a short string"
        raise EventError(msg)
    model = _model_for(name)
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        msg = f"{name}: {where}: {first['msg']}"
        raise EventError(msg) from None
