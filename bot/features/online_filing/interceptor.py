"""Typed "nộp hồ sơ trực tuyến", "tiếp tục nộp hồ sơ", "đã nộp xong" (cues in content), and
"hủy" inside a guided filing (recorded as cancelled, then handled as usual)."""

from __future__ import annotations

from bot.features.online_filing.content import cue_of, families
from bot.flows.buttons import payload
from bot.flows.store import FlowState
from bot.turn import Turn
from db import online_filing as rows

HUB = "nop_truc_tuyen"


class OnlineFilingInterceptor:
    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or resident.id is None or not text or text.startswith("#"):
            return False
        services = turn.services
        fams = families(services.settings.content_dir)
        if state.flow_id in fams and services.router.global_command(text) == "cancel":
            filing = rows.resumable(turn.session, resident_id=resident.id, flow=state.flow_id)
            if filing is not None:
                rows.cancel(turn.session, filing, now=turn.now)
            return False
        kind = cue_of(services.settings.content_dir, text)
        if kind is None:
            return False
        latest = rows.latest(turn.session, resident_id=resident.id)
        open_one = latest if latest is not None and latest.status != "completed" else None
        if kind == "done" and open_one is not None and open_one.status == "active":
            last = list(fams[open_one.flow].steps)[-1] if open_one.flow in fams else None
            if last is not None:
                # The last step's first button is "Đã nộp xong".
                return services.flows.on_payload(turn, state, payload(open_one.flow, last, "s0"))
        if kind in ("resume", "done") and open_one is not None and open_one.flow in fams:
            services.flows.start(turn, state, open_one.flow, via="online_filing.resume")
            return True
        if kind == "done":
            return False
        services.flows.start(turn, state, HUB, via="online_filing.cue")
        return True
