"""A resident chatting with the real dispatcher over a real database, without HTTP.

Events are stored exactly as the webhook stores them (secrets masked first) and processed
by the real processor; replies are read back from the outbox. `bot play` uses it to try a
flow in the terminal, and the flow transcript tests build on it. The end-to-end tests in
`tests/e2e` do the same through the webhook and the simulator.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock, SystemClock
from bot.dispatcher import Dispatcher
from bot.handlers.base import Handler
from bot.processor import EventProcessor
from bot.services import Services
from bot.text.privacy import redact_payload
from bot.zalo.events import parse_event
from db import events
from db import outbox as outbox_rows
from db.session import session_scope

OA_ID = "3886132808798080645"
APP_ID = "3608465248940903967"
_ids = itertools.count(1)


@dataclass
class Said:
    """One message the OA sent: its text (list heading included) and its buttons."""

    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    message: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def labels(self) -> list[str]:
        return [str(b["title"]) for b in self.buttons]


def said_from(message: dict[str, Any]) -> Said:
    if "text" in message:
        return Said(str(message["text"]), message=message)
    payload = message["attachment"]["payload"]
    element = payload["elements"][0]
    text = "\n".join(x for x in (element.get("title"), element.get("subtitle", "").strip()) if x)
    return Said(text, list(payload.get("buttons") or []), message=message)


class LocalChat:
    """One resident talking to the bot in-process."""

    def __init__(
        self,
        engine: Engine,
        services: Services,
        *,
        user_id: str = "2468458835296117922",
        clock: Clock | None = None,
        interceptors: tuple[Handler, ...] | None = None,
    ) -> None:
        self.engine = engine
        self.user_id = user_id
        self.clock = clock or SystemClock()
        self.dispatcher = Dispatcher(services, interceptors=interceptors)
        self.processor = EventProcessor(
            engine=engine,
            handler=self.dispatcher.handle,
            on_failure=self.dispatcher.on_failure,
            clock=self.clock,
        )
        self._seen = 0
        self.history: list[Said] = []
        self.batch: list[Said] = []

    # -- sending ----------------------------------------------------------------------------

    def _deliver(self, body: dict[str, Any]) -> list[Said]:
        self.process(self._store(body))
        return self.replies()

    def process(self, subject: str | None = None) -> None:
        """Handle every stored event of `subject` (this user by default), oldest first."""
        while self.processor.process_next(subject or self.user_id):
            pass

    def queue(self, text: str) -> None:
        """Store a text as the webhook does, without handling it yet (then `process`)."""
        self._store(self._text_event(text))

    def _store(self, body: dict[str, Any]) -> str:
        """Store one event as the webhook does; the id of whose queue it joined."""
        event = parse_event(body)
        payload, redacted = redact_payload(body)
        with session_scope(self.engine) as s:
            events.store(
                s,
                dedupe_key=event.dedupe_key,
                event_name=event.event_name,
                subject_id=event.subject_id,
                msg_id=event.msg_id,
                zalo_timestamp_ms=event.timestamp_ms,
                payload=payload,
                redacted=redacted,
                status="pending",
                now=self.clock.now(),
            )
        return event.subject_id

    def _envelope(self, name: str) -> dict[str, Any]:
        return {
            "app_id": APP_ID,
            "user_id_by_app": "55" + self.user_id[2:],
            "event_name": name,
            "timestamp": str(int(self.clock.now().timestamp() * 1000) + next(_ids)),
        }

    def follow(self) -> list[Said]:
        body = self._envelope("follow") | {
            "oa_id": OA_ID,
            "follower": {"id": self.user_id},
            "source": "oa_profile",
        }
        return self._deliver(body)

    def _text_event(self, text: str) -> dict[str, Any]:
        return self._envelope("user_send_text") | {
            "sender": {"id": self.user_id},
            "recipient": {"id": OA_ID},
            "message": {"msg_id": f"{next(_ids):020x}", "text": text},
        }

    def send(self, text: str) -> list[Said]:
        return self._deliver(self._text_event(text))

    def send_burst(self, texts: list[str]) -> list[Said]:
        """Several messages that all arrive before the bot has answered the first one."""
        subjects = {self._store(self._text_event(text)) for text in texts}
        for subject in subjects:
            while self.processor.process_next(subject):
                pass
        return self.replies()

    def send_kind(self, kind: str, **message: Any) -> list[Said]:
        body = self._envelope(f"user_send_{kind}") | {
            "sender": {"id": self.user_id},
            "recipient": {"id": OA_ID},
            "message": {"msg_id": f"{next(_ids):020x}", **message},
        }
        return self._deliver(body)

    def press(self, label: str) -> list[Said]:
        """Tap the button whose label contains `label` on the latest message with buttons."""
        for said in reversed(self.history):
            for button in said.buttons:
                if label.casefold() in str(button["title"]).casefold():
                    if button["type"] != "oa.query.hide":
                        msg = f"button {button['title']!r} opens {button['payload']}, not a reply"
                        raise AssertionError(msg)
                    return self.send(str(button["payload"]))
            if said.buttons:
                break
        msg = f"no button with {label!r}; the latest buttons are {self.last_buttons}"
        raise AssertionError(msg)

    # -- reading ----------------------------------------------------------------------------

    def replies(self) -> list[Said]:
        with session_scope(self.engine) as s:
            rows = outbox_rows.to_recipient_after(s, recipient=self.user_id, after_id=self._seen)
            if rows:
                self._seen = max(r.id or 0 for r in rows)
            out = [said_from(json.loads(json.dumps(r.message))) for r in rows]
        self.history.extend(out)
        self.batch = out
        return out

    @property
    def last_buttons(self) -> list[str]:
        for said in reversed(self.history):
            if said.buttons:
                return said.labels
        return []
