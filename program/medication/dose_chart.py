"""A server-rendered SVG of sleep medication per night against the planned step.

Like ``program.diary.charts``: no JavaScript, CSS classes only (the CSP forbids inline
styles), a title and description for screen readers, and always beside a table
of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from html import escape

from django.utils.translation import gettext

from program.clinical_text import dose
from program.diary.charts import day_label, label_step

WIDTH = 360
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 56, 10, 10, 26


@dataclass(frozen=True)
class DoseBar:
    label: str
    when: date
    taken: Decimal | None  # None: no answer that night (missing is not zero)
    planned: Decimal | None  # None: before the plan, or no plan
    above: bool = False


def _axis_top(bars: list[DoseBar]) -> Decimal:
    most = max([b.taken or 0 for b in bars] + [b.planned or 0 for b in bars] + [Decimal(1)])
    step = Decimal(1) if most <= 5 else Decimal(5)
    # Up to the next whole step (Decimal's // truncates toward zero, so -(-x // step) would
    # round 7.5 down to 5 and draw its bar above the chart).
    return (Decimal(most) / step).to_integral_value(rounding=ROUND_CEILING) * step


def dose_chart(bars: list[DoseBar], *, title: str, description: str, chart_id: str) -> str:
    """Bars of the dose taken each night; the planned step as a stepped line."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top = _axis_top(bars)
    n = max(len(bars), 1)
    slot = plot_w / n
    bar_w = max(2.0, min(22.0, slot * 0.7))

    def y(value: Decimal) -> float:
        return TOP + plot_h * (1 - float(value / top))

    parts = [
        f'<svg class="chart dose-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in (Decimal(0), top / 2, top):
        ty = y(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{ty + 4:.1f}" text-anchor="end">'
            f"{escape(dose(tick))}</text>"
        )
    label_every = label_step([b.label for b in bars], slot)
    for i, bar in enumerate(bars):
        cx = LEFT + slot * i + slot / 2
        if bar.taken is not None:
            by = y(bar.taken)
            kind = "dose dose-above" if bar.above else "dose"
            parts.append(
                f'<rect class="{kind}" x="{cx - bar_w / 2:.1f}" y="{by:.1f}" '
                f'width="{bar_w:.1f}" height="{TOP + plot_h - by:.1f}"><title>'
                + escape(
                    f"{bar.label}: "
                    + gettext("%(dose)s taken") % {"dose": dose(bar.taken)}
                    + (
                        ", " + gettext("%(dose)s planned") % {"dose": dose(bar.planned)}
                        if bar.planned is not None
                        else ""
                    )
                )
                + "</title></rect>"
            )
        if bar.planned is not None:
            py = y(bar.planned)
            parts.append(
                f'<line class="plan-line" x1="{cx - slot / 2:.1f}" x2="{cx + slot / 2:.1f}" '
                f'y1="{py:.1f}" y2="{py:.1f}"/>'
            )
        if (n - 1 - i) % label_every == 0:
            parts.append(day_label(bar.label, cx, HEIGHT - BOTTOM + 16, (LEFT, WIDTH - RIGHT)))
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
