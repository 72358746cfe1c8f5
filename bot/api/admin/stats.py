"""GET /admin/stats (JSON) and /admin/stats.csv: engagement statistics for a date range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from bot.api.admin.auth import ADMIN_RESPONSES, AnyRole, Principal, bearer_scheme
from bot.api.admin.member_scope import keep_own_work
from bot.api.admin.schemas import StatsOut
from bot.api.deps import RuntimeDep, local_now
from bot.feature import Table, sections_of
from bot.features.skills.lessons import skill_list
from bot.reporting import (
    RangeError,
    build_report,
    parse_range,
    previous_range,
    to_csv,
    write_csv,
)
from bot.runtime import Runtime
from db import admin as admin_rows
from db import org as org_rows
from db import rollup
from db.session import read_scope, session_scope

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=ADMIN_RESPONSES,
    dependencies=[Depends(bearer_scheme)],
)

FromQuery = Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD")]
ToQuery = Annotated[
    str | None, Query(alias="to", description="last day, YYYY-MM-DD (Vietnam time)")
]
VillageQuery = Annotated[str | None, Query(description="village code, e.g. thon-dong")]


def scoped_villages(
    runtime: Runtime, principal: Principal, village: str | None
) -> frozenset[int] | None:
    """The village ids to count: the token's scope, narrowed to `village` when given."""
    if not village:
        return principal.village_ids
    with read_scope(runtime.engine) as session:
        match = next((v for v in org_rows.villages(session) if v.code == village), None)
    if match is None or match.id is None:
        raise HTTPException(400, f"unknown village '{village}'")
    if not principal.may_see(match.id):
        raise HTTPException(403, f"this token does not cover village '{village}'")
    return frozenset({match.id})


def report_labels(runtime: Runtime) -> dict[str, Mapping[str, str]]:
    """The names the enabled features give their codes (procedures, flows, steps…)."""
    out: dict[str, Mapping[str, str]] = {}
    for section in sections_of(runtime.services.features):
        if section.labels is not None:
            out.update(section.labels(runtime.services))
    return out


def compute(
    runtime: Runtime,
    principal: Principal,
    start: str | None,
    end: str | None,
    village: str | None,
    *,
    previous: bool = False,
) -> dict[str, Any]:
    """The report; with `previous`, the report of the period of the same length just before
    the one asked for (what the dashboard's trends compare with)."""
    today = local_now(runtime).date()
    try:
        first, last = parse_range(start, end, today=today)
    except RangeError as exc:
        raise HTTPException(400, str(exc)) from None
    if previous:
        first, last = previous_range(first, last)
    villages = scoped_villages(runtime, principal, village)
    rollup.run_all(lambda: session_scope(runtime.engine))
    with read_scope(runtime.engine) as session:
        report = build_report(
            session,
            first=first,
            last=last,
            villages=villages,
            sections=sections_of(runtime.services.features),
            skills=skill_list(runtime.settings.content_dir),
            labels=report_labels(runtime),
        )
        keep_own_work(session, principal, report)
    if previous:  # read alongside a report already audited
        return report
    with session_scope(runtime.engine) as session:
        admin_rows.audit(
            session,
            actor=principal.actor,
            action="stats.read",
            now=runtime.clock.now(),
            detail={
                "from": report["range"]["from"],
                "to": report["range"]["to"],
                "village": village,
            },
        )
    return report


@router.get("/stats", response_model=StatsOut)
async def read_stats(
    runtime: RuntimeDep,
    principal: AnyRole,
    start: FromQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
) -> dict[str, Any]:
    """Engagement statistics (JSON) for a date range and, optionally, one village."""
    return await anyio.to_thread.run_sync(compute, runtime, principal, start, end, village)


@router.get("/stats.csv", response_class=Response)
async def read_stats_csv(
    runtime: RuntimeDep,
    principal: AnyRole,
    start: FromQuery = None,
    end: ToQuery = None,
    village: VillageQuery = None,
    table: Annotated[
        str | None, Query(max_length=40, description="one table, e.g. hoat-dong-thon")
    ] = None,
) -> Response:
    """The same figures as CSV. With `table` (e.g. `hoat-dong-thon`, `hoat-dong-ngay`), one
    table with Vietnamese headers, one row per village, day, flow…; without it every figure,
    one per row (section, metric, dimension, value). UTF-8 with a BOM for spreadsheets."""
    report = await anyio.to_thread.run_sync(compute, runtime, principal, start, end, village)
    span = f"{report['range']['from']}-{report['range']['to']}"
    if table is None:
        return csv_attachment(to_csv(report), f"thong-ke-{span}.csv")
    return table_csv(report_tables(runtime, report), table, span)


def csv_attachment(text: str, name: str) -> Response:
    """A CSV download (UTF-8 with a BOM, as `write_csv` and `to_csv` write it)."""
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def table_csv(tables: list[Table], slug: str, span: str) -> Response:
    """The table named `slug` as a CSV download named after it and the period; 400 unknown."""
    found = next((t for t in tables if t.slug == slug), None)
    if found is None:
        raise HTTPException(400, f"unknown table '{slug}'")
    return csv_attachment(write_csv(found.header, found.rows), f"{found.slug}-{span}.csv")


def report_tables(runtime: Runtime, report: dict[str, Any]) -> list[Table]:
    """Every section's CSV tables, in the sections' order."""
    return [
        table
        for section in sections_of(runtime.services.features)
        if section.tables is not None and section.name in report
        for table in section.tables(report[section.name])
    ]
