"""The monthly report ("Báo cáo tháng") as a PDF, drawn with fpdf2 in a TrueType font that
covers Vietnamese (DejaVu Sans, Debian's fonts-dejavu-core): the same figures as the
printable page (/admin/report), for officials who send the report on rather than print it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.charts import num_label, pct_label
from bot.feature import Section
from bot.reporting import vn_date

FAMILY = "report"
GREY = (90, 90, 90)


def _pct(value: float | None) -> str:
    return "—" if value is None else pct_label(value)


def _document(font: Path, title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Zalo OA của xã")
    pdf.add_font(FAMILY, "", str(font))
    bold = font.with_name(font.stem + "-Bold" + font.suffix)
    pdf.add_font(FAMILY, "B", str(bold if bold.is_file() else font))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)


def _table(
    pdf: FPDF, header: tuple[str, ...], rows: Sequence[tuple[str, ...]], widths: tuple[int, ...]
) -> None:
    align = ("LEFT", *("RIGHT" for _ in header[1:]))
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        line_height=6,
    ) as table:
        for cells in (header, *rows):
            row = table.row()
            for cell in cells:
                row.cell(cell)


def _skills(pdf: FPDF, skills: dict[str, Any]) -> None:
    _heading(pdf, "Mục tiêu 5 kỹ năng số cơ bản")
    pdf.multi_cell(
        0,
        5,
        "Mục tiêu: mỗi hộ gia đình có ít nhất 1 người thành thạo 5 kỹ năng số cơ bản.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    lines = (
        (
            "Hộ đạt mục tiêu",
            f"{num_label(skills['households_mastered'])} / "
            f"{num_label(skills['households_total'])} hộ ({_pct(skills['coverage'])})",
        ),
        ("Người thành thạo cả 5 kỹ năng", num_label(skills["all_five"])),
        ("Đạt thêm trong tháng", num_label(skills["all_five_in_range"])),
    )
    for label, value in lines:
        pdf.cell(80, 6, label)
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 10)
    pdf.ln(2)
    rows = [
        (
            str(v["village"]),
            num_label(v["households_mastered"]),
            num_label(v["households_total"]),
            _pct(v["coverage"]),
        )
        for v in skills["by_village"]
    ]
    _table(pdf, ("Thôn / tổ", "Hộ đạt", "Tổng số hộ", "Tỉ lệ"), rows, (70, 35, 40, 35))


def render_pdf(
    *,
    font: Path,
    r: dict[str, Any],
    month: str,
    commune: str,
    generated: str,
    trends: dict[str, list[dict[str, Any]]],
    sections: tuple[Section, ...],
) -> bytes:
    """The report of one month (`r`, with `trends` against the month before) as PDF bytes."""
    title = f"Báo cáo tháng {month} – Tổ công nghệ số cộng đồng {commune}"
    pdf = _document(font, title)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    period = r["range"]
    pdf.multi_cell(
        0,
        5,
        f"Số liệu từ {vn_date(period['from'])} đến {vn_date(period['to'])} (giờ Việt Nam), "
        f"lập lúc {generated}. Cột “Tháng trước” để so sánh.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if "skills" in r:
        _skills(pdf, r["skills"])
    _heading(pdf, "Các số liệu chính")
    rows = [
        (f"{s.title}: {t['label']}", num_label(t["current"]), num_label(t["previous"]))
        for s in sections
        for t in trends.get(s.name, [])
    ]
    _table(pdf, ("Số liệu", "Tháng này", "Tháng trước"), rows, (110, 35, 35))
    pdf.ln(3)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(
        0,
        5,
        "Nguồn: Zalo OA của xã; số liệu đếm từ cơ sở dữ liệu, không ước tính.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
