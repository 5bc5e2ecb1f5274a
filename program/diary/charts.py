"""Server-rendered SVG charts of the sleep diary.

Charts work without JavaScript, scale to any width through their viewBox, use
CSS classes only (the Content Security Policy forbids inline styles), and carry
a title and description for screen readers; every chart on a page sits beside a
table of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.formats import number_format
from django.utils.translation import gettext

from program.clinical_text import with_percent_sign
from program.rules import sleep

# Sized for a phone: at 360 px wide one unit is about one CSS pixel.
WIDTH = 360
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 30, 38, 10, 26


@dataclass(frozen=True)
class Bar:
    label: str  # shown under the bar, "Mon 23 Nov" (WEEKDAY_DAY_MONTH_FORMAT), or "Wk 2"
    when: date | None
    time_in_bed: float | None  # minutes; None = no entry that night
    total_sleep: float | None
    efficiency: float | None  # percent
    window: float | None = None  # prescribed time in bed, minutes
    muted: bool = False  # e.g. a night marked unusual
    device_asleep: float | None = None  # minutes asleep as a watch or phone recorded them


# The width of one letter of an axis label in the viewBox's units, at its largest (12 px on
# a phone, app.css, in a chart about 300 px wide): a little over half the font's size.
LABEL_LETTER = 7.5


def label_step(labels: list[str], slot: float) -> int:
    """Label every how many bars, so that the longest label ("mer. 25 nov.", the diary
    table's named format) fits in the slots between two labels, the newest one moved in
    from the edge included, and never more often than one bar in seven (a week)."""
    longest = max((len(label) for label in labels), default=0) * LABEL_LETTER
    # A label at the plot's edge is moved in (day_label) by up to half its width less
    # half a slot, which the gap to its neighbour must leave room for.
    room = longest + max(0.0, longest / 2 - slot / 2)
    needed = -(-room // slot) if slot else 1
    return max(1, round(len(labels) / 7), int(needed))


def day_label(label: str, cx: float, y: float, plot: tuple[float, float]) -> str:
    """A bar's day under the chart, centred on its bar but moved in where it would leave
    the plot for the axes' figures ("0%" at the foot of the right axis ran over "Mon 7
    Dec" at 360 px); ``plot`` is the plot's left and right edge, the label's width
    reckoned as label_step reckons it."""
    half = len(label) * LABEL_LETTER / 2
    x = min(max(cx, plot[0] + half), plot[1] - half)
    return f'<text class="axis" x="{x:.1f}" y="{y}" text-anchor="middle">{escape(label)}</text>'


def _hours_axis_max(bars: list[Bar]) -> int:
    most = max(
        [b.time_in_bed or 0 for b in bars]
        + [b.window or 0 for b in bars]
        + [b.device_asleep or 0 for b in bars]
        + [480]
    )
    return int(-(-most // 120) * 120)  # round up to whole 2-hour steps


def sleep_chart(bars: list[Bar], *, title: str, description: str, chart_id: str) -> str:
    """Bars of time in bed with the sleep inside them; sleep efficiency as dots on
    a 0-100 % scale on the right; the sleep window, when there is one, as a line;
    a device's minutes asleep, when given, as a short thick mark across the bar."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top_min = _hours_axis_max(bars)
    n = max(len(bars), 1)
    slot = plot_w / n
    bar_w = max(2.0, min(28.0, slot * 0.7))

    def y_min(minutes: float) -> float:
        return TOP + plot_h * (1 - minutes / top_min)

    def y_pct(percent: float) -> float:
        return TOP + plot_h * (1 - percent / 100)

    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    # Grid and left axis: hours.
    step = 2 if top_min <= 12 * 60 else 4
    for hours in range(0, top_min // 60 + 1, step):
        y = y_min(hours * 60)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{hours}h</text>'
        )
    # Right axis: efficiency.
    for percent in (0, 50, 85, 100):
        y = y_pct(percent)
        parts.append(
            f'<text class="axis axis-se" x="{WIDTH - 2}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(with_percent_sign(percent))}</text>"
        )
    label_every = label_step([b.label for b in bars], slot)
    previous_point: tuple[float, float] | None = None
    for i, bar in enumerate(bars):
        cx = LEFT + slot * i + slot / 2
        x = cx - bar_w / 2
        muted = " muted" if bar.muted else ""
        if bar.time_in_bed is not None:
            y = y_min(bar.time_in_bed)
            parts.append(
                f'<rect class="tib{muted}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{TOP + plot_h - y:.1f}"><title>{escape(bar.label)}: '
                + escape(
                    gettext("%(in_bed)s in bed, %(asleep)s asleep")
                    % {"in_bed": _fmt(bar.time_in_bed), "asleep": _fmt(bar.total_sleep)}
                    + _pct(bar.efficiency)
                )
                + "</title></rect>"
            )
        if bar.total_sleep is not None:
            y = y_min(bar.total_sleep)
            parts.append(
                f'<rect class="tst{muted}" x="{x + bar_w * 0.2:.1f}" y="{y:.1f}" '
                f'width="{bar_w * 0.6:.1f}" height="{TOP + plot_h - y:.1f}"/>'
            )
        if bar.window is not None:
            y = y_min(bar.window)
            parts.append(
                f'<line class="window" x1="{cx - slot / 2:.1f}" '
                f'x2="{cx + slot / 2:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
            )
        if bar.device_asleep is not None:
            y = y_min(bar.device_asleep)
            half = min(slot * 0.45, bar_w / 2 + 3)
            parts.append(
                f'<line class="device" x1="{cx - half:.1f}" x2="{cx + half:.1f}" '
                f'y1="{y:.1f}" y2="{y:.1f}"><title>{escape(bar.label)}: '
                + escape(
                    gettext("%(asleep)s asleep by the device") % {"asleep": _fmt(bar.device_asleep)}
                )
                + "</title></line>"
            )
        if bar.efficiency is not None:
            point = (cx, y_pct(bar.efficiency))
            if previous_point is not None:
                parts.append(
                    f'<line class="se-line" x1="{previous_point[0]:.1f}" '
                    f'y1="{previous_point[1]:.1f}" x2="{point[0]:.1f}" '
                    f'y2="{point[1]:.1f}"/>'
                )
            parts.append(
                f'<circle class="se{muted}" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3.5"/>'
            )
            previous_point = point
        else:
            previous_point = None  # a missing night breaks the line: missing is not zero
        if (n - 1 - i) % label_every == 0:  # counted from the newest, which is always labelled
            parts.append(day_label(bar.label, cx, HEIGHT - BOTTOM + 16, (LEFT, WIDTH - RIGHT)))
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(minutes: float | None) -> str:
    if minutes is None:
        return "–"
    hours, mins = divmod(round(minutes), 60)
    # Always hours and minutes (0 h 45 min), as before, in the active language.
    return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{mins:02d}"}


def _pct(value: float | None) -> str:
    if value is None:
        return ""
    return gettext(", sleep efficiency %(efficiency)s%%") % {
        "efficiency": number_format(sleep.percent(value), 1)
    }


def score_chart(
    points: list[tuple[str, int]],
    *,
    max_total: int,
    band_lows: list[int],
    title: str,
    description: str,
    chart_id: str,
) -> str:
    """A questionnaire's totals over time as a line with dots, band boundaries as
    faint lines (e.g. the ISI's 8, 15 and 22). ``points``: (label, total), oldest first."""
    plot_w = WIDTH - LEFT - RIGHT
    height = 180
    plot_h = height - TOP - BOTTOM
    n = max(len(points), 1)
    slot = plot_w / n

    def y_of(total: float) -> float:
        return TOP + plot_h * (1 - total / max_total)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for low in [0, *band_lows, max_total]:
        y = y_of(low)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{low}</text>'
        )
    previous: tuple[float, float] | None = None
    for i, (label, total) in enumerate(points):
        cx = LEFT + slot * i + slot / 2
        cy = y_of(total)
        if previous:
            parts.append(
                f'<line class="se-line" x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" '
                f'x2="{cx:.1f}" y2="{cy:.1f}"/>'
            )
        parts.append(
            f'<circle class="se" cx="{cx:.1f}" cy="{cy:.1f}" r="4">'
            f"<title>{escape(label)}: {total}</title></circle>"
        )
        parts.append(
            f'<text class="axis" x="{cx:.1f}" y="{cy - 8:.1f}" text-anchor="middle">{total}</text>'
        )
        parts.append(
            f'<text class="axis" x="{cx:.1f}" y="{height - BOTTOM + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        previous = (cx, cy)
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
