"""Small, dependency-free SVG charts rendered on the server (the dashboard works offline).

Each function returns an accessible `<svg>` string: a `<title>`, readable labels, and
`data-*` attributes the browser test reads. Values are escaped; nothing comes from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#1d6fb8", "#e07b24", "#2e9e5b", "#b8322d", "#7a4fb5", "#8a8a8a")


def _fmt(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")


def num_label(value: float | None) -> str:
    """A count as officials write it: dots between thousands ("1.141"); "—" when unknown."""
    return "—" if value is None else f"{value:,}".replace(",", ".")


def pct_label(value: float) -> str:
    """A share as a percentage: whole when it is, else one decimal ("0,3%")."""
    shown = round(value * 100, 1)
    return f"{shown:.0f}%" if shown == int(shown) else f"{shown:.1f}%".replace(".", ",")


# Charts are drawn 360 units wide: on a 360–390 px phone one unit is about one pixel, so
# the 14-unit text the stylesheet sets stays at least 12 px; wider screens show them larger.
WIDTH = 360


def _day_label(label: str) -> str:
    """A day (YYYY-MM-DD) as dd/mm; anything else as it is."""
    if len(label) == 10 and label[4] == "-" and label[7] == "-":
        return f"{label[8:]}/{label[5:7]}"
    return label


def _cut(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _nice_max(value: float) -> float:
    """The smallest 4 × (1, 2 or 5 × 10^k) at or above `value`: four whole-number ticks."""
    if value <= 0:
        return 4.0
    step = 1.0
    while step * 4 < value:
        for factor in (2.0, 2.5, 2.0):  # 1 → 2 → 5 → 10 → 20 → 50 …
            step *= factor
            if step * 4 >= value:
                break
    return step * 4


def bars_over_time(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = WIDTH,
    height: int = 220,
    chart_id: str = "",
) -> str:
    """Grouped vertical bars per day (or week), one colour per series, with a legend (one
    line per series, so long names fit a phone). Dates read dd/mm."""
    legend_h = 20 * len(series)
    left, right, top, bottom = 40, 10, 8 + legend_h, 30
    height += legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    # Counts: at least 4 on the axis, so the ticks stay whole numbers.
    peak = _nice_max(max((max(values, default=0) for _, values in series), default=0))
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(1.0, (group_w * 0.8) / max(len(series), 1))
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" data-peak="{peak:g}">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_fmt(peak * i / 4)}</text>"
        )
    step = max(1, -(-n // 5))  # at most 5 labels: they stay readable on a phone
    for index, label in enumerate(labels):
        x0 = left + index * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            h = plot_h * value / peak if peak else 0
            x = x0 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}" '
                f'data-series="{escape(name)}" data-label="{escape(label)}" data-value="{value:g}">'
                f"<title>{escape(name)} {escape(label)}: {_fmt(value)}</title></rect>"
            )
        if index % step == 0:
            short = _day_label(label)
            parts.append(
                f'<text x="{left + index * group_w + group_w / 2:.1f}" '
                f'y="{height - bottom + 14}" class="axis" text-anchor="middle">'
                f"{escape(short)}</text>"
            )
    for s, (name, _) in enumerate(series):
        y = 4 + 20 * s
        parts.append(
            f'<rect x="{left}" y="{y}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{left + 18}" y="{y + 12}" class="legend">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    target: float | None = None,
    percent: bool = False,
    width: int = WIDTH,
    chart_id: str = "",
) -> str:
    """One bar per row (a funnel, a village breakdown), its label above it so long names fit
    a phone; an optional target line."""
    row_h, label_w, top = 42, 0, 8
    height = top * 2 + row_h * max(len(rows), 1) + (16 if target is not None else 0)
    plot_w = width - label_w - 60
    peak = 1.0 if percent else _nice_max(max((v for _, v in rows), default=0))
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * min(value, peak) / peak if peak else 0
        shown = pct_label(value) if percent else _fmt(value)
        parts.append(
            f'<text x="{label_w}" y="{y + 14}" class="axis">{escape(_cut(label, 40))}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 20}" width="{w:.1f}" height="{row_h - 26}" '
            f'fill="{PALETTE[0]}" data-label="{escape(label)}" data-value="{value:g}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 33}" class="value">{shown}</text>')
    if target is not None and peak:
        x = label_w + plot_w * min(target, peak) / peak
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}" class="target"/>')
        label = f"mục tiêu {pct_label(target)}" if percent else f"mục tiêu {_fmt(target)}"
        # Near the right edge the label goes left of the line, so it is not cut off.
        anchor = f'x="{x - 3:.1f}" text-anchor="end"' if x > width - 100 else f'x="{x + 3:.1f}"'
        parts.append(f'<text {anchor} y="{height - 2}" class="legend">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)
