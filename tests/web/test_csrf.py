"""CSRF: the dashboard's cookie is sent by the browser with any form aimed at the app, even from
a page on another port of the same host (the same *site*, so SameSite=Strict does not stop it).
A state-changing request authenticated by that cookie needs our own Origin (or Referer) and the
session's CSRF token; a bearer token needs neither. Over HTTP against the real app."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from bot.config import DEMO_ADMIN_TOKEN
from tests.live import Live, run_live
from tests.servers import free_port, serve_in_thread
from tests.stats.test_dashboard import browser  # noqa: F401 (a fixture)

ADMIN = {"Authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def app(sqlite_url: str) -> Iterator[Live]:
    yield from run_live(sqlite_url)


def _campaign(live: Live) -> int:
    """A campaign for next year: scheduled, so it can still be cancelled."""
    with live.client() as http:
        created = http.post(
            "/admin/campaigns",
            headers=ADMIN,
            json={
                "title": "Họp dân",
                "text": "Mời bà con họp dân tại nhà văn hóa.",
                "targets": {"kinds": ["group"]},
                "schedule": {"kind": "once", "at": "2027-06-05T07:30"},
            },
        )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _status(live: Live, campaign_id: int) -> str:
    with live.client() as http:
        return str(http.get(f"/admin/campaigns/{campaign_id}", headers=ADMIN).json()["status"])


@contextlib.contextmanager
def _logged_in(live: Live) -> Iterator[httpx.Client]:
    """A browser-like client after the dashboard's login form: it holds the cookie."""
    with httpx.Client(base_url=live.url, timeout=15) as http:
        login = {"token": DEMO_ADMIN_TOKEN}
        response = http.post("/admin/login", data=login, headers=_origin(live))
        assert response.status_code == 303, response.text
        assert http.cookies.get("bot_admin")
        yield http


def _origin(live: Live) -> dict[str, str]:
    return {"Origin": live.url}


def _foreign() -> str:
    """Another port of the same host: where the report's attacking page was served."""
    return f"http://127.0.0.1:{free_port()}"


def _page_token(http: httpx.Client) -> str:
    page = http.get("/admin/dashboard").text
    meta = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', page)
    field = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert meta is not None and field is not None and meta.group(1) == field.group(1)
    return meta.group(1)


def test_a_form_from_another_port_cannot_cancel_a_campaign(app: Live) -> None:
    campaign_id = _campaign(app)
    assert _status(app, campaign_id) == "scheduled"
    cancel = f"/admin/campaigns/{campaign_id}/cancel"
    with _logged_in(app) as http:
        # The report's attack: a plain form post from a page on another port.
        forged = http.post(cancel, headers={**FORM, "Origin": _foreign()}, content=b"")
        assert forged.status_code == 403, forged.text
        assert _status(app, campaign_id) == "scheduled"
        token = _page_token(http)
        attempts: list[dict[str, str]] = [
            {"Origin": _foreign(), "X-CSRF-Token": token},  # even with a stolen token
            {"Referer": _foreign() + "/trap.html"},  # no Origin: the Referer decides
            {"Origin": "null"},  # a sandboxed frame
            {"Origin": "http://127.0.0.1"},  # same host, default port
            _origin(app),  # our origin, but no token
            {**_origin(app), "X-CSRF-Token": "0" * 64},  # a wrong token
            {"X-CSRF-Token": token[:-1] + ("1" if token[-1] == "0" else "0")},
            {},  # neither header and no token
        ]
        for headers in attempts:
            response = http.post(cancel, headers={**FORM, **headers}, content=b"")
            assert response.status_code == 403, (headers, response.text)
        assert _status(app, campaign_id) == "scheduled"
        # The dashboard's own page, with its token: accepted (header, as a script sends it).
        done = http.post(cancel, headers={**_origin(app), "X-CSRF-Token": token})
        assert done.status_code == 200, done.text
    assert _status(app, campaign_id) == "cancelled"


def test_the_token_also_works_as_a_form_field_and_without_origin_headers(app: Live) -> None:
    campaign_id = _campaign(app)
    with _logged_in(app) as http:
        token = _page_token(http)
        response = http.post(f"/admin/campaigns/{campaign_id}/cancel", data={"csrf_token": token})
        assert response.status_code == 200, response.text
    assert _status(app, campaign_id) == "cancelled"


def test_bearer_requests_need_no_csrf_token(app: Live) -> None:
    campaign_id = _campaign(app)
    with app.client() as http:
        response = http.post(
            f"/admin/campaigns/{campaign_id}/cancel", headers={**ADMIN, "Origin": _foreign()}
        )
    assert response.status_code == 200, response.text
    assert _status(app, campaign_id) == "cancelled"


def _state_changing_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every POST/PUT/PATCH/DELETE route under /admin, included routers'
    too (FastAPI keeps those in the router it was given)."""
    for route in routes:
        if isinstance(route, APIRoute):
            if route.path.startswith("/admin"):
                yield from ((method, route.path) for method in sorted(route.methods & UNSAFE))
            continue
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _state_changing_routes(included.routes)


def _fill(path: str, campaign_id: int) -> str:
    return re.sub(r"\{[^}]+\}", str(campaign_id), path)


def test_every_state_changing_admin_route_refuses_a_forged_cookie_request(app: Live) -> None:
    campaign_id = _campaign(app)
    routes = [
        (method, path)
        for method, path in _state_changing_routes(app.app.routes)
        if path != "/admin/login"  # no session yet: the next test
    ]
    assert len(routes) >= 9, routes  # campaigns (7), org, logout
    with app.client() as http:
        documented = {
            (method.upper(), path)
            for path, operations in http.get("/openapi.json").json()["paths"].items()
            for method in operations
            if path.startswith("/admin") and method.upper() in UNSAFE
        }
    assert documented <= set(routes)
    with _logged_in(app) as http:
        before = http.get("/admin/org").json()
        refused: dict[tuple[str, str], list[int]] = {}
        for method, path in routes:
            url = _fill(path, campaign_id)
            codes = [
                http.request(method, url, headers={**FORM, "Origin": _foreign()}).status_code,
                http.request(method, url, headers={**FORM, **_origin(app)}).status_code,
                http.request(method, url, json={}, headers=_origin(app)).status_code,
            ]
            refused[(method, path)] = codes
        assert {route: codes for route, codes in refused.items() if codes != [403] * 3} == {}
        assert len(refused) == len(routes)
        assert http.get("/admin/org").json() == before
        assert http.get("/admin/dashboard").status_code == 200  # still logged in
    assert _status(app, campaign_id) == "scheduled"


def test_the_login_form_must_come_from_our_page(app: Live) -> None:
    with httpx.Client(base_url=app.url, timeout=15) as http:
        response = http.post(
            "/admin/login", data={"token": DEMO_ADMIN_TOKEN}, headers={"Origin": _foreign()}
        )
        assert response.status_code == 403
        assert "set-cookie" not in response.headers
        assert "không đến từ trang thống kê" in response.text


def test_the_dashboard_logout_form_carries_its_token(app: Live) -> None:
    with _logged_in(app) as http:
        forged = http.post("/admin/logout", headers={"Origin": _foreign()})
        assert forged.status_code == 403 and "set-cookie" not in forged.headers
        token = _page_token(http)
        out = http.post("/admin/logout", data={"csrf_token": token}, headers=_origin(app))
        assert out.status_code == 303
        assert out.headers["location"] == "/admin/login"
        assert not http.cookies.get("bot_admin")


def test_public_base_url_is_our_origin_too(sqlite_url: str) -> None:
    """Behind a proxy that the app does not trust, the browser's origin is the public one."""
    public = "https://bot.xa-hoa-an.example"
    live: Any
    for live in run_live(sqlite_url, public_base_url=public):
        campaign_id = _campaign(live)
        with _logged_in(live) as http:
            token = _page_token(http)
            headers = {"Origin": public, "X-CSRF-Token": token}
            done = http.post(f"/admin/campaigns/{campaign_id}/cancel", headers=headers)
            assert done.status_code == 200, done.text


def _trap(action: str) -> Any:
    """The attacker's page: a form that posts itself to `action` as soon as it loads."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    trap = FastAPI()
    html = (
        f'<!doctype html><form id="f" method="post" action="{action}">'
        '<input type="hidden" name="x" value="1"></form>'
        '<script>document.getElementById("f").submit()</script>'
    )

    @trap.get("/")
    async def index() -> HTMLResponse:
        return HTMLResponse(html)

    return trap


@pytest.mark.browser
def test_in_a_browser_a_page_on_another_port_cannot_cancel_and_logout_works(
    app: Live,
    browser: Any,  # noqa: F811 (the dashboard tests' Chromium fixture)
) -> None:
    campaign_id = _campaign(app)
    page = browser.new_page()
    page.goto(f"{app.url}/admin/login")
    page.fill("#token", DEMO_ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#chart-activity")
    action = f"{app.url}/admin/campaigns/{campaign_id}/cancel"
    with serve_in_thread(_trap(action)) as trap_url, page.expect_navigation(url=action):
        page.goto(trap_url)
    assert "cross-origin request refused" in page.content()
    assert _status(app, campaign_id) == "scheduled"
    # The dashboard's own logout form still works (it carries the token).
    page.goto(f"{app.url}/admin/dashboard")
    page.click("header button[type=submit]")
    page.wait_for_selector("#token")
    assert page.url == f"{app.url}/admin/login"
    page.goto(f"{app.url}/admin/dashboard")
    assert page.url == f"{app.url}/admin/login"  # the cookie is gone
