"""`bot chat`: chatting as a team member (`--as`), and messages shown as they arrive."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from bot.dev.chat import ChatClient
from tests.live import Live

MAI = "7000000000000000003"


async def _resident_asks_for_help(http: httpx.AsyncClient) -> None:
    chat = ChatClient(http, "Bác Ba", quiet_s=0.4)
    await chat.join()
    await chat.receive()
    for typed in ("gặp cán bộ", "cài VNeID cho mẹ", "Buổi chiều", "Thôn Đông", "Gửi yêu cầu"):
        await chat.send(typed)
        await chat.receive()


async def test_chat_as_a_team_member_by_name_or_id(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        by_name = ChatClient(http, "")
        assert await by_name.assume("le thi mai") == "Lê Thị Mai"
        assert by_name.user_id == MAI
        by_id = ChatClient(http, "")
        assert await by_id.assume(MAI) == "Lê Thị Mai"
        with pytest.raises(LookupError, match="Trần Văn Hùng"):
            await ChatClient(http, "").assume("Người Lạ")


async def test_a_member_sees_a_request_arrive_without_typing(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as http:
        member = ChatClient(http, "")
        await member.assume("Lê Thị Mai")
        shown: list[str] = []
        watcher = asyncio.create_task(member.watch(shown.append, every_s=0.1))
        try:
            await _resident_asks_for_help(http)
            for _ in range(100):
                if any("cài VNeID cho mẹ" in block for block in shown):
                    break
                await asyncio.sleep(0.1)
        finally:
            watcher.cancel()
        request = next(block for block in shown if "cài VNeID cho mẹ" in block)
        assert "Nhận hỗ trợ" in request


def _make_chat_command(*assignments: str, env_as: str | None = None) -> str:
    """The command `make chat` would run (dry run), from the repository's Makefile."""
    env = {k: v for k, v in os.environ.items() if k not in {"AS", "MAKEFLAGS", "MFLAGS"}}
    if env_as is not None:
        env["AS"] = env_as
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["make", "-s", "-n", "chat", *assignments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_make_chat_is_a_resident_unless_asked_otherwise() -> None:
    # AS is also make's built-in name for the assembler ("as"): a plain `make chat` on a fresh
    # clone once tried to chat as a team member called "as" and stopped.
    assert "--as" not in _make_chat_command()
    assert _make_chat_command("AS=Lê Thị Mai").endswith('--as "Lê Thị Mai"')
    assert _make_chat_command(env_as="Trần Văn Hùng").endswith('--as "Trần Văn Hùng"')
