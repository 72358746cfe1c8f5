"""Admin authentication: bearer tokens (or the dashboard's cookie) with a role and a scope.

Missing or invalid token → 401; a valid token without the right role or outside its
villages → 403. A state-changing request authenticated by the cookie must also pass the CSRF
check (`bot.api.admin.csrf`) → 403 otherwise. Failed attempts are rate-limited per client
address against guessing. Tokens are stored hashed; `bot admin create-token` prints a new one once.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPBearer
from sqlalchemy import Engine

from bot.api.admin import csrf
from bot.api.deps import RuntimeDep
from db import admin as admin_rows
from db import org as org_rows
from db.session import session_scope

ROLES = ("admin", "official", "leader")
COOKIE = "bot_admin"


def new_token() -> str:
    return "zb_" + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, role and the villages it may see (None = all)."""

    token_id: int
    role: str
    village_codes: frozenset[str] | None
    village_ids: frozenset[int] | None
    member_zalo_id: str | None = None

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}"

    @property
    def commune_wide(self) -> bool:
        return self.village_ids is None

    def may_see(self, village_id: int | None) -> bool:
        if self.village_ids is None:
            return True
        return village_id is not None and village_id in self.village_ids


class FailureLimiter:
    """At most `limit` failed attempts per client a minute; then 429 until the minute is over.

    The client is the connecting address (a configured proxy's X-Forwarded-For is resolved
    before this; see `Settings.trusted_proxies`). At most `max_clients` addresses are
    remembered: beyond that, the one that failed least recently is forgotten first.
    """

    WINDOW_S = 60.0

    def __init__(self, limit: int, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.max_clients = max_clients
        # client -> (when its window started, failures in it), least recently failed first.
        self._failures: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def _current(self, client: str, now: float) -> tuple[float, int] | None:
        entry = self._failures.get(client)
        if entry is not None and now - entry[0] >= self.WINDOW_S:
            del self._failures[client]
            return None
        return entry

    def blocked(self, client: str) -> bool:
        entry = self._current(client, time.monotonic())
        return entry is not None and entry[1] >= self.limit

    def fail(self, client: str) -> None:
        now = time.monotonic()
        entry = self._current(client, now)
        if entry is None:
            while len(self._failures) >= self.max_clients:
                self._failures.popitem(last=False)
            self._failures[client] = (now, 1)
            return
        self._failures[client] = (entry[0], entry[1] + 1)
        self._failures.move_to_end(client)


def client_address(request: Request) -> str:
    """The address the limiter counts: the peer's, or what a trusted proxy says it is."""
    return request.client.host if request.client else "unknown"


def bearer_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def authenticate(engine: Engine, token: str, now: datetime) -> Principal | None:
    with session_scope(engine) as session:
        row = admin_rows.find_active(session, token=token, now=now)
        if row is None or row.id is None:
            return None
        # Touch at most once a minute: reads should not turn into writes on every request.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            admin_rows.touch(session, token_id=row.id, now=now)
        codes = frozenset(row.villages) if row.villages else None
        ids: frozenset[int] | None = None
        if codes is not None:
            ids = frozenset(
                v.id for v in org_rows.villages(session) if v.code in codes and v.id is not None
            )
        return Principal(
            token_id=row.id,
            role=row.role,
            village_codes=codes,
            village_ids=ids,
            member_zalo_id=row.member_zalo_id,
        )


async def current_principal(request: Request, runtime: RuntimeDep) -> Principal:
    limiter: FailureLimiter = request.app.state.admin_limiter
    client = client_address(request)
    if limiter.blocked(client):
        raise HTTPException(429, "too many failed attempts; wait a minute")
    bearer = bearer_from(request)
    token = bearer or request.cookies.get(COOKIE) or None
    if not token:
        limiter.fail(client)
        raise HTTPException(401, "missing token", headers={"WWW-Authenticate": "Bearer"})
    if bearer is None and request.method not in csrf.SAFE_METHODS:
        await csrf.check(request, token, runtime.settings)  # the dashboard's cookie
    principal = await anyio.to_thread.run_sync(
        authenticate, runtime.engine, token, runtime.clock.now()
    )
    if principal is None:
        limiter.fail(client)
        raise HTTPException(
            401, "invalid, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only the given roles (403 for the others)."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
        return principal

    return check


# Documented answers of every admin route (the OpenAPI document lists them).
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad parameter (the reason is in `detail`)"},
    401: {"description": "Missing, invalid, expired or revoked token"},
    403: {
        "description": "The token's role or villages do not allow this, or a request with the "
        "dashboard's cookie came from another origin or without its CSRF token"
    },
    429: {"description": "Too many failed attempts from this address"},
}
# Declares the bearer scheme in the OpenAPI document; `current_principal` does the checking.
bearer_scheme = HTTPBearer(auto_error=False, description="API token from `bot admin create-token`")

AnyRole = Annotated[Principal, Depends(require(*ROLES))]
AdminOnly = Annotated[Principal, Depends(require("admin"))]
OfficialOrAdmin = Annotated[Principal, Depends(require("admin", "official"))]
