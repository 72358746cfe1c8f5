"""`bot play <flow>` (and `scripts/play <flow>`): try one flow in the terminal.

No server and no Zalo: a throw-away SQLite database (migrated, with the demo commune's
villages), the real dispatcher and the content files as they are on disk. Editors use it
to see a changed text or step at once. Buttons are shown numbered; type the number, or the
label's words, or anything a resident might type ("menu", "quay lại", "hủy").
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.dev.localchat import LocalChat, Said
    from bot.services import Services

QUIT = ("/thoat", "/thoát", "/quit", "/exit")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("play", help="try one flow in the terminal (temporary database)")
    p.add_argument("flow", help="flow id, e.g. vneid, digital_skills, procedures")
    p.add_argument("--dir", type=Path, default=None, help="content directory (default: built-in)")
    p.add_argument("--user", default="Bác Ba", help="display name of the resident")
    p.set_defaults(func=_cmd_play)


def _cmd_play(args: argparse.Namespace) -> int:
    return run_play(args.flow, content_dir=args.dir, display_name=args.user)


def run_play(
    flow_id: str,
    *,
    content_dir: Path | None = None,
    display_name: str = "Bác Ba",
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
) -> int:
    """Chat with `flow_id` until end of input or /thoat; 0 on a normal end, 2 for a bad flow."""
    from bot.dev.localchat import LocalChat
    from bot.flows.loader import FlowLoadError
    from db import residents
    from db.migrate import upgrade
    from db.session import make_engine, session_scope
    from db.types import utcnow

    content = content_dir or Settings().content_dir
    with tempfile.TemporaryDirectory(prefix="bot-play-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'play.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            services = _services(engine, url, content)
        except FlowLoadError as exc:
            write(f"Các tệp luồng hội thoại có lỗi:\n{exc}")
            return 2
        if not services.flows.has(flow_id):
            known = ", ".join(sorted(services.flows.flows))
            write(f"Không có luồng '{flow_id}'. Các luồng có: {known}")
            return 2
        chat = LocalChat(engine, services)
        with session_scope(engine) as session:
            residents.touch(
                session,
                zalo_user_id=chat.user_id,
                now=utcnow(),
                interacted=True,
                display_name=display_name,
            )
        write(f"Thử luồng '{flow_id}' trong vai '{display_name}'. Gõ /thoat để thoát.\n")
        return _converse(chat, flow_id, read, write)


def _services(engine: Engine, url: str, content: Path) -> Services:
    """The real services on a temporary database holding the demo organisation."""
    from bot.features.enabled import FEATURES
    from bot.features.org.orgfile import OrgError, load_org, org_rows
    from bot.services import Services
    from db import org as org_db
    from db.session import session_scope

    commune = "Xã Mẫu"
    try:
        org = load_org(content / "demo" / "org.yaml")
    except (OrgError, OSError):
        org = None
    if org is not None:
        commune = org.commune.name
        with session_scope(engine) as session:
            org_db.apply_org(session, **org_rows(org))
    settings = Settings(database_url=url, content_dir=content)
    return Services.load(settings, FEATURES, commune_name=commune)


def _converse(
    chat: LocalChat, flow_id: str, read: Callable[[str], str], write: Callable[[str], None]
) -> int:
    from bot.dev.chat import render_message
    from bot.flows.buttons import match_choice
    from bot.services import GO_PREFIX

    def show(replies: list[Said]) -> None:
        for said in replies:
            text, _ = render_message(said.message)
            write(f"OA ▸ {text}\n")

    show(chat.send(GO_PREFIX + flow_id))
    while True:
        try:
            line = read("Bạn ▸ ").strip()
        except EOFError:
            return 0
        if line in QUIT:
            return 0
        if not line:
            continue
        last = next((s for s in reversed(chat.history) if s.buttons), None)
        index = match_choice(line, last.labels) if last is not None else None
        if last is None or index is None:
            show(chat.send(line))
            continue
        button = last.buttons[index]
        if button.get("type") != "oa.query.hide":
            target = button.get("payload") or {}
            write(f"   (Zalo mở: {target.get('url') or target.get('phone_code')})\n")
            continue
        write(f"   ➜ bạn bấm: {button.get('title')}")
        show(chat.send(str(button["payload"])))
