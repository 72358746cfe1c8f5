"""Kill the bot at each step of a send (and of processing), restart it, check the invariants:
nothing lost, nothing sent twice, no row left stuck."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from db.models import InboundEvent, Outbox
from db.session import make_engine, read_scope
from tests.servers import BotProcess, bot_env, demo_sim_app, free_port, serve_in_thread


@pytest.fixture
def sim_and_bot(db_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, BotProcess]]:
    bot_port = free_port()
    with serve_in_thread(demo_sim_app(bot_port)) as sim_url:
        env = bot_env(db_url, sim_url)
        bot = BotProcess(env, bot_port, tmp_path / "bot.log")
        with httpx.Client(base_url=sim_url, timeout=15) as sim:
            try:
                yield sim, bot
            finally:
                bot.stop()


def _sent_to(sim: httpx.Client, user_id: str) -> list[dict]:  # type: ignore[type-arg]
    return list(sim.get("/_sim/outbox", params={"user_id": user_id}).json()["items"])


def _rows(db_url: str) -> tuple[list[Outbox], list[InboundEvent]]:
    engine = make_engine(db_url)
    try:
        with read_scope(engine) as s:
            return list(s.exec(select(Outbox)).all()), list(s.exec(select(InboundEvent)).all())
    finally:
        engine.dispose()


def _describe(db_url: str, bot: BotProcess) -> str:
    outbox, events = _rows(db_url)
    rows = [(r.id, r.status, r.attempts, r.claimed_by, r.error_message) for r in outbox]
    pending = [(e.id, e.event_name, e.status) for e in events if e.status != "done"]
    log = bot.log.read_text(errors="replace")[-3000:] if bot.log.exists() else ""
    return f"outbox={rows}\nevents={pending}\nbot log:\n{log}"


def _wait_settled(db_url: str, user_id: str, timeout: float = 30) -> bool:
    """Settled, and still settled a moment later (echoes and receipts keep arriving)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _settled(db_url, user_id):
            time.sleep(0.6)
            if _settled(db_url, user_id):
                return True
        time.sleep(0.2)
    return False


def _settled(db_url: str, user_id: str) -> bool:
    outbox, events = _rows(db_url)
    mine = [
        r for r in outbox if r.recipient == user_id
    ]  # the welcome, the news invitation, the menu
    return (
        len(mine) == 3
        and all(r.status == "sent" for r in mine)
        and all(e.status != "pending" for e in events)
    )


@pytest.mark.parametrize(
    "failpoint", ["processor.before_commit", "outbox.before_send", "outbox.after_send"]
)
def test_killed_at_a_step_then_restarted(
    sim_and_bot: tuple[httpx.Client, BotProcess], db_url: str, failpoint: str
) -> None:
    sim, bot = sim_and_bot
    bot.start(BOT_FAILPOINTS=failpoint)
    user = sim.post("/_sim/users", json={"display_name": "Bà Năm"}).json()["user_id"]
    sim.post("/_sim/follow", json={"user_id": user})  # welcome text + menu = 2 messages
    assert bot.wait_exit() == 137  # died at the failpoint
    bot.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    sent = _sent_to(sim, user)
    assert len(sent) == 3, [s["body"]["message"] for s in sent]  # nothing lost, nothing twice
    outbox, _ = _rows(db_url)
    ids = {r.zalo_message_id for r in outbox if r.recipient == user}
    assert ids == {s["message_id"] for s in sent}


def test_killed_while_the_send_is_in_flight(
    sim_and_bot: tuple[httpx.Client, BotProcess], db_url: str
) -> None:
    sim, bot = sim_and_bot
    bot.start()
    user = sim.post("/_sim/users", json={"display_name": "Ông Sáu"}).json()["user_id"]
    sim.post("/_sim/faults", json={"route": "/v3.0/oa/message/cs", "delay_ms": 1500})
    sim.post("/_sim/follow", json={"user_id": user})
    time.sleep(0.8)  # the first send is waiting inside "Zalo"
    bot.kill9()
    time.sleep(1.2)  # "Zalo" goes on and accepts it anyway
    bot.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    assert len(_sent_to(sim, user)) == 3
