"""What the app shows besides the webhook: the login page's error line (fixed messages only),
readiness on a full disk, the API documentation and the metrics (closed in production unless
configured). The real app over HTTP on real SQLite."""

from __future__ import annotations

import pytest

from tests.production.settings import ADMIN_TOKEN, METRICS_TOKEN, PRODUCTION, bearer, served

DOCS = ("/docs", "/redoc", "/openapi.json")


@pytest.mark.parametrize(
    "error",
    [
        "Mã truy cập đã bị khóa. Gọi 0912 345 678 để mở lại.",
        "<b>phishing</b>",
        "EXPIRED ",
    ],
)
def test_the_login_page_shows_no_text_from_the_address(sqlite_url: str, error: str) -> None:
    with served(sqlite_url) as live, live.client() as http:
        page = http.get("/admin/login", params={"error": error})
        plain = http.get("/admin/login")
    assert page.status_code == 200
    assert 'role="alert"' not in page.text
    assert page.text == plain.text


def test_the_login_page_maps_known_error_codes_to_fixed_messages(sqlite_url: str) -> None:
    with served(sqlite_url) as live, live.client() as http:
        expired = http.get("/admin/login", params={"error": "expired"}).text
        invalid = http.get("/admin/login", params={"error": "invalid"}).text
    assert "Phiên đăng nhập đã hết hạn" in expired and 'role="alert"' in expired
    assert "Mã truy cập không đúng hoặc đã hết hạn." in invalid


def test_a_stale_dashboard_cookie_leads_to_the_expired_message(sqlite_url: str) -> None:
    with served(sqlite_url) as live, live.client() as http:
        http.cookies.set("bot_admin", "zb_no-such-token", path="/admin")
        response = http.get("/admin/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?error=expired"


def test_readyz_is_not_ready_when_the_data_disk_is_nearly_full(sqlite_url: str) -> None:
    with served(sqlite_url) as live, live.client() as http:
        assert http.get("/readyz").status_code == 200
    # No disk has an exabyte free: the threshold stands for a full disk.
    with served(sqlite_url, readyz_min_free_mb=10**12) as live, live.client() as http:
        response = http.get("/readyz")
    assert response.status_code == 503
    [problem] = response.json()["problems"]
    assert "free disk space" in problem and "READYZ_MIN_FREE_MB" in problem


def test_api_docs_are_off_in_production_unless_switched_on(sqlite_url: str) -> None:
    with served(sqlite_url) as live, live.client() as http:
        assert [http.get(path).status_code for path in DOCS] == [200, 200, 200]
    with served(sqlite_url, **PRODUCTION) as live, live.client() as http:
        assert [http.get(path).status_code for path in DOCS] == [404, 404, 404]
        assert http.get("/_sim/health").status_code == 404  # nor the simulator
    with served(sqlite_url, **PRODUCTION, api_docs=True) as live, live.client() as http:
        assert [http.get(path).status_code for path in DOCS] == [200, 200, 200]


def test_metrics_need_the_metrics_token_in_production(sqlite_url: str) -> None:
    guarded = {**PRODUCTION, "metrics_token": METRICS_TOKEN}
    with served(sqlite_url, **guarded) as live, live.client() as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers=bearer("mt_wrong")).status_code == 401
        assert http.get("/metrics", headers=bearer(ADMIN_TOKEN)).status_code == 401
        ok = http.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert ok.status_code == 200 and "# HELP" in ok.text
    with served(sqlite_url, **PRODUCTION) as live, live.client() as http:
        assert http.get("/metrics").status_code == 401  # no token configured: closed
    with served(sqlite_url, **PRODUCTION, metrics_public=True) as live, live.client() as http:
        assert http.get("/metrics").status_code == 200
    with served(sqlite_url) as live, live.client() as http:
        assert http.get("/metrics").status_code == 200  # demo mode: open
