"""Statistics: campaign broadcasts delivered, failed, relayed and seen."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.charts import bars_over_time
from bot.feature import Table
from bot.features.campaigns.spec import TARGET_KINDS
from bot.reporting import Context, rate
from db import campaigns as campaign_rows
from db.stats import Window

DELIVERY_FIGURES = ("sent", "failed", "skipped", "pending")


def _delivery_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over delivery rows; the delivery rate is sent over deliveries that are settled
    (sent, failed or skipped), and the relay rate is confirmed over relays sent."""
    out: dict[str, Any] = dict.fromkeys(DELIVERY_FIGURES, 0)
    relays_sent = confirmed = seen = 0
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + row["n"]
        confirmed += row["relay_confirmed"]
        seen += row["seen"]
        if row["target_kind"] == "relay" and row["status"] == "sent":
            relays_sent += row["n"]
    settled = out["sent"] + out["failed"] + out["skipped"]
    return {
        "deliveries": settled + out["pending"],
        **out,
        "delivery_rate": rate(out["sent"], settled),
        "relays_sent": relays_sent,
        "relay_confirmed": confirmed,
        "relay_confirm_rate": rate(confirmed, relays_sent),
        "seen": seen,
    }


def broadcasts(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """Campaign deliveries created in the range: sent, failed, skipped (with the reason kept
    on each delivery), relays confirmed, read receipts; by target kind, campaign and village.
    A village filter leaves out the commune-level groups."""
    rows = campaign_rows.delivery_counts(
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
    return {
        "campaigns": len(by_campaign),
        **_delivery_totals(rows),
        "by_kind": [{"type": k, **_delivery_totals(v)} for k, v in by_kind.items()],
        "by_campaign": [
            {"campaign": titles[c], "campaign_id": c, **_delivery_totals(by_campaign[c])}
            for c in sorted(by_campaign)
        ],
        "by_village": [
            {
                "village": ctx.village_label(v) if v is not None else "Nhóm chung của xã",
                **_delivery_totals(by_village.get(v, [])),
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
