"""Server-rendered SVG bar charts for the clinic outcomes page: labelled horizontal bars,
no JavaScript, CSS classes only (the Content Security Policy forbids inline styles), a
title and description for screen readers. Every chart sits beside a table of the same
figures, which carries them for anyone who cannot see the chart."""

from __future__ import annotations

from html import escape

WIDTH = 360
ROW = 26
LABEL_W = 190
RIGHT = 40


def bar_chart(
    bars: list[tuple[str, float | None, str]],
    *,
    top: float,
    title: str,
    description: str,
    chart_id: str,
) -> str:
    """One bar a row: (label, value, the value as shown). ``None`` draws no bar."""
    height = ROW * max(len(bars), 1) + 6
    plot_w = WIDTH - LABEL_W - RIGHT
    parts = [
        f'<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, (label, value, shown) in enumerate(bars):
        y = 3 + i * ROW
        parts.append(
            f'<text class="axis" x="{LABEL_W - 6}" y="{y + 16}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        width = 0.0 if value is None or top <= 0 else plot_w * min(value, top) / top
        parts.append(
            f'<rect class="tst" x="{LABEL_W}" y="{y + 4}" width="{width:.1f}" height="{ROW - 8}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LABEL_W + width + 4:.1f}" y="{y + 16}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
