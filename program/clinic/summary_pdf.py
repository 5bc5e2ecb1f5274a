"""The printable patient summary as a PDF (fpdf2, pure Python), for the medical record.

Built from the same context as the HTML summary (views/therapist.patient_context).
Written in DejaVu Sans, shipped with the app (program/clinic/fonts/, its licence beside it):
fpdf2's built-in fonts cover Latin-1 only, which printed a name or a note in Polish,
Czech or Turkish with "?" for its letters. fpdf2 embeds only the glyphs a summary uses.

The text is in the active language (the requesting clinician's): the view runs
with their language activated.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from fpdf import FPDF

from program.clinical_text import (
    dose,
    duration_short,
    occasion_label,
    taper_words,
    with_percent_sign,
)
from program.rules import sleep

FONT = "DejaVuSans"
FONT_FILES = {
    "": Path(__file__).parent / "fonts" / "DejaVuSans.ttf",
    "B": Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf",
}


def plain(value: object) -> str:
    return "" if value is None else str(value)


def _minutes(value: float | None) -> str:
    return "-" if value is None else duration_short(value)


def _percent(value: float) -> str:
    """A sleep efficiency as the pages write it: 85.8%, French 85,8 %."""
    return with_percent_sign(number_format(sleep.percent(value), 1))


def _day(value: date, with_year: bool = True) -> str:
    """05 Nov 2026 (or 05 Nov), month names in the active language."""
    return date_format(
        value, "PADDED_DAY_MONTH_YEAR_FORMAT" if with_year else "PADDED_DAY_MONTH_FORMAT"
    )


class SummaryPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        for style, path in FONT_FILES.items():
            self.add_font(FONT, style, str(path))
        self.summary_title = title
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        footer = _("%(title)s - page %(page)s") % {
            "title": self.summary_title,
            "page": self.page_no(),
        }
        self.cell(0, 5, plain(footer), align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)


def _table(
    pdf: FPDF, header: list[str], rows: list[list[Any]], widths: tuple[int, ...] | None = None
) -> None:
    if not rows:
        pdf.cell(0, 6, plain(_("None.")), new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(text_align="LEFT", line_height=5, col_widths=widths) as table:
        row = table.row()
        for h in header:
            row.cell(plain(h))
        for values in rows:
            row = table.row()
            for v in values:
                row.cell(plain(v))


def build(ctx: dict[str, Any], *, site_name: str, printed: date, include_notes: bool) -> bytes:
    patient = ctx["patient"]
    title = _("CBT-I summary: %(name)s") % {"name": patient.display_name}
    pdf = SummaryPDF(title)
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, plain(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    current = ctx["current"]
    facts = [
        _("Email: %(email)s") % {"email": patient.email},
        _("Therapist: %(name)s")
        % {"name": patient.therapist.display_name if patient.therapist else _("None")},
        (
            _("Programme: %(name)s, week %(week)s of %(weeks)s, started %(start)s")
            % {
                "name": current.programme.name,
                "week": ctx["week"],
                "weeks": current.programme.weeks,
                "start": _day(current.start_date),
            }
            if current
            else _("Programme: not enrolled")
        ),
        _("Printed %(date)s from %(site)s")
        % {"date": date_format(printed, "DAY_MONTH_YEAR_FORMAT"), "site": site_name},
    ]
    for line in facts:
        pdf.cell(0, 5, plain(line), new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("Questionnaires"))
    for item in ctx["trend_charts"]:
        trend = item["trend"]
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 6, plain(item["instrument"].name), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        if trend.change:
            c = trend.change
            verdict = (
                _("remission")
                if c.remission
                else _("response")
                if c.response
                else _("no response yet")
            )
            line = _(
                "Change from the first result: %(change)s (%(baseline)s -> %(latest)s): %(verdict)s"
            ) % {
                "change": f"{c.change:+d}",
                "baseline": c.baseline,
                "latest": c.latest,
                "verdict": verdict,
            }
            pdf.cell(0, 5, plain(line), new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            [_("Date"), _("When"), _("Total"), _("Band")],
            [
                [
                    _day(a.completed_on),
                    occasion_label(a.occasion),
                    f"{a.total} / {a.instrument.scale.max_total}",
                    a.band,
                ]
                for a in trend.results
            ],
        )
    if not ctx["trend_charts"]:
        pdf.cell(0, 6, plain(_("No questionnaire results.")), new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, _("Sleep diary by week"))
    _table(
        pdf,
        [
            _("Week"),
            _("Nights"),
            _("In bed"),
            _("Asleep"),
            _("SE"),
            _("To fall asleep"),
            _("Awake in the night"),
        ],
        [
            [
                _("Week %(n)s (%(first)s-%(last)s)")
                % {"n": w.week, "first": _day(w.first, False), "last": _day(w.last, False)}
                if w.week > 0
                else _("Before"),
                w.summary.nights,
                _minutes(w.summary.mean_time_in_bed),
                _minutes(w.summary.mean_total_sleep),
                "-" if w.summary.sleep_efficiency is None else _percent(w.summary.sleep_efficiency),
                _minutes(w.summary.mean_sleep_latency),
                _minutes(w.summary.mean_wake_after_sleep_onset),
            ]
            for w in ctx["weeks"]
        ],
        widths=(34, 14, 18, 18, 16, 20, 22),
    )

    _heading(pdf, _("Sleep window history"))
    _table(
        pdf,
        [_("From"), _("Window"), _("Bed -> up"), _("Why"), _("Set by")],
        [
            [
                _day(p.effective_from),
                _minutes(p.window_min),
                f"{p.bedtime:%H:%M}-{p.rise_time:%H:%M}",
                why,
                p.get_source_display() + (f" ({p.set_by.display_name})" if p.set_by else ""),
            ]
            for p, why in ctx["prescriptions"]
        ],
        widths=(21, 19, 24, 76, 40),
    )
    if ctx["decisions"]:
        # As the HTML summary's table (program/_window_decisions.html): each decision with
        # the clinician's reason, which the patient's record must carry.
        _heading(pdf, _("Recommendations decided"))
        _table(
            pdf,
            [_("Review"), _("Proposed"), _("Decision"), _("By")],
            [
                [
                    _day(r.review_date),
                    _minutes(r.proposed_window_min),
                    (
                        _("Changed by the clinician to %(window)s")
                        % {"window": _minutes(r.prescription.window_min)}
                        if r.status == r.Status.EDITED and r.prescription
                        else r.get_status_display()
                    )
                    + (f": {r.decision_reason}" if r.decision_reason else ""),
                    (
                        r.decided_by.display_name
                        if r.decided_by
                        else _("automatic")
                        if r.status == r.Status.AUTOMATIC
                        else "-"
                    )
                    + (f", {_day(localtime(r.decided_at).date())}" if r.decided_at else ""),
                ]
                for r in ctx["decisions"]
            ],
            widths=(24, 20, 90, 46),
        )

    _heading(pdf, _("Sleep medication"))
    medication = ctx["medication"]
    if medication:
        pdf.multi_cell(
            0,
            5,
            plain(", ".join(m.name for m in medication.medicines)),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        for flag in medication.flags:
            flagged = _("Flag: %(message)s") % {"message": taper_words(flag.message)}
            pdf.multi_cell(0, 5, plain(flagged), new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            [
                _("Week"),
                _("Nights with medication"),
                _("Mean dose when taken"),
                _("Sleep efficiency"),
            ],
            [
                [
                    _("Week %(n)s") % {"n": w.figures.week},
                    _("%(taken)s of %(answered)s answered")
                    % {
                        "taken": w.figures.nights_with_medication,
                        "answered": w.figures.nights_answered,
                    },
                    "-" if w.figures.mean_dose_mg is None else dose(w.figures.mean_dose_mg),
                    "-" if w.sleep_efficiency is None else _percent(w.sleep_efficiency),
                ]
                for w in medication.weeks[:8]
            ],
        )
    else:
        pdf.cell(0, 6, plain(_("No sleep medication listed.")), new_x="LMARGIN", new_y="NEXT")
    if ctx.get("taper_facts"):
        # As the HTML summary: the plan in force, its steps now and next, who set and
        # confirmed it, and the prescriber (views.taper_facts).
        pdf.ln(2)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 6, plain(_("Taper plan")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        for label, value in ctx["taper_facts"]:
            line = _("%(label)s: %(value)s") % {"label": label, "value": value}
            pdf.multi_cell(0, 5, plain(line), new_x="LMARGIN", new_y="NEXT")

    if include_notes:
        _heading(pdf, _("Care team notes"))
        for note in ctx["notes"]:
            author = note.author.display_name if note.author else "-"
            written = localtime(note.created_at)  # in the reader's zone, as on the page
            pdf.set_font(FONT, size=8)
            pdf.cell(
                0,
                5,
                plain(f"{author}, {_day(written)} {written:%H:%M}"),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_font(FONT, size=9)
            pdf.multi_cell(0, 5, plain(note.text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
