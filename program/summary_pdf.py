"""The printable patient summary as a PDF (fpdf2, pure Python), for the medical record.

Built from the same context as the HTML summary (views/therapist.patient_context).
fpdf2's built-in Helvetica covers Latin-1 only, so text is reduced to Latin-1
(minus signs and arrows spelt in ASCII) rather than shipping a font file.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fpdf import FPDF

REPLACEMENTS = {
    "−": "-",
    "–": "-",
    "—": "-",
    "→": "->",
    "≥": ">=",
    "≤": "<=",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
}


def latin1(value: object) -> str:
    text = "" if value is None else str(value)
    for old, new in REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    hours, mins = divmod(round(value), 60)
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


class SummaryPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.summary_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 5, latin1(f"{self.summary_title} - page {self.page_no()}"), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)


def _table(
    pdf: FPDF, header: list[str], rows: list[list[Any]], widths: tuple[int, ...] | None = None
) -> None:
    if not rows:
        pdf.cell(0, 6, "None.", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(text_align="LEFT", line_height=5, col_widths=widths) as table:
        row = table.row()
        for h in header:
            row.cell(latin1(h))
        for values in rows:
            row = table.row()
            for v in values:
                row.cell(latin1(v))


def build(ctx: dict[str, Any], *, site_name: str, printed: date, include_notes: bool) -> bytes:
    patient = ctx["patient"]
    title = f"CBT-I summary: {patient.display_name}"
    pdf = SummaryPDF(title)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    current = ctx["current"]
    facts = [
        f"Email: {patient.email}",
        f"Therapist: {patient.therapist.display_name if patient.therapist else 'None'}",
        (
            f"Programme: {current.programme.name}, week {ctx['week']} of "
            f"{current.programme.weeks}, started {current.start_date:%d %b %Y}"
            if current
            else "Programme: not enrolled"
        ),
        f"Printed {printed:%d %b %Y} from {site_name}",
    ]
    for line in facts:
        pdf.cell(0, 5, latin1(line), new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "Questionnaires")
    for item in ctx["trend_charts"]:
        trend = item["trend"]
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, latin1(item["instrument"].name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        if trend.change:
            c = trend.change
            verdict = (
                "remission" if c.remission else "response" if c.response else "no response yet"
            )
            line = f"Change from the first result: {c.change:+d} ({c.baseline} -> {c.latest})"
            pdf.cell(0, 5, latin1(f"{line}: {verdict}"), new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            ["Date", "When", "Total", "Band"],
            [
                [
                    f"{a.completed_on:%d %b %Y}",
                    a.occasion,
                    f"{a.total} / {a.instrument.scale.max_total}",
                    a.band,
                ]
                for a in trend.results
            ],
        )
    if not ctx["trend_charts"]:
        pdf.cell(0, 6, "No questionnaire results.", new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, "Sleep diary by week")
    _table(
        pdf,
        ["Week", "Nights", "In bed", "Asleep", "SE", "To fall asleep", "Awake in the night"],
        [
            [
                f"Week {w.week} ({w.first:%d %b}-{w.last:%d %b})" if w.week > 0 else "Before",
                w.summary.nights,
                _minutes(w.summary.mean_time_in_bed),
                _minutes(w.summary.mean_total_sleep),
                "-" if w.summary.sleep_efficiency is None else f"{w.summary.sleep_efficiency:.1f}%",
                _minutes(w.summary.mean_sleep_latency),
                _minutes(w.summary.mean_wake_after_sleep_onset),
            ]
            for w in ctx["weeks"]
        ],
        widths=(34, 14, 18, 18, 16, 20, 22),
    )

    _heading(pdf, "Sleep window history")
    _table(
        pdf,
        ["From", "Window", "Bed -> up", "Why", "Set by"],
        [
            [
                f"{p.effective_from:%d %b %Y}",
                _minutes(p.window_min),
                f"{p.bedtime:%H:%M}-{p.rise_time:%H:%M}",
                why,
                p.get_source_display() + (f" ({p.set_by.display_name})" if p.set_by else ""),
            ]
            for p, why in ctx["prescriptions"]
        ],
        widths=(20, 14, 20, 80, 40),
    )

    _heading(pdf, "Sleep medication")
    medication = ctx["medication"]
    if medication:
        pdf.multi_cell(
            0,
            5,
            latin1(", ".join(m.name for m in medication.medicines)),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        for flag in medication.flags:
            pdf.multi_cell(0, 5, latin1(f"Flag: {flag.message}"), new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            ["Week", "Nights with medication", "Mean dose when taken", "Sleep efficiency"],
            [
                [
                    f"Week {w.figures.week}",
                    f"{w.figures.nights_with_medication} of {w.figures.nights_answered} answered",
                    "-" if w.figures.mean_dose_mg is None else f"{w.figures.mean_dose_mg} mg",
                    "-" if w.sleep_efficiency is None else f"{w.sleep_efficiency:.1f}%",
                ]
                for w in medication.weeks[:8]
            ],
        )
    else:
        pdf.cell(0, 6, "No sleep medication listed.", new_x="LMARGIN", new_y="NEXT")

    if include_notes:
        _heading(pdf, "Care team notes")
        for note in ctx["notes"]:
            author = note.author.display_name if note.author else "-"
            pdf.set_font("Helvetica", "I", 8)
            pdf.cell(
                0,
                5,
                latin1(f"{author}, {note.created_at:%d %b %Y %H:%M}"),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font("Helvetica", size=9)
            pdf.multi_cell(0, 5, latin1(note.text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
