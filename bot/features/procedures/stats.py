"""Statistics: which procedures residents looked up."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.reporting import Context
from db import stats as q
from db.stats import Window


def procedures(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    del ctx
    searches = q.count_kind(session, window, "procedure_search")
    not_found = [
        v
        for v in q.top_values(session, window, "procedure_search", limit=1000)
        if v[0] == "not_found"
    ]
    return {
        "searches": searches,
        "not_found": not_found[0][1] if not_found else 0,
        "top": [
            {"code": c, "count": n}
            for c, n in q.top_values(session, window, "procedure_search", exclude="not_found")
        ],
        "top_viewed": [
            {"code": c, "count": n} for c, n in q.top_values(session, window, "procedure_view")
        ],
        "not_found_queries": [
            {"query": t, "count": n} for t, n in q.not_found_queries(session, window)
        ],
    }
