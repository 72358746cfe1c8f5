"""Core sub-commands: serve, scheduler, worker, chat, db, content, flows, org, zalo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings, get_settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web app (webhook, admin, dashboard)")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--demo", action="store_true", help="demo mode: SQLite, simulator, scheduler")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers (PostgreSQL only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("scheduler", help="run the scheduler process (outbox, tokens, campaigns)")
    p.set_defaults(func=cmd_scheduler)

    p = sub.add_parser(
        "worker", help="process stored events and send replies, apart from the web app"
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("chat", help="chat as a resident through the simulator")
    p.add_argument("--user", default="Bác Ba", help="display name of the resident")
    p.add_argument("--url", default=None, help="bot address (default http://HOST:PORT)")
    p.add_argument(
        "--as",
        dest="as_member",
        metavar="ID_OR_NAME",
        help="demo: chat as a team member or leader of the organisation (Zalo id or name)",
    )
    p.set_defaults(func=cmd_chat)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    p = db.add_parser("upgrade", help="apply migrations to DATABASE_URL")
    p.set_defaults(func=cmd_db_upgrade)

    content = sub.add_parser("content", help="content files").add_subparsers(
        dest="content_command", required=True
    )
    p = content.add_parser("check", help="validate all content files")
    p.add_argument("--dir", type=Path, default=None, help="content directory (default: built-in)")
    p.set_defaults(func=cmd_content_check)
    p = content.add_parser(
        "review",
        help="what residents typed that the bot did not understand, and what they chose when "
        "asked: material for new examples",
    )
    p.add_argument("--days", type=int, default=30, help="how far back (default 30 days)")
    p.add_argument("--csv", action="store_true", help="CSV for a spreadsheet (UTF-8 with BOM)")
    p.set_defaults(func=cmd_content_review)

    flows = sub.add_parser("flows", help="guided flows").add_subparsers(
        dest="flows_command", required=True
    )
    p = flows.add_parser("diagrams", help="write docs/flows/<flow>.mmd from the flow files")
    p.add_argument("--out", type=Path, default=Path("docs/flows"))
    p.add_argument("--check", action="store_true", help="fail when a diagram is out of date")
    p.set_defaults(func=cmd_flow_diagrams)

    org = sub.add_parser("org", help="organisation data").add_subparsers(
        dest="org_command", required=True
    )
    p = org.add_parser("import", help="load villages, groups and the team from a YAML file")
    p.add_argument("path", type=Path)
    p.set_defaults(func=cmd_org_import)

    zalo = sub.add_parser("zalo", help="connect the bot to a real Zalo OA").add_subparsers(
        dest="zalo_command", required=True
    )
    p = zalo.add_parser("connect", help="print the permission link for the OA admin")
    p.add_argument("--redirect-uri", default=None)
    p.set_defaults(func=cmd_zalo_connect)
    p = zalo.add_parser("set-token", help="store a token pair from Zalo's API Explorer")
    p.add_argument("--access-token", required=True)
    p.add_argument("--refresh-token", required=True)
    p.add_argument("--expires-in", type=int, default=90000)
    p.set_defaults(func=cmd_zalo_set_token)
    p = zalo.add_parser("status", help="show the stored token's state (never the token)")
    p.set_defaults(func=cmd_zalo_status)


def _settings(**overrides: Any) -> Settings:
    if not overrides:
        return get_settings()
    return Settings(**{**get_settings().model_dump(exclude_unset=True), **overrides})


def _demo_refusal() -> str | None:
    """Why `--demo` must not run here: BOT_MODE=production (the simulator would be mounted
    without auth and sign events with the real OA secret), or None."""
    try:
        configured = get_settings()
    except ValueError as exc:
        return f"Cannot start: {exc}"
    if configured.is_demo:
        return None
    return (
        "Cannot start: `bot serve --demo` is refused with BOT_MODE=production "
        "(it would mount the simulator); run `bot serve` without --demo, or unset BOT_MODE."
    )


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.main import create_app

    overrides: dict[str, Any] = {}
    if args.demo:
        refusal = _demo_refusal()
        if refusal is not None:
            print(refusal, file=sys.stderr)
            return 2
        overrides["bot_mode"] = "demo"
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    try:
        settings = _settings(**overrides)
    except ValueError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    _logging(settings)
    if args.workers > 1:
        if settings.is_demo or settings.database_url.startswith("sqlite"):
            print("Several workers need PostgreSQL and production mode.", file=sys.stderr)
            return 2
        uvicorn.run(
            "bot.main:app_factory",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=args.workers,
            proxy_headers=False,  # the app trusts only TRUSTED_PROXIES (bot/main.py)
        )
        return 0
    if settings.is_demo:
        _print_demo_banner(settings)
    uvicorn.run(
        create_app(settings, long_running=True),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        proxy_headers=False,  # the app trusts only TRUSTED_PROXIES (bot/main.py)
    )
    return 0


def _print_demo_banner(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    from bot.config import DEMO_ADMIN_TOKEN

    lines = [
        "",
        "  Zalo OA bot — demo mode (SQLite, built-in Zalo simulator)",
        f"  Webhook        {base}/webhook/zalo",
        f"  Simulator      {base}/_sim/health",
        f"  Health         {base}/healthz   {base}/readyz   {base}/metrics",
        f"  Dashboard      {base}/admin/dashboard",
        f"  Admin token    {token or DEMO_ADMIN_TOKEN}",
        "  Chat as a resident:  make chat   (in another terminal)",
        "",
    ]
    print("\n".join(lines), flush=True)


def cmd_scheduler(args: argparse.Namespace) -> int:
    from bot.features.enabled import FEATURES
    from scheduler.service import run

    settings = get_settings()
    _logging(settings)
    return asyncio.run(run(settings, FEATURES))


def cmd_worker(args: argparse.Namespace) -> int:
    from bot.features.enabled import FEATURES
    from bot.worker import run

    settings = get_settings()
    _logging(settings)
    return asyncio.run(run(settings, FEATURES))


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.dev.chat import run_chat

    settings = get_settings()
    url = args.url or f"http://{settings.host}:{settings.port}"
    return asyncio.run(run_chat(url, display_name=args.user, as_member=args.as_member))


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    print(f"Database is up to date ({_safe_url(settings.database_url)}).")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    from db.session import normalize_url

    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.content_check import check_content
    from bot.features.enabled import FEATURES

    content = args.dir or get_settings().content_dir
    problems = check_content(content, FEATURES)
    if problems:
        print(f"Content check found {len(problems)} problem(s) in {content}:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"Content check passed ({content}).")
    return 0


def cmd_content_review(args: argparse.Namespace) -> int:
    """Group the messages by text: how often, and which topic residents chose (if asked)."""
    from collections import Counter
    from datetime import timedelta

    from bot.reporting import write_csv
    from db import eventlog
    from db.session import make_engine, read_scope
    from db.types import utcnow

    engine = make_engine(get_settings().database_url)
    with read_scope(engine) as session:
        rows = eventlog.for_review(session, since=utcnow() - timedelta(days=max(args.days, 1)))
        seen: Counter[tuple[str, str]] = Counter()
        for row in rows:
            if row.kind == "clarify_chosen":
                text, chosen = str((row.data or {}).get("text") or ""), row.value or ""
            else:
                text, chosen = row.value or "", ""
            if text:
                seen[(text, chosen)] += 1
    engine.dispose()
    lines = sorted(seen.items(), key=lambda item: (-item[1], item[0]))
    if args.csv:
        sys.stdout.write(
            write_csv(
                ["Tin nhắn", "Bà con chọn", "Số lần"],
                ([text, chosen or "(chưa hiểu)", count] for (text, chosen), count in lines),
            )
        )
        return 0
    print(f"{len(lines)} câu trong {args.days} ngày (chưa hiểu, hoặc bà con tự chọn chủ đề):")
    for (text, chosen), count in lines:
        print(f"  {count:>4} × {text}  →  {chosen or '(chưa hiểu)'}")
    return 0


def cmd_flow_diagrams(args: argparse.Namespace) -> int:
    from bot.feature import merged_hooks
    from bot.features.enabled import FEATURES
    from bot.flows.diagram import to_mermaid
    from bot.flows.loader import load_flow_files

    hooks = merged_hooks(FEATURES)
    flows = load_flow_files(get_settings().content_dir / "flows", hooks)
    stale = []
    for flow in flows.values():
        path = args.out / f"{flow.id}.mmd"
        text = to_mermaid(flow, hooks)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    if stale:
        print("Flow diagrams out of date (run `make diagrams`): " + ", ".join(stale))
        return 1
    return 0


def cmd_org_import(args: argparse.Namespace) -> int:
    from bot.features.org.orgfile import OrgError, load_org, org_rows
    from db import org as org_db
    from db.session import make_engine, session_scope

    try:
        org = load_org(args.path)
    except (OrgError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        result = org_db.apply_org(session, **org_rows(org))
    print(
        f"Organisation loaded: {result.villages_added} villages added, "
        f"{result.villages_updated} updated, {result.groups} groups, {result.members} team members."
    )
    if result.villages_kept:
        print(
            "Kept (not in the file, residents may point at them): "
            + ", ".join(result.villages_kept)
        )
    return 0


def cmd_zalo_connect(args: argparse.Namespace) -> int:
    from bot.runtime import zalo_bases
    from bot.zalo.client import permission_url, pkce_pair
    from db import tokens as token_rows
    from db.session import make_engine, session_scope
    from db.types import utcnow

    settings = get_settings()
    redirect = args.redirect_uri or settings.zalo_oauth_redirect_uri
    if not redirect:
        print(
            "Set ZALO_OAUTH_REDIRECT_URI (https://<your domain>/zalo/oauth/callback, the same as "
            "in the Zalo app console) or pass --redirect-uri.",
            file=sys.stderr,
        )
        return 2
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        token_rows.add_pending_auth(session, state=state, code_verifier=verifier, now=utcnow())
    _, oauth = zalo_bases(settings)
    url = permission_url(
        oauth,
        app_id=settings.zalo_app_id,
        redirect_uri=redirect,
        code_challenge=challenge,
        state=state,
    )
    print("Open this link logged in as the OA admin, within 10 minutes:\n")
    print(url)
    print("\nZalo then sends you to the callback, which stores the tokens.")
    return 0


def cmd_zalo_set_token(args: argparse.Namespace) -> int:
    from db import tokens as token_rows
    from db.session import make_engine, session_scope
    from db.types import utcnow

    settings = get_settings()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        token_rows.save_pair(
            session,
            oa_id=settings.zalo_oa_id,
            access_token=args.access_token,
            refresh_token=args.refresh_token,
            expires_in_s=args.expires_in,
            now=utcnow(),
        )
    print("Token pair stored. It will be refreshed automatically before it expires.")
    return 0


def cmd_zalo_status(args: argparse.Namespace) -> int:
    from db import tokens as token_rows
    from db.session import make_engine, read_scope

    settings = get_settings()
    with read_scope(make_engine(settings.database_url)) as session:
        row = token_rows.get(session, oa_id=settings.zalo_oa_id)
        if row is None:
            print("No token stored: run `bot zalo connect`.")
            return 1
        expires = row.access_expires_at.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")
        print(f"state={row.state} access token expires {expires} (Vietnam time)")
        if row.last_error:
            print(f"last error: {row.last_error}")
        return 0 if row.state == "ok" else 1
