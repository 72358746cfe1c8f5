"""`bot admin …`: API tokens for the admin API and the dashboard."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bot.api.admin.auth import ROLES, new_token
from bot.config import get_settings
from db import admin as admin_rows
from db import org as org_rows
from db.session import make_engine, session_scope
from db.types import utcnow


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="admin API tokens").add_subparsers(
        dest="admin_command", required=True
    )
    p = admin.add_parser("create-token", help="print a new API token once")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument(
        "--scope",
        default="commune",
        help='"commune" (default) or village codes separated by commas, e.g. thon-dong,tdp-3',
    )
    p.add_argument("--name", default="", help="who the token is for")
    p.add_argument(
        "--label",
        default=None,
        help="a short non-secret name shown in lists (default: the name, else the role)",
    )
    p.add_argument("--expires-days", type=int, default=180)
    p.add_argument("--member", default=None, help="team member's Zalo user id (leader tokens)")
    p.set_defaults(func=cmd_create_token)
    p = admin.add_parser("revoke-token", help="revoke a token by its id")
    p.add_argument("token_id", type=int)
    p.set_defaults(func=cmd_revoke_token)
    p = admin.add_parser("list-tokens", help="list tokens (never the secrets)")
    p.set_defaults(func=cmd_list_tokens)


def cmd_create_token(args: argparse.Namespace) -> int:
    settings = get_settings()
    villages: list[str] = []
    if args.scope.strip().lower() != "commune":
        villages = sorted({v.strip() for v in args.scope.split(",") if v.strip()})
    if args.role == "leader" and not villages and not args.member:
        print("A leader token needs --scope with villages or --member.", file=sys.stderr)
        return 2
    token = new_token()
    now = utcnow()
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        known = {v.code for v in org_rows.villages(session)}
        unknown = [v for v in villages if v not in known]
        if unknown:
            print(f"Unknown village code(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        row = admin_rows.create_token(
            session,
            token=token,
            role=args.role,
            villages=villages,
            name=args.name,
            label=args.label,
            now=now,
            expires_at=now + timedelta(days=args.expires_days),
            member_zalo_id=args.member,
        )
        admin_rows.audit(
            session,
            actor="cli",
            action="token.create",
            now=now,
            target=f"token:{row.id}",
            detail={"role": args.role, "villages": villages},
        )
    print(token)
    print(
        f"(token #{row.id}, role {args.role}, scope {', '.join(villages) or 'commune'}, "
        f"expires in {args.expires_days} days — shown only once)",
        file=sys.stderr,
    )
    return 0


def cmd_revoke_token(args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    now = utcnow()
    with session_scope(engine) as session:
        if not admin_rows.revoke(session, token_id=args.token_id, now=now):
            print(f"No active token #{args.token_id}.", file=sys.stderr)
            return 1
        admin_rows.audit(
            session, actor="cli", action="token.revoke", now=now, target=f"token:{args.token_id}"
        )
    print(f"Token #{args.token_id} revoked.")
    return 0


def cmd_list_tokens(args: argparse.Namespace) -> int:
    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        for row in admin_rows.list_tokens(session):
            state = "revoked" if row.revoked_at else "active"
            print(
                f"#{row.id} [{row.label}] {row.role:8} {state:7} "
                f"scope={','.join(row.villages) or 'commune'} name={row.name!r}"
            )
    return 0
