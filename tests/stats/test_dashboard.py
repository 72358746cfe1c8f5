"""The dashboard: login, filters, charts, CSV link — over HTTP, and in a real browser."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.live import Live
from tests.stats.seed import seed
from tests.stats.test_api import make_token

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def seeded(live: Live) -> Live:
    seed(live.runtime.engine)
    return live


def test_dashboard_needs_a_login_and_keeps_the_token_in_an_httponly_cookie(
    seeded: Live,
) -> None:
    token = make_token(seeded.runtime.engine)
    with httpx.Client(base_url=seeded.url, follow_redirects=False) as http:
        assert http.get("/admin/dashboard").headers["location"] == "/admin/login"
        bad = http.post("/admin/login", data={"token": "zb_wrong"})
        assert bad.status_code == 401 and "không đúng" in bad.text
        ok = http.post("/admin/login", data={"token": token})
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        page = http.get("/admin/dashboard", params={"from": "2026-11-10", "to": "2026-11-13"})
        assert page.status_code == 200
        assert 'id="kpi-messages">8<' in page.text
        assert page.text.count("<svg") >= 3
        assert "https://" not in page.text.split("<body>")[0]  # nothing loaded from outside
        csv = http.get("/admin/stats.csv", params={"from": "2026-11-10", "to": "2026-11-13"})
        assert csv.status_code == 200  # the cookie works for the CSV link too
        # The logout form carries the page's CSRF token (a cookie request without it is refused).
        token_field = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
        assert token_field is not None
        assert http.post("/admin/logout").status_code == 403
        out = http.post("/admin/logout", data={"csrf_token": token_field.group(1)})
        assert out.status_code == 303
        assert (
            'bot_admin=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
        )


def test_a_village_scoped_token_sees_only_its_villages(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine, role="leader", villages=["thon-dong"])
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": token}) as http:
        page = http.get("/admin/dashboard", params={"from": "2026-11-10", "to": "2026-11-13"})
        assert 'id="kpi-messages">4<' in page.text
        options = re.findall(r'<option value="([^"]+)"', page.text)
        assert options == ["thon-dong"]
        denied = http.get("/admin/dashboard", params={"village": "tdp-3"})
        assert denied.status_code == 403


def test_dashboard_shows_skills_and_handoffs(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": token}) as http:
        page = http.get("/admin/dashboard", params={"from": "2026-11-10", "to": "2026-11-13"}).text
    assert 'id="kpi-skills">4<' in page
    assert 'id="kpi-households">0,2%<' in page and "2 / 1.141 hộ" in page
    assert 'id="kpi-handoffs-open">1<' in page
    assert 'id="kpi-handoffs-wait">10 phút<' in page
    coverage = re.search(r'<svg[^>]*id="chart-skills-coverage".*?</svg>', page)
    assert coverage is not None
    bars = dict(re.findall(r'data-label="([^"]+)" data-value="([^"]+)"', coverage.group(0)))
    assert bars == {
        "Thôn Đông": "0.0032",
        "Thôn Trung Hòa": "0",
        "Bản Nà Lầy": "0",
        "Tổ dân phố 3": "0.0041",
    }
    assert "mục tiêu 100%" in coverage.group(0)
    assert 'id="chart-handoffs-villages"' in page
    row = re.search(r'<tr data-village="Thôn Đông">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="n">([^<]*)</td>', row.group(1))
    # followers, messages, active, households mastered, households, share, requests, waiting
    assert cells == ["2", "4", "2", "1", "312", "0,3%", "2", "0"]
    assert "Thành thạo cả 5 kỹ năng" in page and "Trần Văn Hùng" in page
    assert re.search(
        r"<td>Lê Thị Mai</td><td class=\"n\">1</td><td class=\"n\">1</td>"
        r"<td class=\"n\">20 phút</td>",
        page,
    )


def test_dashboard_shows_broadcast_delivery(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": token}) as http:
        page = http.get("/admin/dashboard", params={"from": "2026-11-10", "to": "2026-11-13"}).text
    assert 'id="kpi-broadcasts">77,8%<' in page and "7/10 lượt" in page
    chart = re.search(r'<svg[^>]*id="chart-broadcasts".*?</svg>', page)
    assert chart is not None
    sent = re.findall(
        r'data-series="Đã gửi" data-label="([^"]+)" data-value="([^"]+)"', chart.group(0)
    )
    assert sent == [
        ("Thôn Đông", "3"),
        ("Thôn Trung Hòa", "2"),
        ("Bản Nà Lầy", "1"),
        ("Tổ dân phố 3", "0"),
        ("Nhóm chung của xã", "1"),
    ]
    row = re.search(r"<tr><td>Ngày hội DVC</td>(.*?)</tr>", page, re.S)
    assert row is not None
    # sent, failed, skipped, pending, relays confirmed/sent, delivery rate
    assert re.findall(r'<td class="n">([^<]*)</td>', row.group(1)) == [
        "5",
        "1",
        "1",
        "0",
        "1/2",
        "71,4%",
    ]


@pytest.fixture
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `.ci/run` installs Debian's chromium")
    with playwright_api.sync_playwright() as p:
        try:
            instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # the browser cannot start on this machine: say why
            pytest.skip(f"Chromium could not start here: {exc}")
        try:
            yield instance
        finally:
            instance.close()


@pytest.mark.browser
def test_browser_logs_in_filters_and_reads_a_chart(seeded: Live, browser: Any) -> None:
    token = make_token(seeded.runtime.engine)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(f"{seeded.url}/admin/dashboard")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_selector("#chart-activity")
    page.fill("input[name=from]", "2026-11-10")
    page.fill("input[name=to]", "2026-11-13")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#chart-activity")
    assert page.inner_text("#kpi-messages") == "8"
    first_day = page.locator(
        '#chart-activity rect[data-series="Tin nhắn đến"][data-label="2026-11-10"]'
    )
    assert first_day.get_attribute("data-value") == "3"
    page.select_option("#village", "thon-dong")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#chart-activity")
    assert page.inner_text("#kpi-messages") == "4"
    assert "village=thon-dong" in (page.get_attribute("#csv", "href") or "")
    assert page.inner_text("#kpi-skills") == "2"
    east = page.locator('#chart-skills-coverage rect[data-label="Thôn Đông"]')
    assert east.get_attribute("data-value") == "0.0032"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    assert (ARTIFACTS / "dashboard-phone.png").stat().st_size > 10_000


SCREENSHOTS = ARTIFACTS / "screenshots"
SECTIONS = (
    "followers",
    "activity",
    "villages",
    "flows",
    "unanswered",
    "procedures",
    "scam",
    "skills",
    "broadcasts",
    "handoffs",
    "online-filing",
    "team-work",
)
# What the page must never show an official: procedure codes, flow/step ids, ISO dates.
INTERNAL = re.compile(
    r"\b\d\.\d{6}\b|\bBước [a-z_0-9]+\b|\b(?:vneid|fix_[a-z_]+|household_saved|level2)\b"
    r"|\b20\d\d-\d\d-\d\d\b|#\d+\b"
)
OVERFLOW_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# The smallest chart text as shown on screen: font size × the drawing's scale.
CHART_TEXT_JS = """() => {
  let smallest = 1000;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
    }
  }
  return smallest;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390, 360])
def test_browser_every_section_fits_the_screen_with_names_not_codes(
    seeded: Live, browser: Any, width: int
) -> None:
    token = make_token(seeded.runtime.engine)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{seeded.url}/admin/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.goto(f"{seeded.url}/admin/dashboard?from=2026-11-10&to=2026-11-13")
    page.wait_for_selector("#chart-activity")
    scroll_width, inner_width = page.evaluate(OVERFLOW_JS)
    assert scroll_width <= inner_width, f"the page scrolls sideways at {width} px"
    for name in SECTIONS:
        section = page.locator(f"#section-{name}")
        assert section.count() == 1, name
        assert section.locator("h2").inner_text().strip(), name
    for name in ("followers", "activity", "flows", "procedures", "scam"):
        assert page.locator(f"#section-{name} .explain").inner_text().strip(), name
        assert page.locator(f"#section-{name} .trend").count() >= 1, name
    text = page.inner_text("main")
    found = INTERNAL.findall(text)
    assert not found, f"internal ids or codes on the page: {found[:5]}"
    assert "Đăng ký khai sinh" in text  # the procedure's name, not 1.001193
    assert "10/11/2026" in text and "13/11/2026" in text
    assert "giấy phép nuôi ong" in page.inner_text("#procedures-missing")
    assert page.inner_text("#scam-checks") == "4" and page.inner_text("#scam-high") == "3"
    assert page.evaluate(CHART_TEXT_JS) >= 12
    # A wide table scrolls inside its own frame, its first column stays in view.
    frame = page.locator("#section-villages .scroll")
    assert frame.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    first = page.locator("#villages-table td").first
    assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"dashboard-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # What an official sees first, before scrolling; and two sections up close.
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{width}-first-screen.png"))
    for name in ("villages", "flows", "scam"):
        page.locator(f"#section-{name}").screenshot(
            path=str(SCREENSHOTS / f"dashboard-{width}-{name}.png")
        )
    page.close()


def test_monthly_report_as_pdf(seeded: Live) -> None:
    font = seeded.runtime.settings.report_font
    if not font.is_file():
        pytest.skip(f"the report font {font} is not installed (Debian: fonts-dejavu-core)")
    official = make_token(seeded.runtime.engine)
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": official}) as http:
        report = http.get("/admin/report", params={"month": "2026-11"})
        assert 'href="/admin/report.pdf?month=2026-11"' in report.text
        got = http.get("/admin/report.pdf", params={"month": "2026-11"})
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"
        assert "bao-cao-thang-11-2026.pdf" in got.headers["content-disposition"]
        assert got.content.startswith(b"%PDF-")
        pdf = PdfReader(io.BytesIO(got.content))
        assert len(pdf.pages) == 1  # one page for the meeting
        text = pdf.pages[0].extract_text()
        assert "Báo cáo tháng 11/2026" in text and "Xã Hòa An" in text
        assert "01/11/2026" in text and "30/11/2026" in text
        assert "2 / 1.141 hộ (0,2%)" in text  # the same figure as the page
        assert "Thôn Trung Hòa" in text and "Tổ dân phố 3" in text
        assert "Tháng trước" in text
        assert http.get("/admin/report.pdf", params={"month": "11/2026"}).status_code == 400
    leader = make_token(seeded.runtime.engine, role="leader", villages=["thon-dong"])
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": leader}) as http:
        own = http.get("/admin/report.pdf", params={"month": "2026-11", "village": "thon-dong"})
        assert own.status_code == 200 and own.content.startswith(b"%PDF-")
        denied = http.get("/admin/report.pdf", params={"month": "2026-11", "village": "tdp-3"})
        assert denied.status_code == 403 and not denied.content.startswith(b"%PDF")
    with httpx.Client(base_url=seeded.url, follow_redirects=False) as http:
        anonymous = http.get("/admin/report.pdf", params={"month": "2026-11"})
        assert anonymous.headers["location"] == "/admin/login"


def test_monthly_report_and_csv_tables(seeded: Live) -> None:
    token = make_token(seeded.runtime.engine)
    with httpx.Client(base_url=seeded.url, cookies={"bot_admin": token}) as http:
        report = http.get("/admin/report", params={"month": "2026-11"})
        assert report.status_code == 200
        assert "Báo cáo tháng 11/2026" in report.text and "In báo cáo" in report.text
        assert "01/11/2026" in report.text and "30/11/2026" in report.text
        assert "@media print" in report.text
        assert 'id="report-households">2 / 1.141 hộ (0,2%)<' in report.text
        assert http.get("/admin/report", params={"month": "11/2026"}).status_code == 400
        villages = http.get(
            "/admin/stats.csv",
            params={"table": "hoat-dong-thon", "from": "2026-11-10", "to": "2026-11-13"},
        )
        assert villages.status_code == 200 and villages.text.startswith("\ufeff")
        rows = [line.split(",") for line in villages.text.lstrip("\ufeff").splitlines()]
        assert rows[0] == ["Thôn / tổ", "Tin nhắn đến", "Người dân nhắn tin"]
        assert ["Thôn Đông", "4", "2"] in rows
        days = http.get(
            "/admin/stats.csv",
            params={"table": "hoat-dong-ngay", "from": "2026-11-10", "to": "2026-11-13"},
        )
        day_rows = days.text.lstrip("\ufeff").splitlines()
        assert len(day_rows) == 5 and day_rows[1].startswith("10/11/2026,3,")
        unknown = http.get("/admin/stats.csv", params={"table": "nope"})
        assert unknown.status_code == 400


@pytest.mark.browser
def test_browser_shows_the_teams_recorded_help(live: Live, browser: Any) -> None:
    """The team_work section (issue 19): December's known records (tests/fieldwork/seed.py)."""
    from tests.fieldwork.seed import seed as seed_fieldwork

    seed_fieldwork(live.runtime.engine)
    token = make_token(live.runtime.engine)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live.url}/admin/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.goto(f"{live.url}/admin/dashboard?from=2026-12-01&to=2026-12-31")
    page.wait_for_selector("#section-team-work")
    section = page.locator("#section-team-work")
    assert "Tổ công nghệ số" in section.locator("h2").inner_text()
    assert page.inner_text("#fieldwork-visits") == "5"
    assert page.inner_text("#fieldwork-together") == "4"
    mai = page.locator("#fieldwork-members tr", has_text="Lê Thị Mai")
    assert mai.locator("td").all_inner_texts() == ["Lê Thị Mai", "3", "3", "1", "1", "2", "1"]
    dong = page.locator("#fieldwork-coverage tr", has_text="Thôn Đông")
    assert dong.locator("td").all_inner_texts()[1:6] == ["312", "1", "3", "1", "3"]
    assert page.locator("#fieldwork-teams tr", has_text="Trần Văn Hùng").count() == 1
    scroll_width, inner_width = page.evaluate(OVERFLOW_JS)
    assert scroll_width <= inner_width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "dashboard-390-fieldwork.png"))
    page.close()
