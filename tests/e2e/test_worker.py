"""The scale-out layout: web workers only store and acknowledge (WEB_PROCESSES_EVENTS=false),
`bot worker` processes events and sends replies. Real processes, the simulator as Zalo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_crash import _describe, _rows, _sent_to, _wait_settled
from tests.servers import BotProcess, demo_sim_app, free_port, serve_in_thread


@pytest.fixture
def layout(db_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, BotProcess, BotProcess]]:
    bot_port = free_port()
    with serve_in_thread(demo_sim_app(bot_port)) as sim_url:
        env = {
            "BOT_MODE": "demo",
            "DATABASE_URL": db_url,
            "PORT": str(bot_port),
            "ZALO_OPENAPI_BASE": sim_url,
            "ZALO_OAUTH_BASE": sim_url,
            "WEB_PROCESSES_EVENTS": "false",
            "WORKER_POLL_S": "0.05",
            "OUTBOX_POLL_S": "0.05",
            "OUTBOX_BACKOFF_BASE_S": "0.05",
            "OUTBOX_ECHO_GRACE_S": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        bot = BotProcess(env, bot_port, tmp_path / "bot.log")
        worker = BotProcess(env, bot_port, tmp_path / "worker.log", command=["worker"])
        with httpx.Client(base_url=sim_url, timeout=15) as sim:
            try:
                yield sim, bot, worker
            finally:
                worker.stop()
                bot.stop()


def test_the_web_only_stores_and_the_worker_replies(
    layout: tuple[httpx.Client, BotProcess, BotProcess], db_url: str
) -> None:
    sim, bot, worker = layout
    bot.start()
    user = sim.post("/_sim/users", json={"display_name": "Bà Tư"}).json()["user_id"]
    sim.post("/_sim/follow", json={"user_id": user})  # welcome text + menu = 2 messages
    time.sleep(1.5)
    _, events = _rows(db_url)
    assert [e.status for e in events if e.event_name == "follow"] == ["pending"]
    assert _sent_to(sim, user) == []  # no worker yet: acknowledged, stored, not answered
    worker.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    assert len(_sent_to(sim, user)) == 2


def test_worker_killed_before_commit_then_restarted(
    layout: tuple[httpx.Client, BotProcess, BotProcess], db_url: str
) -> None:
    sim, bot, worker = layout
    bot.start()
    worker.start(BOT_FAILPOINTS="processor.before_commit")
    user = sim.post("/_sim/users", json={"display_name": "Ông Bảy"}).json()["user_id"]
    sim.post("/_sim/follow", json={"user_id": user})
    assert worker.wait_exit() == 137  # died with the event handled but not committed
    assert _sent_to(sim, user) == []
    worker.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    sent = _sent_to(sim, user)
    assert len(sent) == 2  # nothing lost, nothing twice
    outbox, events = _rows(db_url)
    assert {r.zalo_message_id for r in outbox if r.recipient == user} == {
        s["message_id"] for s in sent
    }
    assert [e.status for e in events if e.event_name == "follow"] == ["done"]
