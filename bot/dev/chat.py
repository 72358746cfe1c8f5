"""`bot chat` / `make chat`: talk to a running demo bot as a resident, in the terminal.

It uses the simulator's control API, like a phone would use Zalo: it creates a resident,
follows the OA, sends messages and taps buttons, and prints what the OA sends, as it comes
(a team member's answer, a campaign) even while you are not typing. Buttons appear as
numbered choices; type the number, or the label's words. `bot chat --as "Lê Thị Mai"` (or a
Zalo id from the organisation data) chats as that team member or leader instead.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.flows.buttons import match_choice
from bot.text.normalize import fold

QUIET_S = 1.2  # stop waiting for more replies after this long without one
MAX_WAIT_S = 15.0


@dataclass
class Shown:
    message_id: str
    buttons: list[dict[str, Any]] = field(default_factory=list)


def render_message(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text to print for one Zalo message body, and its buttons."""
    if "text" in message:
        return str(message["text"]), []
    payload = (message.get("attachment") or {}).get("payload") or {}
    elements = payload.get("elements") or []
    lines: list[str] = []
    for element in elements:
        title = str(element.get("title", "")).strip()
        subtitle = str(element.get("subtitle", "")).strip()
        lines.extend(x for x in (title, subtitle) if x)
    buttons = list(payload.get("buttons") or [])
    for i, button in enumerate(buttons, start=1):
        extra = ""
        if button.get("type") == "oa.open.url":
            extra = f"  ({(button.get('payload') or {}).get('url', '')})"
        elif button.get("type") == "oa.open.phone":
            extra = f"  (gọi {(button.get('payload') or {}).get('phone_code', '')})"
        lines.append(f"   [{i}] {button.get('title', '')}{extra}")
    return "\n".join(lines), buttons


class ChatClient:
    def __init__(
        self, http: httpx.AsyncClient, display_name: str, *, quiet_s: float = QUIET_S
    ) -> None:
        self.http = http
        self.quiet_s = quiet_s
        self.display_name = display_name
        self.user_id = ""
        self.after = 0
        self.last: Shown | None = None

    async def join(self) -> None:
        response = await self.http.post(
            "/_sim/users", json={"display_name": self.display_name, "follower": False}
        )
        response.raise_for_status()
        self.user_id = str(response.json()["user_id"])
        await self.http.post("/_sim/follow", json={"user_id": self.user_id})

    async def assume(self, who: str) -> str:
        """Chat as an existing simulator user (a team member or leader seeded from the
        organisation data), found by Zalo id or name; their display name. Only what arrives
        from now on is shown."""
        response = await self.http.get("/_sim/users")
        response.raise_for_status()
        users = [u for u in response.json() if isinstance(u, dict)]
        wanted = fold(who)
        match = next((u for u in users if str(u.get("user_id")) == who.strip()), None) or next(
            (u for u in users if fold(str(u.get("display_name", ""))) == wanted), None
        )
        if match is None:
            names = ", ".join(sorted(str(u.get("display_name", "")) for u in users))
            raise LookupError(f"không có ai tên hay mã '{who}' (có: {names})")
        self.user_id = str(match["user_id"])
        self.display_name = str(match.get("display_name") or who)
        await self._skip_history()
        return self.display_name

    async def _skip_history(self) -> None:
        response = await self.http.get("/_sim/outbox", params={"user_id": self.user_id})
        response.raise_for_status()
        for item in response.json().get("items", []):
            self.after = max(self.after, int(item["seq"]))

    async def send(self, text: str) -> None:
        last = self.last
        if last is not None and last.buttons:
            index = match_choice(text, [str(b.get("title", "")) for b in last.buttons])
            if index is not None:
                await self.tap(last, index)
                return
        response = await self.http.post(
            "/_sim/inbound", json={"user_id": self.user_id, "kind": "text", "text": text}
        )
        response.raise_for_status()

    async def tap(self, shown: Shown, index: int) -> None:
        button = shown.buttons[index]
        if button.get("type", "").startswith("oa.open"):
            target = button.get("payload") or {}
            print(f"   (Zalo mở: {target.get('url') or target.get('phone_code')})")
            return
        print(f"   ➜ bạn bấm: {button.get('title')}")
        response = await self.http.post(
            "/_sim/click",
            json={"user_id": self.user_id, "message_id": shown.message_id, "button_index": index},
        )
        response.raise_for_status()

    async def poll(self) -> list[str]:
        """What the OA sent since the last look, as printable blocks (maybe none)."""
        response = await self.http.get(
            "/_sim/outbox", params={"user_id": self.user_id, "after_id": self.after}
        )
        response.raise_for_status()
        out: list[str] = []
        for item in response.json().get("items", []):
            self.after = max(self.after, int(item["seq"]))
            message = (item.get("body") or {}).get("message") or {}
            text, buttons = render_message(message)
            out.append(text)
            if buttons:
                self.last = Shown(str(item["message_id"]), buttons)
        return out

    async def receive(self, *, max_wait_s: float = MAX_WAIT_S) -> list[str]:
        """Wait for the OA's replies and return them as printable blocks."""
        out: list[str] = []
        loop = asyncio.get_running_loop()
        start = last_new = loop.time()
        while loop.time() - start < max_wait_s:
            items = await self.poll()
            out.extend(items)
            if items:
                last_new = loop.time()
            elif out and loop.time() - last_new > self.quiet_s:
                break
            await asyncio.sleep(0.05)
        return out

    async def watch(self, show: Callable[[str], None], every_s: float = 0.3) -> None:
        """Print what the OA sends as it arrives, until cancelled."""
        while True:
            try:
                for block in await self.poll():
                    show(block)
            except httpx.HTTPError:
                pass  # the bot restarting: try again on the next round
            await asyncio.sleep(every_s)


async def run_chat(url: str, *, display_name: str, as_member: str | None = None) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        try:
            (await http.get("/_sim/health")).raise_for_status()
        except httpx.HTTPError:
            print(
                f"Không kết nối được với bot ở {url}. Hãy chạy `make run` trước.", file=sys.stderr
            )
            return 1
        chat = ChatClient(http, display_name)
        if as_member:
            try:
                name = await chat.assume(as_member)
            except LookupError as exc:
                print(f"Không chat được: {exc}", file=sys.stderr)
                return 1
            print(f"Bạn đang chat với OA trong vai '{name}'. Gõ /thoat để thoát.\n")
        else:
            await chat.join()
            print(
                f"Bạn đang chat với OA trong vai người dân '{display_name}'. Gõ /thoat để thoát.\n"
            )
            for block in await chat.receive():
                print(f"OA ▸ {block}\n")
        watcher = asyncio.create_task(chat.watch(lambda block: print(f"\nOA ▸ {block}\n")))
        try:
            return await _type_loop(chat)
        finally:
            watcher.cancel()


async def _type_loop(chat: ChatClient) -> int:
    while True:
        try:
            text = await asyncio.to_thread(input, "Bạn ▸ ")
        except EOFError:
            return 0
        text = text.strip()
        if text in ("/thoat", "/quit", "/exit"):
            return 0
        if text:
            await chat.send(text)
