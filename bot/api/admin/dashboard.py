"""GET /admin/dashboard: the officials' dashboard, server-rendered, no external resources.

A login form takes an API token and keeps it in an HttpOnly cookie; the dashboard then
reads the same statistics as /admin/stats and draws them as inline SVG.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.api.admin.auth import COOKIE, Principal, authenticate, current_principal
from bot.api.admin.stats import FromQuery, ToQuery, VillageQuery, compute
from bot.features.stats.charts import bars_over_time, horizontal_bars, pct_label
from bot.features.stats.report import SECTIONS, VN
from bot.runtime import Runtime
from db import org as org_rows
from db.session import read_scope

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE_MAX_AGE = 8 * 3600

FLOW_NAMES = {
    "vneid": "VNeID",
    "procedures": "Thủ tục hành chính",
    "scam_check": "Kiểm tra lừa đảo",
    "scam_quiz": "Thử tài nhận diện lừa đảo",
    "digital_skills": "5 kỹ năng số",
    "handoff": "Gặp cán bộ",
}


@lru_cache(maxsize=1)
def html_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,}".replace(",", ".")
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.0f}%"
    env.filters["pct1"] = lambda v: "—" if v is None else pct_label(v)
    env.filters["minutes"] = lambda v: "—" if v is None else f"{v:g}".replace(".", ",") + " phút"
    env.globals["flow_name"] = lambda f: FLOW_NAMES.get(f, f)
    return env


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = html_environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/login", response_class=HTMLResponse)
async def login_form(error: str | None = None) -> HTMLResponse:
    return page("login.html", error=error)


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form()]) -> Response:
    runtime: Runtime = request.app.state.runtime
    limiter = request.app.state.admin_limiter
    client = request.client.host if request.client else "unknown"
    if limiter.blocked(client):
        return page("login.html", status=429, error="Nhập sai quá nhiều lần. Chờ một phút nhé.")
    principal = await anyio.to_thread.run_sync(
        authenticate, runtime.engine, token.strip(), runtime.clock.now()
    )
    if principal is None:
        limiter.fail(client)
        return page("login.html", status=401, error="Mã truy cập không đúng hoặc đã hết hạn.")
    response = RedirectResponse("/admin/dashboard", status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/admin",
    )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request, start: FromQuery = None, end: ToQuery = None, village: VillageQuery = None
) -> Response:
    try:
        principal: Principal = await current_principal(request)
    except HTTPException as exc:
        if exc.status_code == 429:
            return page("login.html", status=429, error="Nhập sai quá nhiều lần.")
        return RedirectResponse("/admin/login", status_code=303)
    runtime: Runtime = request.app.state.runtime
    try:
        report = await anyio.to_thread.run_sync(compute, runtime, principal, start, end, village)
    except HTTPException as exc:
        return page("error.html", status=exc.status_code, message=exc.detail)

    def villages() -> list[dict[str, str]]:
        with read_scope(runtime.engine) as session:
            return [
                {"code": v.code, "name": v.name}
                for v in org_rows.villages(session)
                if principal.may_see(v.id)
            ]

    options = await anyio.to_thread.run_sync(villages)
    return page(
        "dashboard.html",
        r=report,
        charts=build_charts(report),
        villages=options,
        selected=village or "",
        query=request.url.query,
        generated=datetime.now(VN).strftime("%H:%M %d/%m/%Y"),
        # Each report section is shown by templates/sections/<name>.html when it exists.
        sections=list(SECTIONS),
    )


def build_charts(report: dict[str, Any]) -> dict[str, Markup]:
    activity = report["activity"]
    days = [d["date"] for d in activity["messages_in_by_day"]]
    charts = {
        "activity": bars_over_time(
            "Tin nhắn đến và người dùng hoạt động theo ngày",
            days,
            [
                ("Tin nhắn đến", [d["value"] for d in activity["messages_in_by_day"]]),
                ("Người hoạt động", [d["value"] for d in activity["daily_active"]]),
            ],
            chart_id="chart-activity",
        ),
        "followers": bars_over_time(
            "Người quan tâm mới và bỏ quan tâm theo ngày",
            [d["date"] for d in report["followers"]["by_day"]],
            [
                ("Quan tâm mới", [d["new"] for d in report["followers"]["by_day"]]),
                ("Bỏ quan tâm", [d["unfollowed"] for d in report["followers"]["by_day"]]),
            ],
            chart_id="chart-followers",
        ),
    }
    for flow in report["flows"]["per_flow"]:
        rows = [("Bắt đầu", float(flow["started"]))]
        rows += [(f"Bước {s['step']}", float(s["residents"])) for s in flow["funnel"][:8]]
        rows.append(("Hoàn thành", float(flow["completed"])))
        charts[f"funnel-{flow['flow']}"] = horizontal_bars(
            f"Phễu luồng {FLOW_NAMES.get(flow['flow'], flow['flow'])}",
            rows,
            chart_id=f"chart-funnel-{flow['flow']}",
        )
    for name, chart in list(EXTRA_CHARTS.items()):
        built = chart(report)
        if built is not None:
            charts[name] = built
    return {k: Markup(v) for k, v in charts.items()}  # noqa: S704 (our own escaped SVG)


def skills_coverage(report: dict[str, Any]) -> str | None:
    """Per village: the share of households with a member who mastered the 5 skills, against
    the target (every household)."""
    skills = report.get("skills")
    if not skills:
        return None
    rows = [
        (str(v["village"]), float(v["coverage"]))
        for v in skills["by_village"]
        if v["coverage"] is not None
    ]
    if not rows:
        return None
    return horizontal_bars(
        "Tỉ lệ hộ gia đình có người thành thạo 5 kỹ năng số, theo thôn, so với mục tiêu",
        rows,
        target=float(skills["target"]),
        percent=True,
        chart_id="chart-skills-coverage",
    )


def handoffs_by_village(report: dict[str, Any]) -> str | None:
    """Per village: requests to reach a team member in the range."""
    handoffs = report.get("handoffs")
    if not handoffs or not handoffs["requested"]:
        return None
    return horizontal_bars(
        "Yêu cầu gặp cán bộ theo thôn",
        [(str(v["village"]), float(v["requested"])) for v in handoffs["by_village"]],
        chart_id="chart-handoffs-villages",
    )


def broadcast_delivery(report: dict[str, Any]) -> str | None:
    """Per village (and the commune's own groups): campaign deliveries sent, failed, skipped
    and relays confirmed."""
    broadcasts = report.get("broadcasts")
    if not broadcasts or not broadcasts["deliveries"]:
        return None
    rows = [v for v in broadcasts["by_village"] if v["deliveries"]]
    return bars_over_time(
        "Thông báo theo thôn: đã gửi, lỗi, bỏ qua, đã chuyển vào nhóm",
        [str(v["village"]) for v in rows],
        [
            ("Đã gửi", [v["sent"] for v in rows]),
            ("Lỗi", [v["failed"] for v in rows]),
            ("Bỏ qua", [v["skipped"] for v in rows]),
            ("Đã chuyển vào nhóm", [v["relay_confirmed"] for v in rows]),
        ],
        chart_id="chart-broadcasts",
    )


# Feature sections add their charts here: name → function(report) → SVG string or None.
EXTRA_CHARTS: dict[str, Any] = {
    "skills-coverage": skills_coverage,
    "handoffs-villages": handoffs_by_village,
    "broadcasts": broadcast_delivery,
}
