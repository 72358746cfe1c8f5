"""Named crash points for the crash tests: ``BOT_FAILPOINTS=outbox.after_send`` makes the
process die (like kill -9) the first time it reaches that point. Inert unless the variable
is set; nothing in normal operation sets it."""

from __future__ import annotations

import os

_armed: set[str] | None = None


def hit(name: str) -> None:
    global _armed
    if _armed is None:
        _armed = {p.strip() for p in os.environ.get("BOT_FAILPOINTS", "").split(",") if p.strip()}
    if name in _armed:
        os._exit(137)
