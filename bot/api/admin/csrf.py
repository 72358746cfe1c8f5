"""Cross-site request forgery: a state-changing request that the browser authenticates with
the dashboard's cookie must come from the app's own pages.

SameSite=Strict is not enough: a page on another port of the same host is the same *site*, so
the browser sends the cookie with its forms. Such a request therefore needs both

* an ``Origin`` (or, without one, a ``Referer``) that is the app's own origin (the request's
  scheme and host, or ``PUBLIC_BASE_URL``'s), and
* the session's CSRF token, in the ``X-CSRF-Token`` header or the ``csrf_token`` form field.
  The token is an HMAC of the session's cookie, so it is bound to the session, needs no
  storage, and the pages that know the cookie (ours) print it; another origin cannot read it.

Requests with a bearer token need neither: a browser never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from bot.config import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADER = "x-csrf-token"
FIELD = "csrf_token"
_PURPOSE = b"bot-admin-csrf-v1"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def token_for(session: str) -> str:
    """The CSRF token of the session whose cookie is `session`."""
    return hmac.new(session.encode(), _PURPOSE, hashlib.sha256).hexdigest()


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of `url` (the default port left out), or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")


def own_origins(request: Request, settings: Settings) -> set[str]:
    found = {origin_of(str(request.base_url))}
    if settings.public_base_url:
        found.add(origin_of(settings.public_base_url))
    return {origin for origin in found if origin is not None}


def origin_problem(request: Request, settings: Settings) -> str | None:
    """Why the request does not come from the app's own pages, or None if it may."""
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is None or (header == "referer" and not value):
            continue
        if origin_of(value) in own_origins(request, settings):
            return None
        return f"cross-origin request refused ({header.capitalize()}: {value[:80]})"
    return None  # neither header (some privacy settings): the token alone decides


async def submitted_token(request: Request) -> str | None:
    """The CSRF token the request carries: its header, or its form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in _FORMS:
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else None
    return None


async def check(request: Request, session: str, settings: Settings) -> None:
    """403 unless the cookie-authenticated request comes from our page with its token."""
    problem = origin_problem(request, settings)
    if problem is not None:
        raise HTTPException(403, problem)
    sent = await submitted_token(request)
    expected = token_for(session)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            403,
            "missing or wrong CSRF token: the dashboard's pages send it "
            "(X-CSRF-Token header or csrf_token field); API clients use a bearer token",
        )
