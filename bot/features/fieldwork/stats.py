"""Statistics: the teams' door-to-door work over the period, and the households' 5-skills
coverage from both sources (a section of the report, the CSV and the dashboard)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.feature import Table
from bot.features.fieldwork.figures import figures
from bot.reporting import Context
from db.stats import Window

# (CSV header, figure key), the work columns every table shares.
WORK = (
    ("Lượt hỗ trợ", "visits"),
    ("Số hộ", "households"),
    ("Số người", "people"),
    ("Cài VNeID", "vneid_installed"),
    ("VNeID mức 2", "vneid_level2"),
    ("Hồ sơ trực tuyến", "filings"),
    ("Lượt dạy kỹ năng", "skills_taught"),
    ("Thanh toán / QR", "cashless"),
    ("Tài khoản bán hàng", "shop"),
    ("Phòng lừa đảo", "scam"),
    ("Hộ mới đạt 5 kỹ năng", "newly_covered"),
)


def fieldwork(session: Session, window: Window, ctx: Context) -> dict[str, Any]:
    """The period's records per member, team and village; coverage at the period's end."""
    return figures(
        session,
        start=window.start,
        end=window.end,
        skills=[skill for skill, _ in ctx.skills],
        villages=window.villages,
    )


def _work(row: dict[str, Any]) -> list[Any]:
    return [row[key] for _, key in WORK]


def tables(figures: dict[str, Any]) -> list[Table]:
    heads = tuple(h for h, _ in WORK)
    return [
        Table(
            "ho-tro-can-bo",
            "Ghi nhận hỗ trợ theo cán bộ",
            ("Cán bộ", *heads),
            [[m["name"], *_work(m)] for m in figures["by_member"]],
        ),
        Table(
            "ho-tro-to",
            "Ghi nhận hỗ trợ theo tổ (trưởng thôn)",
            ("Tổ của", "Thôn / tổ", "Số cán bộ", *heads),
            [
                [t["leader"], ", ".join(t["villages"]), t["members"], *_work(t)]
                for t in figures["by_team"]
            ],
        ),
        Table(
            "ho-tro-thon",
            "Ghi nhận hỗ trợ theo thôn",
            ("Thôn / tổ", *heads),
            [[v["village"], *_work(v)] for v in figures["by_village"]],
        ),
        Table(
            "ho-dat-5-ky-nang-hai-nguon",
            "Hộ có người thành thạo 5 kỹ năng, theo hai nguồn",
            (
                "Thôn / tổ",
                "Tổng số hộ",
                "Qua bài kiểm tra",
                "Qua ghi nhận của cán bộ",
                "Cả hai nguồn",
                "Gộp hai nguồn",
                "Tỉ lệ hộ (%)",
            ),
            [
                [
                    v["village"],
                    v["households_total"],
                    v["from_quizzes"],
                    v["from_records"],
                    v["in_both"],
                    v["together"],
                    None if v["coverage"] is None else round(v["coverage"] * 100, 1),
                ]
                for v in figures["coverage"]["by_village"]
            ],
        ),
    ]
