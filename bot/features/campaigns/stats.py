"""Statistics: campaign broadcasts delivered, failed, relayed and seen."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.charts import bars_over_time
from bot.feature import Table
from bot.features.campaigns.spec import TARGET_KINDS
from bot.reporting import Context, rate
from db import campaign_reports as reports_rows
from db.stats import Window

DELIVERY_FIGURES = ("sent", "failed", "skipped", "pending")


def _delivery_totals(
    rows: list[dict[str, Any]], groups: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Counts over delivery rows; the delivery rate is sent over deliveries that are settled
    (sent, failed or skipped). Relays count per group (`groups`, from `relay_groups`): the
    groups whose post was asked for, and those a member confirmed it in, whoever did."""
    out: dict[str, Any] = dict.fromkeys(DELIVERY_FIGURES, 0)
    seen = 0
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + row["n"]
        seen += row["seen"]
    groups = groups or []
    asked = sum(g["asked"] for g in groups)
    posted = sum(g["posted"] for g in groups)
    settled = out["sent"] + out["failed"] + out["skipped"]
    return {
        "deliveries": settled + out["pending"],
        **out,
        "delivery_rate": rate(out["sent"], settled),
        "relays_sent": asked,
        "relay_confirmed": posted,
        "relay_confirm_rate": rate(posted, asked),
        "seen": seen,
    }


def broadcasts(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """Campaign deliveries created in the range: sent, failed, skipped (with the reason kept
    on each delivery), relays posted per group, read receipts; by target kind, campaign and
    village. A village filter leaves out the commune-level groups."""
    rows = reports_rows.delivery_counts(
        session, start=window.start, end=window.end, village_ids=window.villages
    )
    groups = reports_rows.relay_groups(
        session, start=window.start, end=window.end, village_ids=window.villages
    )
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    by_village: dict[int | None, list[dict[str, Any]]] = {}
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TARGET_KINDS}
    for row in rows:
        by_campaign.setdefault(row["campaign_id"], []).append(row)
        by_village.setdefault(row["village_id"], []).append(row)
        by_kind.setdefault(row["target_kind"], []).append(row)
    titles = {row["campaign_id"]: row["title"] for row in rows}
    villages: list[int | None] = list(ctx.village_ids(window))
    if None in by_village:
        villages.append(None)

    def of(key: str, value: Any) -> list[dict[str, Any]]:
        return [g for g in groups if g[key] == value]

    return {
        "campaigns": len(by_campaign),
        **_delivery_totals(rows, groups),
        "by_kind": [
            {"type": k, **_delivery_totals(v, groups if k == "relay" else None)}
            for k, v in by_kind.items()
        ],
        "by_campaign": [
            {
                "campaign": titles[c],
                "campaign_id": c,
                **_delivery_totals(by_campaign[c], of("campaign_id", c)),
            }
            for c in sorted(by_campaign)
        ],
        "by_village": [
            {
                "village": ctx.village_label(v) if v is not None else "Nhóm chung của xã",
                **_delivery_totals(by_village.get(v, []), of("village_id", v)),
            }
            for v in villages
        ],
    }


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


def tables(figures: dict[str, Any]) -> list[Table]:
    return [
        Table(
            "thong-bao-thon",
            "Thông báo theo thôn",
            ("Thôn / tổ", "Đã gửi", "Lỗi", "Bỏ qua", "Đã chuyển vào nhóm", "Tỉ lệ gửi được (%)"),
            [
                [
                    v["village"],
                    v["sent"],
                    v["failed"],
                    v["skipped"],
                    v["relay_confirmed"],
                    None if v["delivery_rate"] is None else round(v["delivery_rate"] * 100, 1),
                ]
                for v in figures["by_village"]
            ],
        )
    ]
