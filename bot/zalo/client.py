"""The thin httpx client for Zalo's OpenAPI and OAuth v4. The only code that makes HTTP calls
to Zalo (or to the simulator standing in for it).

Failures become exceptions with a clear meaning for the caller:
`ZaloError` (Zalo answered with an error code), `ZaloUnreachable` (the request never left,
safe to retry) and `ZaloOutcomeUnknown` (it may have been processed; reconcile first).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx

from bot.zalo.errors import ZaloError, ZaloOutcomeUnknown, ZaloUnreachable

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in_s: int


@dataclass(frozen=True)
class SendResult:
    message_id: str
    quota: dict[str, Any] | None = None


def permission_url(
    oauth_base: str, *, app_id: str, redirect_uri: str, code_challenge: str, state: str
) -> str:
    """The page where the OA admin grants this app access (OAuth v4, PKCE)."""
    query = urlencode(
        {
            "app_id": app_id,
            "redirect_uri": redirect_uri,
            "code_challenge": code_challenge,
            "state": state,
        }
    )
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{query}"


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge): a 43-char verifier and its base64url SHA-256."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


class ZaloClient:
    """Calls Zalo with an `httpx.AsyncClient` owned by the caller (the app lifespan)."""

    @classmethod
    def connect(
        cls, *, timeout_s: float, openapi_base: str, oauth_base: str, app_id: str, app_secret: str
    ) -> ZaloClient:
        """A client with its own HTTP connection pool (closed by `aclose`)."""
        http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=5.0))
        return cls(
            http,
            openapi_base=openapi_base,
            oauth_base=oauth_base,
            app_id=app_id,
            app_secret=app_secret,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        openapi_base: str,
        oauth_base: str,
        app_id: str,
        app_secret: str,
        appsecret_proof: bool = False,
    ) -> None:
        self._http = http
        self._openapi = openapi_base.rstrip("/")
        self._oauth = oauth_base.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._appsecret_proof = appsecret_proof

    # -- transport -----------------------------------------------------------------------

    def _headers(self, access_token: str) -> dict[str, str]:
        headers = {"access_token": access_token}
        if self._appsecret_proof:
            headers["appsecret_proof"] = hmac.new(
                self._app_secret.encode(), access_token.encode(), hashlib.sha256
            ).hexdigest()
        return headers

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, **kwargs)
        except _NOT_SENT as exc:
            raise ZaloUnreachable(str(exc) or type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise ZaloOutcomeUnknown(str(exc) or type(exc).__name__) from exc
        if response.status_code == 401:
            raise ZaloError(-216, "HTTP 401", http_status=401)
        if response.status_code >= 400:
            raise ZaloError(
                -response.status_code,
                f"HTTP {response.status_code}",
                http_status=response.status_code,
            )
        try:
            body = response.json()
        except ValueError as exc:
            msg = f"HTTP {response.status_code} with a body that is not JSON"
            raise ZaloOutcomeUnknown(msg) from exc
        if not isinstance(body, dict):
            msg = "Zalo answered with JSON that is not an object"
            raise ZaloOutcomeUnknown(msg)
        code = body.get("error", 0)
        if isinstance(code, str) and code.lstrip("-").isdigit():
            code = int(code)
        if code not in (0, None):
            message = str(body.get("message") or body.get("error_name") or "")
            raise ZaloError(int(code), message)
        return body

    async def _get(self, path: str, access_token: str, data: dict[str, Any]) -> dict[str, Any]:
        params = {"data": json.dumps(data, separators=(",", ":"))}
        return await self._request(
            "GET", self._openapi + path, params=params, headers=self._headers(access_token)
        )

    async def _post(self, path: str, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request(
            "POST", self._openapi + path, json=body, headers=self._headers(access_token)
        )

    # -- messages ------------------------------------------------------------------------

    async def send_cs(self, access_token: str, user_id: str, message: dict[str, Any]) -> SendResult:
        """A consultation ("tư vấn") message to one resident: text or a list template."""
        body = await self._post(
            "/v3.0/oa/message/cs",
            access_token,
            {"recipient": {"user_id": user_id}, "message": message},
        )
        return _send_result(body)

    async def send_group(
        self, access_token: str, group_id: str, message: dict[str, Any]
    ) -> SendResult:
        """A message into an OA-managed group (GMF): text or media, never buttons."""
        body = await self._post(
            "/v3.0/oa/group/message",
            access_token,
            {"recipient": {"group_id": group_id}, "message": message},
        )
        return _send_result(body)

    async def conversation(
        self, access_token: str, user_id: str, *, offset: int = 0, count: int = 10
    ) -> list[dict[str, Any]]:
        """The latest messages (≤10) between the OA and a resident, newest first."""
        body = await self._get(
            "/v2.0/oa/conversation",
            access_token,
            {"user_id": user_id, "offset": offset, "count": count},
        )
        data = body.get("data")
        return [m for m in data if isinstance(m, dict)] if isinstance(data, list) else []

    async def user_detail(self, access_token: str, user_id: str) -> dict[str, Any]:
        body = await self._get("/v3.0/oa/user/detail", access_token, {"user_id": user_id})
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    async def get_oa(self, access_token: str) -> dict[str, Any]:
        body = await self._request(
            "GET", self._openapi + "/v2.0/oa/getoa", headers=self._headers(access_token)
        )
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    # -- OAuth v4 ------------------------------------------------------------------------

    def permission_url(self, *, redirect_uri: str, code_challenge: str, state: str) -> str:
        return permission_url(
            self._oauth,
            app_id=self._app_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            state=state,
        )

    async def code_from_permission_page(
        self, *, redirect_uri: str, code_challenge: str, state: str
    ) -> str:
        """Open the permission page and read the code from its redirect. Only the simulator
        grants without a person; real Zalo shows a login page (use `bot zalo connect`)."""
        url = self.permission_url(
            redirect_uri=redirect_uri, code_challenge=code_challenge, state=state
        )
        try:
            response = await self._http.get(url, follow_redirects=False)
        except httpx.TransportError as exc:
            raise ZaloUnreachable(str(exc) or type(exc).__name__) from exc
        location = response.headers.get("location", "")
        query = parse_qs(urlparse(location).query)
        if response.status_code not in (302, 303, 307) or "code" not in query:
            msg = f"the permission page did not redirect with a code (HTTP {response.status_code})"
            raise ZaloError(-14002, msg)
        return str(query["code"][0])

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        """Trade an authorization code (+ PKCE verifier) for the first token pair."""
        return await self._token_call(
            {
                "code": code,
                "app_id": self._app_id,
                "grant_type": "authorization_code",
                "code_verifier": code_verifier,
            }
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate the pair. The refresh token is single-use: never call this twice with it."""
        return await self._token_call(
            {"refresh_token": refresh_token, "app_id": self._app_id, "grant_type": "refresh_token"}
        )

    async def _token_call(self, form: dict[str, str]) -> TokenPair:
        body = await self._request(
            "POST",
            self._oauth + "/v4/oa/access_token",
            data=form,
            headers={"secret_key": self._app_secret},
        )
        try:
            return TokenPair(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                expires_in_s=int(body.get("expires_in", 90000)),
            )
        except (KeyError, ValueError) as exc:
            msg = "the token answer has no access_token/refresh_token"
            raise ZaloOutcomeUnknown(msg) from exc


def _send_result(body: dict[str, Any]) -> SendResult:
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    assert isinstance(data, dict)
    message_id = data.get("message_id")
    if not message_id:
        msg = "Zalo accepted the message but returned no message_id"
        raise ZaloOutcomeUnknown(msg)
    quota = data.get("quota") if isinstance(data.get("quota"), dict) else None
    return SendResult(message_id=str(message_id), quota=quota)
