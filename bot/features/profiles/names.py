"""Fills in residents' display names from Zalo's user profile, outside the event path.

Handlers never call Zalo; this periodic job asks `/v3.0/oa/user/detail` for residents
first seen without a name, so later greetings and team members' requests show a name. An
empty string marks "asked, none given" so a resident is asked about once.
"""

from __future__ import annotations

import logging

import anyio.to_thread

from bot.runtime import Runtime
from bot.zalo.errors import ZaloError, ZaloOutcomeUnknown, ZaloUnreachable
from bot.zalo.tokens import TokenUnavailable
from db import residents
from db.session import read_scope, session_scope

log = logging.getLogger(__name__)


async def fetch_missing_names(runtime: Runtime, *, limit: int = 20) -> int:
    """Look up to `limit` unnamed residents; the number of names stored."""

    def unnamed() -> list[str]:
        with read_scope(runtime.engine) as session:
            return residents.unnamed(session, limit=limit)

    def store(zalo_user_id: str, name: str) -> None:
        with session_scope(runtime.engine) as session:
            residents.set_display_name(session, zalo_user_id=zalo_user_id, name=name)

    stored = 0
    for zalo_user_id in await anyio.to_thread.run_sync(unnamed):
        try:
            token = await runtime.tokens.access_token()
            detail = await runtime.zalo.user_detail(token, zalo_user_id)
        except ZaloError as exc:
            if exc.code != -201:
                log.info("profile of %s not available now: %s", zalo_user_id, exc)
                return stored
            detail = {}
        except (ZaloUnreachable, ZaloOutcomeUnknown, TokenUnavailable) as exc:
            log.info("profiles not fetched now: %s", exc)
            return stored
        name = str(detail.get("display_name") or "").strip()
        await anyio.to_thread.run_sync(store, zalo_user_id, name)
        stored += bool(name)
    return stored
