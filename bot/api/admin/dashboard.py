"""GET /admin/dashboard: the officials' dashboard, server-rendered, no external resources.

A login form takes an API token and keeps it in an HttpOnly cookie; the dashboard then
reads the same statistics as /admin/stats and draws them as inline SVG.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    FunctionLoader,
    PrefixLoader,
    select_autoescape,
)
from markupsafe import Markup
from sqlmodel import Session

from bot.api.admin import csrf
from bot.api.admin.auth import (
    COOKIE,
    Principal,
    authenticate,
    client_address,
    current_principal,
)
from bot.api.admin.report_pdf import render_pdf
from bot.api.admin.stats import FromQuery, ToQuery, VillageQuery, compute
from bot.api.deps import DatabaseDep, RuntimeDep, local_now
from bot.charts import bars_over_time, horizontal_bars, num_label, pct_label
from bot.feature import Section, sections_of
from bot.reporting import trend, vn_date
from bot.runtime import Runtime
from db import org as org_rows

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent / "templates"
COOKIE_MAX_AGE = 8 * 3600


@lru_cache(maxsize=4)
def html_environment(sections: tuple[Section, ...] = ()) -> Environment:
    """The dashboard's templates, and each section's own as "section/<name>.html"."""
    parts = {s.name: str(s.template) for s in sections if s.template is not None}
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader(
                    {"section": FunctionLoader(lambda name: _section_source(parts, name))}
                ),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = num_label
    env.filters["pct"] = lambda v: "—" if v is None else f"{v * 100:.0f}%"
    env.filters["pct1"] = lambda v: "—" if v is None else pct_label(v)
    env.filters["vndate"] = lambda v: vn_date(v) if v else "—"
    env.filters["minutes"] = lambda v: "—" if v is None else f"{v:g}".replace(".", ",") + " phút"
    return env


def _section_source(parts: dict[str, str], name: str) -> str | None:
    path = parts.get(name.removesuffix(".html"))
    return Path(path).read_text(encoding="utf-8") if path else None


def page(
    name: str, status: int = 200, *, sections: tuple[Section, ...] = (), **context: Any
) -> HTMLResponse:
    html = html_environment(sections).get_template(name).render(sections=sections, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


CROSS_ORIGIN = "Yêu cầu không đến từ trang thống kê này nên không được thực hiện."
# `/admin/login?error=<code>` shows one of these fixed messages; any other text shows nothing
# (the address is not the place for a message anyone could write).
LOGIN_ERRORS = {
    "expired": "Phiên đăng nhập đã hết hạn. Xin nhập lại mã truy cập.",
    "invalid": "Mã truy cập không đúng hoặc đã hết hạn.",
    "throttled": "Nhập sai quá nhiều lần. Chờ một phút nhé.",
    "origin": CROSS_ORIGIN,
}


@router.get("/login", response_class=HTMLResponse)
async def login_form(error: str | None = None) -> HTMLResponse:
    return page("login.html", error=LOGIN_ERRORS.get(error or ""))


def to_login(request: Request) -> RedirectResponse:
    """Back to the login form; with "session expired" when a cookie was there but refused."""
    url = "/admin/login?error=expired" if request.cookies.get(COOKIE) else "/admin/login"
    return RedirectResponse(url, status_code=303)


@router.post("/login")
async def login(request: Request, runtime: RuntimeDep, token: Annotated[str, Form()]) -> Response:
    # No session yet, so no token to check: the form must at least come from our own page.
    if csrf.origin_problem(request, runtime.settings) is not None:
        return page("login.html", status=403, error=LOGIN_ERRORS["origin"])
    limiter = request.app.state.admin_limiter
    client = client_address(request)
    if limiter.blocked(client):
        return page("login.html", status=429, error=LOGIN_ERRORS["throttled"])
    principal = await anyio.to_thread.run_sync(
        authenticate, runtime.engine, token.strip(), runtime.clock.now()
    )
    if principal is None:
        limiter.fail(client)
        return page("login.html", status=401, error=LOGIN_ERRORS["invalid"])
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
async def logout(request: Request, runtime: RuntimeDep) -> Response:
    session = request.cookies.get(COOKIE)
    if session:
        try:
            await csrf.check(request, session, runtime.settings)
        except HTTPException:
            return page("error.html", status=403, message=CROSS_ORIGIN)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    runtime: RuntimeDep,
    db: DatabaseDep,
    start: FromQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
) -> Response:
    try:
        principal: Principal = await current_principal(request, runtime)
    except HTTPException as exc:
        if exc.status_code == 429:
            return page("login.html", status=429, error=LOGIN_ERRORS["throttled"])
        return to_login(request)
    try:
        report = await anyio.to_thread.run_sync(compute, runtime, principal, start, end, village)
        before = await anyio.to_thread.run_sync(
            partial(compute, runtime, principal, start, end, village, previous=True)
        )
    except HTTPException as exc:
        return page("error.html", status=exc.status_code, message=exc.detail)
    sections = sections_of(runtime.services.features)

    def villages(session: Session) -> list[dict[str, str]]:
        return [
            {"code": v.code, "name": v.name}
            for v in org_rows.villages(session)
            if principal.may_see(v.id)
        ]

    options = await db.read(villages)
    return page(
        "dashboard.html",
        r=report,
        charts=build_charts(report, runtime),
        villages=options,
        selected=village or "",
        query=request.url.query,
        generated=local_now(runtime).strftime("%H:%M %d/%m/%Y"),
        previous=before["range"],
        previous_days=len(report["activity"]["daily_active"]),
        trends=section_trends(sections, report, before),
        csv_links={
            s.name: [(t.slug, t.title) for t in s.tables(report[s.name])]
            for s in sections
            if s.tables is not None and s.name in report
        },
        # The dashboard's forms (and any script) send it back on state-changing requests.
        csrf_token=csrf_token_of(request),
        # Each section is shown by its feature's template when it has one.
        sections=sections,
    )


MonthQuery = Annotated[str | None, Query(max_length=7, description="YYYY-MM")]


async def _monthly(
    request: Request, runtime: Runtime, month: str | None, end: str | None, village: str | None
) -> Response | dict[str, Any]:
    """The monthly report's figures (the month of `month`, else of `to`, else this month,
    with trends against the month before), or the page to answer with instead (the login,
    a 400 for a bad month, a 403 outside the token's scope)."""
    try:
        principal: Principal = await current_principal(request, runtime)
    except HTTPException:
        return to_login(request)
    try:
        first, last = month_range(month or (end or "")[:7] or None, local_now(runtime).date())
    except ValueError:
        return page("error.html", status=400, message="month must look like 2026-11")
    args = (runtime, principal, first.isoformat(), last.isoformat(), village)
    try:
        report = await anyio.to_thread.run_sync(compute, *args)
        before_first, before_last = month_range(
            (first - timedelta(days=1)).strftime("%Y-%m"), first
        )
        before = await anyio.to_thread.run_sync(
            compute, runtime, principal, before_first.isoformat(), before_last.isoformat(), village
        )
    except HTTPException as exc:
        return page("error.html", status=exc.status_code, message=exc.detail)
    sections = sections_of(runtime.services.features)
    return {
        "r": report,
        "month": first.strftime("%m/%Y"),
        "commune": runtime.services.commune_name,
        "generated": local_now(runtime).strftime("%H:%M %d/%m/%Y"),
        "trends": section_trends(sections, report, before),
        "sections": sections,
    }


@router.get("/report", response_class=HTMLResponse)
@router.get("/report.pdf")
async def monthly_report(
    request: Request,
    runtime: RuntimeDep,
    month: MonthQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
) -> Response:
    """ "Báo cáo tháng": one printable page for the commune's monthly meeting; as a PDF file
    at /admin/report.pdf (same figures, same scope rules)."""
    found = await _monthly(request, runtime, month, end, village)
    if isinstance(found, Response):
        return found
    if request.url.path.endswith(".pdf"):
        return await _pdf(runtime, found)
    return page("report.html", query=request.url.query, **found)


async def _pdf(runtime: Runtime, found: dict[str, Any]) -> Response:
    font = runtime.settings.report_font
    if not font.is_file():
        return page("error.html", status=503, message=f"the report font {font} is not installed")
    data = await anyio.to_thread.run_sync(partial(render_pdf, font=font, **found))
    name = "bao-cao-thang-" + str(found["month"]).replace("/", "-") + ".pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def month_range(month: str | None, today: date) -> tuple[date, date]:
    """The first and last day of `month` (YYYY-MM; None: the month of `today`), never past
    `today`."""
    first = date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, min(following - timedelta(days=1), max(today, first))


def _figure(figures: dict[str, Any], path: str) -> float | None:
    value: Any = figures
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) else None


def section_trends(
    sections: tuple[Section, ...], report: dict[str, Any], before: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """Each section's chosen figures against the previous period of the same length."""
    return {
        s.name: [
            {
                "label": label,
                **trend(_figure(report[s.name], path), _figure(before[s.name], path)),
            }
            for label, path in s.trends
        ]
        for s in sections
        if s.name in report and s.name in before
    }


def csrf_token_of(request: Request) -> str:
    """The CSRF token of the page's session (empty when a bearer token opened the page)."""
    session = request.cookies.get(COOKIE)
    return csrf.token_for(session) if session else ""


def build_charts(report: dict[str, Any], runtime: Runtime) -> dict[str, Markup]:
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
        rows += [(str(s["title"]), float(s["residents"])) for s in flow["funnel"][:8]]
        rows.append(("Hoàn thành", float(flow["completed"])))
        charts[f"funnel-{flow['flow']}"] = horizontal_bars(
            f"Luồng “{flow['name']}”: số người đến từng bước",
            rows,
            chart_id=f"chart-funnel-{flow['flow']}",
        )
    for section in sections_of(runtime.services.features):
        for name, chart in section.charts:
            built = chart(report)
            if built is not None:
                charts[name] = built
    return {k: Markup(v) for k, v in charts.items()}  # noqa: S704 (our own escaped SVG)
