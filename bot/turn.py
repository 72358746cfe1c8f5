"""A `Turn` is the handling of one inbound event: what handlers read, and what they decide.

Handlers and flows never send anything themselves: they call `turn.say(...)`,
`turn.notify(...)` and `turn.log(...)`. When the handler returns, `commit_outgoing` writes
the messages to the outbox in the same transaction as everything else the turn changed,
with idempotency keys derived from the event id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery import PRIORITY
from bot.replies import Reply
from bot.zalo.events import ZaloEvent
from bot.zalo.messages import fingerprint, to_group_messages, to_user_messages
from db import eventlog, outbox
from db.models import InboundEvent, Resident

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class Outgoing:
    reply: Reply
    recipient: str
    recipient_kind: str = "user"  # or "group"
    kind: str = "reply"


@dataclass
class Turn:
    session: Session
    now: datetime
    services: Services
    event_row: InboundEvent
    event: ZaloEvent
    resident: Resident | None = None
    outgoing: list[Outgoing] = field(default_factory=list)
    # Set by the privacy guard when the message contained a secret that was masked.
    redacted_kinds: frozenset[str] = frozenset()
    # Analytics rows decided so far, written with the outbox rows by `commit_outgoing`.
    logged: list[dict[str, Any]] = field(default_factory=list)

    @property
    def texts(self) -> Any:
        return self.services.texts

    def say(self, reply: Reply | str) -> None:
        """Answer the resident of this turn."""
        if self.resident is None:
            msg = "this event has no resident to answer"
            raise RuntimeError(msg)
        if isinstance(reply, str):
            reply = Reply(reply)
        self.outgoing.append(Outgoing(reply, self.resident.zalo_user_id))

    def notify(self, zalo_user_id: str, reply: Reply, *, kind: str = "notify") -> None:
        """Message someone else 1:1 (e.g. a team member about a handoff)."""
        self.outgoing.append(Outgoing(reply, zalo_user_id, kind=kind))

    def post_to_group(self, group_id: str, reply: Reply, *, kind: str = "broadcast") -> None:
        self.outgoing.append(Outgoing(reply, group_id, recipient_kind="group", kind=kind))

    def log(
        self,
        kind: str,
        *,
        flow: str | None = None,
        step: str | None = None,
        value: str | None = None,
        **data: Any,
    ) -> None:
        """Record something countable for the statistics (resident and village filled in as
        they are now); written when the turn ends, in the same transaction."""
        self.logged.append(
            {
                "kind": kind,
                "now": self.now,
                "resident_id": self.resident.id if self.resident else None,
                "village_id": self.resident.village_id if self.resident else None,
                "flow": flow,
                "step": step,
                "value": value,
                "data": data or None,
            }
        )

    def commit_outgoing(self) -> int:
        """Write every decided message to the outbox, and the analytics rows logged; the
        number of Zalo messages queued."""
        image = self.services.settings.zalo_menu_image_url
        n = 0
        to_resident = 0
        for out in self.outgoing:
            if out.recipient_kind == "group":
                bodies = to_group_messages(out.reply)
            else:
                bodies = to_user_messages(out.reply, image_url=image)
            for body in bodies:
                outbox.enqueue(
                    self.session,
                    idempotency_key=f"evt:{self.event_row.id}:{n}",
                    recipient=out.recipient,
                    recipient_kind=out.recipient_kind,
                    message=body,
                    fingerprint=fingerprint(body),
                    kind=out.kind,
                    priority=PRIORITY.get(out.kind, 5),
                    source_event_id=self.event_row.id,
                    now=self.now,
                )
                n += 1
                if self.resident is not None and out.recipient == self.resident.zalo_user_id:
                    to_resident += 1
        if to_resident:
            self.log("message_out", value=str(to_resident))
        self.outgoing.clear()
        eventlog.record_many(self.session, self.logged)
        self.logged.clear()
        return n
