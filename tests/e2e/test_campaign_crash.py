"""Campaigns across processes: kill -9 in the middle of a fan-out, then restart; two bots on
one database, where only the lease holder runs campaigns (and the other takes over)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.config import (
    DEMO_ADMIN_TOKEN,
    DEMO_APP_ID,
    DEMO_APP_SECRET,
    DEMO_OA_ID,
    DEMO_OA_SECRET_KEY,
)
from bot.sim.app import SimConfig, create_sim_app
from db import campaigns as campaign_rows
from db import residents
from db.models import AppLock, CampaignDelivery, CampaignOccurrence
from db.session import make_engine, read_scope, session_scope
from db.types import utcnow
from tests.e2e.test_campaigns import seed_sim
from tests.servers import BotProcess, bot_env, free_port, serve_in_thread

ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
FOLLOWERS = [f"80000000000000{i:05d}" for i in range(30)]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[tuple[httpx.Client, str]]:
    config = SimConfig(
        app_id=DEMO_APP_ID,
        app_secret=DEMO_APP_SECRET,
        oa_id=DEMO_OA_ID,
        oa_secret_key=DEMO_OA_SECRET_KEY,
        webhook_url="http://127.0.0.1:9/webhook/zalo",  # receipts are not needed here
        retry_speedup=60.0,
    )
    with (
        serve_in_thread(create_sim_app(config)) as url,
        httpx.Client(base_url=url, timeout=15) as http,
    ):
        seed_sim(http)
        now_ms = int(time.time() * 1000)
        for uid in FOLLOWERS:
            http.post(
                "/_sim/users",
                json={
                    "user_id": uid,
                    "display_name": uid,
                    "follower": True,
                    "last_interaction_ms": now_ms,
                },
            )
        yield http, url


def _env(db_url: str, sim_url: str) -> dict[str, str]:
    return bot_env(
        db_url, sim_url, CAMPAIGN_TICK_S="0.2", SCHEDULER_LOCK_TTL_S="3", LOG_LEVEL="INFO"
    )


def add_followers(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            village = campaign_rows.villages_by_code(s)["thon-dong"]
            for uid in FOLLOWERS:
                r = residents.touch(s, zalo_user_id=uid, now=utcnow(), interacted=True)
                residents.set_village(s, resident=r, village_id=village.id)
                residents.set_news_opt_in(s, resident=r, opt_in=True)
                residents.set_following(s, resident=r, following=True, now=utcnow())
    finally:
        engine.dispose()


def db_rows(db_url: str) -> tuple[list[CampaignDelivery], list[CampaignOccurrence], list[AppLock]]:
    engine = make_engine(db_url)
    try:
        with read_scope(engine) as s:
            return (
                list(s.exec(select(CampaignDelivery)).all()),
                list(s.exec(select(CampaignOccurrence)).all()),
                list(s.exec(select(AppLock)).all()),
            )
    finally:
        engine.dispose()


def create(bot: BotProcess, **extra: Any) -> int:
    body = {
        "text": "Khẩn: mai nghỉ học do bão.",
        "targets": {"kinds": ["group", "relay", "followers"]},
        "urgent": True,
    }
    answer = httpx.post(
        f"{bot.url}/admin/campaigns", headers=ADMIN, json={**body, **extra}, timeout=15
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def wait_delivered(db_url: str, expected: int, timeout: float = 40) -> list[CampaignDelivery]:
    deadline = time.monotonic() + timeout
    found: list[CampaignDelivery] = []
    while time.monotonic() < deadline:
        found, _, _ = db_rows(db_url)
        if len(found) >= expected and all(d.status != "pending" for d in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"not delivered: {[(d.recipient, d.status) for d in found]}")


def received(http: httpx.Client) -> Counter[str]:
    return Counter(item["recipient"] for item in http.get("/_sim/outbox").json()["items"])


# 2 OA-managed groups + 3 relays (each: the post and the ask) + the followers of Thôn Đông.
TARGETS = 2 + 3 + len(FOLLOWERS)


def check_exactly_once(http: httpx.Client, campaigns: int) -> None:
    """Each target got each of `campaigns` campaigns once (relays: the post and the ask)."""
    counts = received(http)
    assert counts["1a2b3c4d5e6f70810001"] == campaigns
    assert counts["1a2b3c4d5e6f70810004"] == campaigns
    assert all(counts[uid] == campaigns for uid in FOLLOWERS), counts
    for relay in ("7000000000000000003", "7000000000000000004", "7000000000000000005"):
        assert counts[relay] == 2 * campaigns
    assert sum(counts.values()) == campaigns * (2 + 3 * 2 + len(FOLLOWERS))


def test_killed_mid_fan_out_resumes_without_loss_or_duplicates(
    sim: tuple[httpx.Client, str], db_url: str, tmp_path: Path
) -> None:
    http, sim_url = sim
    bot = BotProcess(_env(db_url, sim_url), free_port(), tmp_path / "bot.log")
    try:
        bot.start()
        add_followers(db_url)
        bot.stop()
        bot.start(BOT_FAILPOINTS="campaign.mid_fanout")
        create(bot)
        assert bot.wait_exit() == 137  # died half-way through writing the deliveries
        found, occurrences, _ = db_rows(db_url)
        assert found == [] and occurrences == []  # the half-done fan-out was rolled back
        bot.start()
        delivered = wait_delivered(db_url, TARGETS)
        assert len(delivered) == TARGETS and {d.status for d in delivered} == {"sent"}
        time.sleep(1.0)  # anything sent twice would show up now
        check_exactly_once(http, 1)
    finally:
        bot.stop()


@pytest.mark.slow
def test_two_bots_one_runs_campaigns_and_the_other_takes_over(
    sim: tuple[httpx.Client, str], db_url: str, tmp_path: Path
) -> None:
    http, sim_url = sim
    env = _env(db_url, sim_url)
    first = BotProcess(env, free_port(), tmp_path / "first.log")
    second = BotProcess(env, free_port(), tmp_path / "second.log")
    try:
        first.start()
        add_followers(db_url)
        second.start()
        time.sleep(1.5)
        _, _, locks = db_rows(db_url)
        holders = [lock.owner for lock in locks if lock.name == "scheduler"]
        assert len(holders) == 1
        create(second)  # created through the standby; run by the leader
        wait_delivered(db_url, TARGETS)
        _, occurrences, _ = db_rows(db_url)
        assert len(occurrences) == 1
        time.sleep(1.0)
        check_exactly_once(http, 1)
        standby_log = second.log.read_text(errors="replace")
        assert "waiting as standby" in standby_log
        # The leader dies; the standby takes the lease and runs the next campaign.
        first.kill9()
        create(second)
        wait_delivered(db_url, 2 * TARGETS, timeout=60)
        time.sleep(1.0)
        check_exactly_once(http, 2)
        assert "this scheduler is now active" in second.log.read_text(errors="replace")
    finally:
        first.stop()
        second.stop()
