"""The scheduler's follow-up job on the running app: a resident quiet at a step gets one
follow-up through the outbox and the simulator while Zalo's free 48-hour window is open, and
none once it has closed; a resident who moved on a few minutes ago gets none either."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
from sqlmodel import select

from bot.features.enabled import FEATURES
from db import online_filing as filing_rows
from db import residents
from db.models import OnlineFiling
from db.session import read_scope, session_scope
from db.types import utcnow
from scheduler.jobs import scheduled_jobs
from tests.live import Live

INSIDE, OUTSIDE, BUSY = "7100000000000000001", "7100000000000000002", "7100000000000000003"


def seed(live: Live, http: httpx.Client) -> None:
    now = utcnow()
    # (user, hours since they last wrote, minutes since they reached step 2)
    people = ((INSIDE, 3, 180), (OUTSIDE, 49, 180), (BUSY, 0.1, 5))
    with session_scope(live.runtime.engine) as s:
        for user, hours, minutes in people:
            r = residents.touch(s, zalo_user_id=user, now=now, interacted=True)
            r.last_interaction_at = now - timedelta(hours=hours)
            s.add(r)
            s.flush()
            at = now - timedelta(minutes=minutes)
            f = filing_rows.start(
                s,
                resident_id=r.id or 0,
                village_id=None,
                flow="nop_cu_tru",
                procedure="1.004194",
                step="check",
                now=at,
            )
            filing_rows.at_step(s, f, step="buoc_1", index=1, now=at)
            filing_rows.at_step(s, f, step="buoc_2", index=2, now=at)
    for user, hours, _ in people:
        http.post(
            "/_sim/users",
            json={
                "user_id": user,
                "display_name": user,
                "last_interaction_ms": int((time.time() - hours * 3600) * 1000),
            },
        )


def outbox(http: httpx.Client, user: str) -> list[dict[str, object]]:
    return list(http.get("/_sim/outbox", params={"user_id": user}).json()["items"])


def test_the_scheduled_follow_up_reaches_only_residents_inside_the_window(live: Live) -> None:
    [job] = [j for j in scheduled_jobs(FEATURES) if j.name == "online-filing-followups"]
    assert job.every_s == 60
    with httpx.Client(base_url=live.url) as http:
        seed(live, http)
        asyncio.run(job.run(live.runtime))
        deadline = time.monotonic() + 15
        while not outbox(http, INSIDE) and time.monotonic() < deadline:
            time.sleep(0.1)
        [message] = outbox(http, INSIDE)
        assert "dừng ở bước" in str(message) and "Chọn thủ tục cư trú" in str(message)
        # A second run sends nothing more.
        asyncio.run(job.run(live.runtime))
        assert outbox(http, OUTSIDE) == [] and outbox(http, BUSY) == []
        assert len(outbox(http, INSIDE)) == 1
    # The job's own record (what it would skip next time): only the resident inside.
    with read_scope(live.runtime.engine) as s:
        followed = [f.followup_at is not None for f in s.exec(select(OnlineFiling)).all()]
    assert sorted(followed) == [False, False, True]
