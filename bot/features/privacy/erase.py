"""Erasing a resident's data: on Zalo's `user_withdraw` event, or when they confirm in chat.

Everything tied to the person goes (see `db.privacy.erase_resident`); the anonymous counts
stay, so the statistics do not change. Each erasure leaves an audit entry with no personal
data: how it was asked for and how many rows changed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.replies import Reply
from db import admin, residents
from db import privacy as privacy_db

if TYPE_CHECKING:
    from bot.flows.store import FlowState
    from bot.turn import Turn

log = logging.getLogger(__name__)

ACTION = "privacy.erase"
# The goodbye after an erasure asked in chat: its outbox row loses the Zalo id once sent.
FAREWELL_KIND = "privacy"


def _audit(turn: Turn, via: str, counts: dict[str, int]) -> None:
    admin.audit(
        turn.session,
        actor="resident",
        action=ACTION,
        now=turn.now,
        detail={"via": via, "rows": counts},
    )
    log.info("personal data erased (%s): %s", via, counts)


def on_withdraw(turn: Turn) -> None:
    """Zalo's `user_withdraw`: the person asked Zalo to have their data deleted."""
    zalo_id = turn.event.subject_id
    current = turn.event_row.id
    resident = residents.get_by_zalo_id(turn.session, zalo_user_id=zalo_id)
    if resident is None:
        counts = {
            "inbound_event": privacy_db.erase_subject(
                turn.session, zalo_id=zalo_id, current_event_id=current
            )
        }
    else:
        counts = privacy_db.erase_resident(
            turn.session, resident=resident, now=turn.now, current_event_id=current
        )
        turn.resident = resident
    _audit(turn, "user_withdraw", counts)
    turn.log("privacy_erased", value="user_withdraw")


def reset(state: FlowState) -> None:
    state.flow_id = None
    state.step_id = None
    state.data = {}
    state.history = []
    state.mode = "bot"
    state.expires_at = None


def erase_in_chat(turn: Turn, state: FlowState) -> None:
    """The resident confirmed "xóa dữ liệu của tôi": erase, then say goodbye once."""
    resident = turn.resident
    assert resident is not None
    zalo_id = resident.zalo_user_id
    # Nothing else decided in this turn goes to them any more.
    turn.outgoing = [o for o in turn.outgoing if o.recipient != zalo_id]
    counts = privacy_db.erase_resident(
        turn.session, resident=resident, now=turn.now, current_event_id=turn.event_row.id
    )
    reset(state)
    _audit(turn, "chat", counts)
    turn.log("privacy_erased", value="chat")
    turn.notify(zalo_id, Reply(turn.texts.get("privacy.erased")), kind=FAREWELL_KIND)
