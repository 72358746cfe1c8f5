"""The scale-out layout: web workers only store and acknowledge (WEB_PROCESSES_EVENTS=false),
`bot worker` processes events and sends replies. Real processes, the simulator as Zalo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db import journal
from tests.e2e.test_crash import _describe, _rows, _sent_to, _wait_settled
from tests.e2e.test_hostile import SECRETS
from tests.servers import BotProcess, bot_env, demo_sim_app, free_port, serve_in_thread


def _waiting(db_url: str) -> list[str]:
    """Events stored and not processed: pending in `inbound_event`, or still in the journal
    where SQLite web workers append them (`db.journal`)."""
    _, events = _rows(db_url)
    names = [e.event_name for e in events if e.status == "pending"]
    journal_engine = journal.open_journal(db_url)
    if journal_engine is not None:
        try:
            with journal_engine.connect() as conn:
                rows = journal.after(conn, after_id=0, limit=1000)
            names += [row["event_name"] for row in rows if row["status"] == "pending"]
        finally:
            journal_engine.dispose()
    return names


@pytest.fixture
def layout(db_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, BotProcess, BotProcess]]:
    bot_port = free_port()
    with serve_in_thread(demo_sim_app(bot_port)) as sim_url:
        env = bot_env(
            db_url,
            sim_url,
            BOT_MODE="demo",
            PORT=str(bot_port),
            WEB_PROCESSES_EVENTS="false",
            WORKER_POLL_S="0.05",
        )
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
    assert _waiting(db_url) == ["follow"]
    assert _sent_to(sim, user) == []  # no worker yet: acknowledged, stored, not answered
    worker.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    assert len(_sent_to(sim, user)) == 3


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
    assert len(sent) == 3  # nothing lost, nothing twice
    outbox, events = _rows(db_url)
    assert {r.zalo_message_id for r in outbox if r.recipient == user} == {
        s["message_id"] for s in sent
    }
    assert [e.status for e in events if e.event_name == "follow"] == ["done"]


def test_worker_killed_after_moving_from_the_journal_then_restarted(
    layout: tuple[httpx.Client, BotProcess, BotProcess], db_url: str
) -> None:
    if journal.journal_url(db_url) is None:
        pytest.skip("web workers append to a journal on SQLite only")
    sim, bot, worker = layout
    bot.start()
    worker.start(BOT_FAILPOINTS="journal.after_move")
    user = sim.post("/_sim/users", json={"display_name": "Cô Năm"}).json()["user_id"]
    sim.post("/_sim/follow", json={"user_id": user})
    assert worker.wait_exit() == 137  # moved into the database, still in the journal
    assert _waiting(db_url) == ["follow", "follow"]  # both copies wait, one will be processed
    worker.start()
    assert _wait_settled(db_url, user), _describe(db_url, bot)
    assert len(_sent_to(sim, user)) == 3  # nothing lost, nothing twice
    _, events = _rows(db_url)
    assert [e.status for e in events if e.event_name == "follow"] == ["done"]


def test_secrets_reach_neither_the_journal_nor_the_database(
    layout: tuple[httpx.Client, BotProcess, BotProcess], db_url: str
) -> None:
    """The web worker redacts before it appends to the journal: read the files byte by byte
    (free pages and the write-ahead log included), before and after the worker moved them."""
    if journal.journal_url(db_url) is None:
        pytest.skip("the SQLite files are read byte by byte")
    sim, bot, worker = layout
    bot.start()
    user = sim.post("/_sim/users", json={"display_name": "Bà Tám"}).json()["user_id"]
    for text in (
        f"số căn cước của tôi là {SECRETS['cccd']}",
        f"mã OTP là {SECRETS['otp']}",
        f"thẻ ngân hàng {SECRETS['card']}",
        f"mật khẩu là {SECRETS['password']}",
    ):
        sim.post("/_sim/inbound", json={"user_id": user, "kind": "text", "text": text})
    assert _waiting(db_url) == ["user_send_text"] * 4
    database = Path(db_url.removeprefix("sqlite:///"))
    files = sorted(database.parent.glob(f"{database.stem}*"))
    assert any(".inbound" in f.name for f in files)

    def leaked() -> list[str]:
        found = []
        for path in database.parent.glob(f"{database.stem}*"):
            raw = path.read_bytes()
            found += [f"{n} in {path.name}" for n, s in SECRETS.items() if s.encode() in raw]
        return found

    assert leaked() == []
    worker.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        outbox, _ = _rows(db_url)
        if not _waiting(db_url) and len(outbox) >= 4 and {r.status for r in outbox} == {"sent"}:
            break
        time.sleep(0.2)
    assert not _waiting(db_url), _describe(db_url, bot)
    assert leaked() == []
