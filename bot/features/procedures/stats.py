"""Statistics: which procedures residents looked up, by name, and what they did not find."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.feature import Table
from bot.reporting import Context
from db import stats as q
from db.stats import Window

if TYPE_CHECKING:
    from bot.services import Services


def labels(services: Services) -> Mapping[str, Mapping[str, str]]:
    """Each procedure's name by its code (the catalogue the bot answers from)."""
    from bot.features.procedures.service import ProcedureService

    service = services.get(ProcedureService)
    if service is None:
        return {}
    return {"procedure": {p.code: p.title for p in service.catalogue.values()}}


def procedures(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    searches = q.count_kind(session, window, "procedure_search")
    not_found = [
        v
        for v in q.top_values(session, window, "procedure_search", limit=1000)
        if v[0] == "not_found"
    ]
    missed = q.count_kind(session, window, "procedure_miss")

    def named(rows: list[tuple[str, int]]) -> list[dict[str, Any]]:
        return [{"code": c, "name": ctx.label("procedure", c), "count": n} for c, n in rows]

    return {
        "searches": searches,
        # Searches with no result, and results the resident turned down.
        "not_found": (not_found[0][1] if not_found else 0) + missed,
        "top": named(q.top_values(session, window, "procedure_search", exclude="not_found")),
        "top_viewed": named(q.top_values(session, window, "procedure_view")),
        "not_found_queries": [
            {"query": t, "count": n} for t, n in q.not_found_queries(session, window)
        ],
    }


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "thu-tuc",
            "Thủ tục được hỏi nhiều",
            ("Thủ tục", "Mã thủ tục", "Số lần tìm"),
            [[p["name"], p["code"], p["count"]] for p in figures["top"]],
        ),
        Table(
            "tim-khong-thay",
            "Tìm mà không thấy",
            ("Người dân gõ", "Số lần"),
            [[p["query"], p["count"]] for p in figures["not_found_queries"]],
        ),
    ]
