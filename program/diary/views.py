from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.access import (
    clinician_required,
    get_patient_for,
    patient_required,
    therapist_required,
)
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program import clinical_text
from program.diary import actions as diary_service
from program.diary import charts
from program.diary import csv_files as diary_csv
from program.diary.forms import DiaryEntryForm
from program.form_fields import new_submission_key
from program.medication import actions as medication_service
from program.medication.views import patient_card
from program.models import (
    DiaryEntry,
    DiaryEntryRevision,
    Enrolment,
    Medication,
    NightMedication,
    Prescription,
)
from program.offline import kept_offline
from program.risk import actions as risk
from program.rules import sleep, taper
from program.rules.device_sleep import DeviceNight
from program.sleep_window import actions as sleep_window
from program.wearables import actions as wearables
from program.wearables.forms import DeviceFlagForm

CHART_NIGHTS = 14
TABLE_NIGHTS = 28
WEEKS_SHOWN = 8


def short_day(day: date) -> str:
    """``day`` for a table's row, in the active language: Tue 3 Nov, mar. 3 nov.,
    Di., 3. Nov. (``WEEKDAY_DAY_MONTH_FORMAT``)."""
    return date_format(day, "WEEKDAY_DAY_MONTH_FORMAT")


def page_number(request: HttpRequest) -> int:
    """The diary table's page asked for (1: the latest nights); anything else reads as 1."""
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def diary_context(
    patient: User,
    today: date,
    *,
    chart_id: str = "diary",
    page: int = 1,
    every_week: bool = False,
    enrolments: list[Enrolment] | None = None,
    prescriptions: list[Prescription] | None = None,
) -> dict[str, Any]:
    """Everything the diary pages show, in a fixed number of queries and rows
    (``enrolments``: the patient's, already read with their programmes;
    ``prescriptions``: their sleep windows, already read).

    The nightly table shows one page of TABLE_NIGHTS nights (page 1: the latest);
    the weekly table the WEEKS_SHOWN programme weeks up to that page's newest night
    (every week with ``every_week``, for the printable summary). The charts always
    show the latest nights and weeks. Only the nights these need are read, so the
    page costs the same with a month or a year of history; the weekly figures come
    from the metrics stored with each entry.
    """
    enrolment = (
        next((e for e in enrolments if e.status in Enrolment.CURRENT), None)
        if enrolments is not None
        else Enrolment.objects.current().filter(patient=patient).select_related("programme").first()
    )
    mine = DiaryEntry.objects.for_patient(patient)
    zone = patient.zone
    # Programme weeks count from the enrolment's start (without one, from the first night:
    # one more query, for a patient not in a programme).
    start: date = (
        enrolment.start_date
        if enrolment
        else mine.order_by("diary_date").values_list("diary_date", flat=True).first() or today
    )

    def weeks_up_to(day: date) -> tuple[date, date]:
        """The first and last day of the WEEKS_SHOWN programme weeks ending with ``day``'s."""
        week = sleep.week_index(day, start)
        return (
            start + timedelta(days=7 * (week - WEEKS_SHOWN)),
            start + timedelta(days=7 * week - 1),
        )

    latest_weeks = weeks_up_to(today)
    first_night = mine.order_by("diary_date").values("diary_date")[:1]

    def read(page: int) -> tuple[date, tuple[date, date], list[DiaryEntry]]:
        """The page's newest night, its weeks, and the entries shown (one query): the
        latest weeks (charts, this morning, the mornings missed), the page's weeks and
        the diary's first night (where the pages end)."""
        newest = today - timedelta(days=TABLE_NIGHTS * (page - 1))
        page_weeks = weeks_up_to(newest)
        shown = (
            mine
            if every_week
            else mine.filter(
                Q(diary_date__range=(latest_weeks[0], today))
                | Q(diary_date__range=(page_weeks[0], min(page_weeks[1], today)))
                | Q(diary_date=Subquery(first_night))
            )
        )
        return newest, page_weeks, list(shown.order_by("-diary_date"))

    # Nights shown: pages of four weeks, but not before the diary or the programme began.
    page = max(1, page)
    newest, page_weeks, entries = read(page)
    first_day = min(start, entries[-1].diary_date) if entries else start
    total = max(1, (today - first_day).days + 1)
    pages = -(-total // TABLE_NIGHTS)
    if page > pages:  # a page past the end (an old link): the last one
        page = pages
        newest, page_weeks, entries = read(page)
    shown = max(1, min(TABLE_NIGHTS, (newest - first_day).days + 1))
    chart_first = today - timedelta(days=min(CHART_NIGHTS, total) - 1)
    by_date = {e.diary_date: e for e in entries}

    nights: list[dict[str, Any]] = []
    for offset in range(shown - 1, -1, -1):
        day = newest - timedelta(days=offset)
        entry = by_date.get(day)
        nights.append(
            {
                "date": day,
                "label": short_day(day),
                "entry": entry,
                # Bed -> up, in the patient's zone, as "H:i–H:i".
                "bed_to_up": (
                    f"{entry.into_bed.astimezone(zone):%H:%M}–"
                    f"{entry.out_of_bed.astimezone(zone):%H:%M}"
                )
                if entry
                else "",
                "editable": entry is not None and diary_service.can_edit(entry, today),
            }
        )
    chart_days = [chart_first + timedelta(days=n) for n in range((today - chart_first).days + 1)]
    windows = sleep_window.windows_by_day(patient, chart_days, prescriptions)
    bars = []
    for day in chart_days:
        entry = by_date.get(day)
        bars.append(
            charts.Bar(
                label=short_day(day),
                when=day,
                time_in_bed=entry.time_in_bed_min if entry else None,
                total_sleep=entry.total_sleep_min if entry else None,
                efficiency=entry.sleep_efficiency if entry else None,
                muted=bool(entry and entry.unusual_night),
                window=windows.get(day),
            )
        )
    if every_week:
        weeks = diary_service.weekly_rows(entries, start)
        latest = weeks
    else:
        weeks = diary_service.weekly_rows(
            [e for e in entries if page_weeks[0] <= e.diary_date <= page_weeks[1]], start
        )
        latest = (
            weeks
            if page_weeks == latest_weeks
            else diary_service.weekly_rows(
                [e for e in entries if e.diary_date >= latest_weeks[0]], start
            )
        )
    week_bars = [
        charts.Bar(
            label=_("Wk %(week)s") % {"week": w.week} if w.week > 0 else _("Before"),
            when=w.first,
            time_in_bed=w.summary.mean_time_in_bed,
            total_sleep=w.summary.mean_total_sleep,
            efficiency=w.summary.sleep_efficiency,
        )
        for w in reversed(latest[:WEEKS_SHOWN])
    ]
    return {
        "nights": list(reversed(nights)),
        "weeks": weeks,
        "enrolment": enrolment,
        "today": today,
        "today_entry": by_date.get(today),
        # Mornings before today still open to fill in (today's has its own card above).
        "late_mornings": diary_service.missing_dates(
            patient, today, [*by_date, today], since=enrolment.start_date if enrolment else None
        ),
        "entry_count": mine.count,  # counted only where a page shows it
        "page": page,
        "pages": pages,
        "newer_page": page - 1 if page > 1 else None,
        "older_page": page + 1 if page < pages else None,
        "first_night": nights[0]["date"],
        "last_night": nights[-1]["date"],
        "night_chart": night_chart(bars, chart_id=chart_id),
        "chart_bars": bars,
        "chart_days": (chart_first, today),
        "chart_id": chart_id,
        "week_chart": mark_safe(
            charts.sleep_chart(
                week_bars,
                title=_("Weekly averages"),
                description=_(
                    "Average time in bed and asleep per programme week, with the week's sleep "
                    "efficiency. The same numbers are in the weekly table."
                ),
                chart_id=f"{chart_id}-weeks",
            )
        )
        if week_bars
        else "",
        "format_minutes": clinical_text.duration,
    }


def night_chart(
    bars: list[charts.Bar], *, chart_id: str, device: Mapping[date, DeviceNight] | None = None
) -> str:
    """The chart of the latest nights; with ``device``, the device's minutes asleep beside
    each night's bar (shown beside the diary, never instead of it)."""
    if device:
        bars = [
            replace(b, device_asleep=night.asleep_min)
            if b.when is not None and (night := device.get(b.when)) is not None
            else b
            for b in bars
        ]
    recorded = sum(1 for b in bars if b.time_in_bed is not None)
    description = _(
        "%(recorded)s of the last %(nights)s nights recorded. Bars show time in "
        "bed, the darker inner bars time asleep; dots show sleep efficiency; a "
        "dashed line marks the sleep window prescribed that night. The same "
        "numbers are in the table below."
    ) % {"recorded": recorded, "nights": CHART_NIGHTS}
    if any(b.device_asleep is not None for b in bars):
        description += " " + _(
            "A short dark mark across a bar shows the minutes asleep a watch or phone "
            "recorded that night; they are in the table of device nights below."
        )
    return mark_safe(  # built from numbers and escaped labels only
        charts.sleep_chart(
            bars,
            title=_("Your last %(nights)s nights") % {"nights": CHART_NIGHTS},
            description=description,
            chart_id=f"{chart_id}-nights",
        )
    )


def with_device(ctx: dict[str, Any], patient: User, *, for_patient: bool) -> None:
    """The device's nights beside the diary: in the tables, and on the nights' chart
    (on the patient's page, only unless their therapist hid them)."""
    ctx.update(
        wearables.beside_diary(
            patient, ctx["nights"], for_patient=for_patient, chart_days=ctx["chart_days"]
        )
    )
    if ctx["device_nights"]:
        ctx["night_chart"] = night_chart(
            ctx["chart_bars"], chart_id=ctx["chart_id"], device=ctx["device_nights"]
        )


@patient_required
@kept_offline
def diary_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: User = request.user
    today = patient.local_today()
    ctx = diary_context(patient, today, page=page_number(request))
    ctx["medication"] = patient_card(patient, today)
    with_device(ctx, patient, for_patient=True)
    return render(request, "program/diary.html", ctx)


def _initial_for(patient: User, entry: DiaryEntry) -> dict:
    zone = patient.zone
    initial: dict[str, Any] = {"diary_date": entry.diary_date.isoformat()}
    for name in diary_service.ANSWER_FIELDS:
        initial[name] = getattr(entry, name)
    for name in diary_service.TIME_FIELDS:
        local = getattr(entry, name).astimezone(zone)
        initial[name] = local.time()
        # Show an explicit date where the evening/morning rule would not give it back.
        if sleep.resolve_clock_time(entry.diary_date, local.time(), zone).date() != local.date():
            initial[f"{name}_date"] = local.date()
    return initial


SAVED = "saved"
ALREADY_SAVED = "already_saved"
INVALID = "invalid"


def _form_kwargs(
    request: HttpRequest, patient: User, entry: DiaryEntry | None, today: date
) -> tuple[dict[str, Any], Any]:
    """The medicines the form asks about, with the usual doses, and the taper plan."""
    # A new night's form asks about sleep medicines only if the patient listed some when
    # it was shown, and then says so (a hidden field): a form that did not ask is read
    # without a medicines query, and one that asked is checked against the list again.
    asked = (
        entry is not None
        or request.method != "POST"
        or any(name in request.POST for name in DiaryEntryForm.medication_markers)
    )
    medicines = list(Medication.objects.for_patient(patient).active()) if asked else []
    plan = medication_service.current_plan(patient) if medicines else None
    usual = medication_service.usual_doses(medicines, plan, entry.diary_date if entry else today)
    usual_help = (
        # "My usual dose" (the answer's words) is the plan's step in force; the medicines
        # pages call the dose listed for the planned medicine "before the plan".
        _("“My usual dose” means: %(doses)s")
        % {
            "doses": "; ".join(
                f"{d.medication.name} {clinical_text.dose(d.dose_mg)}" for d in usual
            )
        }
        + (_(" (the current step of your plan).") if plan else ".")
        if usual
        else ""
    )
    return {"medicines": medicines, "usual_help": usual_help}, plan


def _save_form(
    request: AuthenticatedHttpRequest,
    patient: User,
    entry: DiaryEntry | None,
    form: DiaryEntryForm,
    plan: Any,
) -> tuple[str, DiaryEntry | None]:
    """Save a sent diary form: SAVED with the entry (and the messages that say so),
    ALREADY_SAVED with the entry this form's key made before, or INVALID (the errors are
    on the form)."""
    if form.is_valid() and form.already_saved:
        return ALREADY_SAVED, DiaryEntry.objects.get(patient=patient, diary_date=form.already_saved)
    if not form.is_valid():
        return INVALID, None
    answer, other = form.medication_answers()
    note_before = entry.comments if entry else ""
    try:
        saved = medication_service.save_entry_with_medication(
            patient=patient,
            diary_date=entry.diary_date if entry else form.cleaned_data["diary_date"],
            answers=form.answers(),
            changed_by=patient,
            entry=entry,
            medication_answer=answer,
            other=other,
            submission_key=form.cleaned_data.get("submission_key", ""),
        )
    except diary_service.AlreadySaved as already:
        return ALREADY_SAVED, already.entry
    except diary_service.DiaryError as error:
        for name, message in error.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return INVALID, None
    m = saved.entry
    messages.success(
        request,
        _("Saved. %(asleep)s asleep out of %(in_bed)s in bed: sleep efficiency %(efficiency)s%%.")
        % {
            "asleep": clinical_text.duration(m.total_sleep_min),
            "in_bed": clinical_text.duration(m.time_in_bed_min),
            "efficiency": number_format(sleep.percent(m.sleep_efficiency), 1),
        },
    )
    for warning in saved.warnings:
        messages.warning(
            request,
            _("Please check: %(warning)s If it is right, there is nothing to do.")
            % {"warning": warning},
        )
    # The clinic's risk phrases in the night's note (program.risk.actions).
    flagged = risk.flag_words(
        patient,
        saved.entry.comments,
        before=note_before,
        where="a diary note",
        diary_entry=saved.entry,
    )
    risk.tell_patient_flagged(request, flagged)
    if answer and plan is not None:
        compared = _against_plan(saved.entry, plan)
        if compared:
            messages.info(request, compared)
    return SAVED, saved.entry


def _diary_form(
    request: AuthenticatedHttpRequest, patient: User, entry: DiaryEntry | None
) -> HttpResponse:
    today = patient.local_today()
    if entry is None and request.method == "POST":
        # Any morning of the window is accepted here: one that already has an entry is
        # refused by save_entry (the unique constraint), and the form, if it comes back,
        # lists the missing mornings again (below). A saved night costs no query for them.
        dates = diary_service.missing_dates(patient, today, [])
    elif entry is None:
        dates = _missing_mornings(patient, today)
        if not dates:
            return _diary_complete(request)
    else:
        dates = [entry.diary_date]
    form_kwargs, plan = _form_kwargs(request, patient, entry, today)
    last: DiaryEntry | None = None
    if request.method == "POST":
        form = DiaryEntryForm(
            request.POST,
            patient=patient,
            dates=dates,
            editing=entry,
            # An edit's disabled date comes from its entry; a new night needs no
            # defaults (a bound form shows what was sent).
            initial=_initial_for(patient, entry) if entry else {},
            **form_kwargs,
        )
        outcome, saved = _save_form(request, patient, entry, form, plan)
        if outcome == ALREADY_SAVED and saved is not None:
            return _already_saved(request, patient, saved)
        if outcome == SAVED:
            return redirect("program:diary")
    else:
        requested = request.GET.get("date")
        last = (
            DiaryEntry.objects.for_patient(patient).order_by("-diary_date").first()
            if entry is None
            else None
        )
        if entry is not None:
            initial = _initial_for(patient, entry)
        else:
            # Empty answers: a time nobody typed must never become a night. The patient
            # may ask for their last night's times (a link on the form), and sees them.
            initial = {"submission_key": new_submission_key()}
            if last is not None and request.GET.get("start") == "last":
                initial.update(diary_service.last_night_times(patient, last))
            initial["diary_date"] = (
                requested if requested in {d.isoformat() for d in dates} else dates[0].isoformat()
            )
        if entry is not None and form_kwargs["medicines"]:
            night = NightMedication.objects.filter(entry=entry).first()
            if night is not None:
                initial["medication_answer"] = night.answer
                taken = entry.doses.first()
                if taken is not None and night.answer == "other":
                    initial["other_medication"] = taken.medication_id
                    initial["other_dose_mg"] = taper.plain(taken.dose_mg)
                    initial["other_taken_at"] = taken.taken_at
        form = DiaryEntryForm(
            patient=patient, dates=dates, editing=entry, initial=initial, **form_kwargs
        )
    if entry is None and request.method == "POST":
        dates = _missing_mornings(patient, today)
        if not dates:
            return _diary_complete(request)
        form.offer_dates(dates)
    ctx = {
        "form": form,
        "entry": entry,
        # A new night's form may be kept on this device and sent later (docs/offline.md).
        "offline": entry is None,
        "today": today,
        "plan": plan,
        "can_start_from_last": last is not None,
        "started_from_last": last is not None and request.GET.get("start") == "last",
    }
    return render(request, "program/diary_form.html", ctx)


def _already_saved(
    request: AuthenticatedHttpRequest, patient: User, entry: DiaryEntry
) -> HttpResponse:
    """The same form came back (Back then Save, a double tap): nothing is saved twice."""
    day = date_format(entry.diary_date, "LONG_WEEKDAY_DAY_MONTH_FORMAT")
    messages.info(
        request,
        _(
            "This diary was already saved, for the morning of %(day)s, so nothing was "
            "saved twice. You can look at it or change it here."
        )
        % {"day": day},
    )
    if diary_service.can_edit(entry, patient.local_today()):
        return redirect("program:diary_edit", diary_date=entry.diary_date.isoformat())
    return redirect("program:diary")


def _missing_mornings(patient: User, today: date) -> list[date]:
    """The mornings the form offers: none before the programme's start."""
    taken = (
        DiaryEntry.objects.for_patient(patient)
        .between(today - timedelta(days=diary_service.BACKFILL_DAYS), today)
        .values_list("diary_date", flat=True)
    )
    since = (
        Enrolment.objects.current()
        .filter(patient=patient)
        .values_list("start_date", flat=True)
        .first()
    )
    return diary_service.missing_dates(patient, today, taken, since=since)


def _diary_complete(request: AuthenticatedHttpRequest) -> HttpResponse:
    messages.info(request, _("Your diary is complete for the past week. Well done."))
    return redirect("program:diary")


def _against_plan(entry: DiaryEntry, plan: Any) -> str:
    """The saved night against the plan, in plain words (no advice)."""
    taken = sum(
        (d.dose_mg for d in entry.doses.all() if d.medication_id == plan.medication_id),
        taper.ZERO,
    )
    result = taper.check_night(
        taper.NightDose(entry.diary_date, taper.mg(taken), taken > 0), plan.steps_in_force()
    )
    if result.planned_mg is None:
        return ""
    return _(
        "%(medicine)s: your plan for that night was %(planned)s; "
        "you recorded %(taken)s (%(check)s)."
    ) % {
        "medicine": plan.medication.name,
        "planned": clinical_text.dose(result.planned_mg),
        "taken": clinical_text.dose(result.taken_mg),
        "check": clinical_text.check_word(result.check),
    } + ("" if result.check is taper.Check.AS_PLANNED else f" {medication_service.SAFETY_WORDS}")


@patient_required
@kept_offline
def diary_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _diary_form(request, request.user, None)


@patient_required
@require_http_methods(["GET", "POST"])
def diary_offline(request: AuthenticatedHttpRequest) -> JsonResponse:
    """A night entered on the phone without a connection, sent by static/js/offline.js.

    GET: who is signed in, with a fresh CSRF token (the page kept on the phone may hold
    one from hours ago, or from before signing in again). POST: the diary form's fields
    and its ``submission_key``, saved as the form's POST is (the key: a retry or a second
    tab saves nothing twice), answered in JSON; ``queued_by`` must be the user signed in,
    so a night typed by someone else on this phone is never saved into this diary.
    """
    patient: User = request.user
    if request.method == "GET":
        return JsonResponse({"user": patient.pk, "csrf": get_token(request)})
    if request.POST.get("queued_by") != str(patient.pk):
        return JsonResponse({"status": "other_user"}, status=409)
    if not request.POST.get("submission_key"):
        return JsonResponse(
            {"status": INVALID, "errors": {"__all__": [_("This night has no key.")]}}, status=400
        )
    today = patient.local_today()
    # Any morning of the window, as the form's own POST (save_entry refuses a second).
    dates = diary_service.missing_dates(patient, today, [])
    form_kwargs, plan = _form_kwargs(request, patient, None, today)
    form = DiaryEntryForm(request.POST, patient=patient, dates=dates, **form_kwargs)
    outcome, saved = _save_form(request, patient, None, form, plan)
    if outcome == INVALID:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"status": INVALID, "errors": errors}, status=400)
    # The messages the form's POST would show on the next page are shown beside "Sent".
    shown = list(messages.get_messages(request))
    day = saved.diary_date if saved else today
    return JsonResponse(
        {
            "status": outcome,
            "diary_date": day.isoformat(),
            "messages": render_to_string("includes/messages.html", {"messages": shown}, request),
        }
    )


@patient_required
def diary_edit(request: AuthenticatedHttpRequest, diary_date: str) -> HttpResponse:
    patient: User = request.user
    try:
        day = date.fromisoformat(diary_date)
    except ValueError as error:
        raise Http404 from error
    entry = get_object_or_404(DiaryEntry.objects.for_patient(patient), diary_date=day)
    if not diary_service.can_edit(entry, patient.local_today()):
        messages.info(
            request,
            _(
                "Entries can be changed for %(days)s days. This one is kept as "
                "it is; your therapist can help if something is wrong."
            )
            % {"days": diary_service.EDIT_DAYS},
        )
        return redirect("program:diary")
    return _diary_form(request, patient, entry)


@clinician_required
def patient_diary(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The therapist's view of a patient's diary, with every change made to it."""
    return patient_diary_page(request, get_patient_for(request, patient_id))


def patient_diary_page(
    request: AuthenticatedHttpRequest,
    patient: User,
    *,
    flag_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """The therapist's diary page (``flag_form``: a threshold sent with a mistake, shown
    again with what was typed)."""
    ctx = diary_context(
        patient, patient.local_today(), chart_id="patient-diary", page=page_number(request)
    )
    ctx["patient"] = patient
    with_device(ctx, patient, for_patient=False)
    ctx["flag_form"] = flag_form or DeviceFlagForm(initial={"threshold": ctx["flag_threshold"]})
    ctx["revisions"] = (
        DiaryEntryRevision.objects.filter(entry__patient=patient)
        .select_related("entry", "changed_by")
        .order_by("-changed_at")[:50]
    )
    return render(request, "program/patient_diary.html", ctx, status=status)


@patient_required
def diary_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: User = request.user
    entries = list(
        DiaryEntry.objects.for_patient(patient)
        .select_related("medication")
        .prefetch_related("doses__medication")
    )
    response = HttpResponse(
        diary_csv.export_rows(patient, entries), content_type="text/csv; charset=utf-8"
    )
    filename = f"sleep-diary-{patient.local_today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


MAX_UPLOAD_BYTES = 1_000_000
# The session's key for a checked file's text, shown again by GET until it is imported.
IMPORT_CHECKED = "diary_import_checked"


def _imported_already(request: AuthenticatedHttpRequest, patient: User) -> HttpResponse:
    note_unchanged(request)
    messages.info(
        request,
        _(
            "This check was imported already, or is no longer kept: nothing more was "
            "imported. The diary below shows the nights there are; check a file again to "
            "import more."
        ),
    )
    return redirect("program:patient_diary", patient_id=patient.pk)


@therapist_required
def diary_import(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Import a paper diary from CSV for one of the therapist's own patients.

    1. "Check the file": every row is checked and a report shows what would be
       imported, with its notes, and what would be rejected and why. Nothing is
       imported by the check, even from a clean file.
    2. "Import": the therapist confirms the good rows, and only those of the very text
       checked (kept in the session) are imported, once: a second click, or Back and
       Import again, imports nothing more and says so.

    The report is shown by a GET after a redirect (POST-redirect-GET), the file's text
    kept in the session until it is imported or the page is opened afresh: Back to the
    report, or a reload, shows it again without the browser asking to send the file
    again ("Confirm Form Resubmission").
    """
    patient = get_patient_for(request, patient_id)
    report = None
    text = ""
    if request.method == "GET":
        kept = request.session.get(IMPORT_CHECKED)
        if request.GET.get("checked") and kept and kept.get("patient") == patient.pk:
            text = kept["text"]
            report = diary_csv.parse(patient, text)
        elif kept is not None:
            del request.session[IMPORT_CHECKED]
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size and upload.size > MAX_UPLOAD_BYTES:
                messages.error(request, _("That file is larger than 1 MB. Split it and try again."))
                return redirect("program:diary_import", patient_id=patient.pk)
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                messages.error(request, _("That file is not a UTF-8 text (CSV) file."))
                return redirect("program:diary_import", patient_id=patient.pk)
        elif request.POST.get("confirm") == "good-rows":
            # Exactly the text checked, kept in the session until imported: gone, it
            # was imported already (a second click, Back) or the check was dropped.
            kept = request.session.get(IMPORT_CHECKED)
            if not kept or kept.get("patient") != patient.pk:
                return _imported_already(request, patient)
            text = kept["text"]
        else:
            text = request.POST.get("csv_text", "")[:MAX_UPLOAD_BYTES]
        if not text.strip():
            messages.error(request, _("Choose a CSV file to import."))
            return redirect("program:diary_import", patient_id=patient.pk)
        report = diary_csv.parse(patient, text)
        confirmed = request.POST.get("confirm") == "good-rows"
        if not report.file_errors and report.good and confirmed:
            try:
                count = diary_csv.import_good_rows(patient, report, by=request.user)
            except (IntegrityError, diary_service.DiaryError):
                # The same check imported at the same instant by a second click: its
                # nights are there now, and nothing of this one was saved (atomic).
                request.session.pop(IMPORT_CHECKED, None)
                return _imported_already(request, patient)
            messages.success(
                request,
                ngettext(
                    "Imported %(count)s night into the diary of %(name)s.",
                    "Imported %(count)s nights into the diary of %(name)s.",
                    count,
                )
                % {"count": count, "name": patient.display_name}
                + (
                    " "
                    + ngettext(
                        "%(bad)s row was left out.",
                        "%(bad)s rows were left out.",
                        len(report.bad),
                    )
                    % {"bad": len(report.bad)}
                    if report.bad
                    else ""
                ),
            )
            request.session.pop(IMPORT_CHECKED, None)
            return redirect("program:patient_diary", patient_id=patient.pk)
        request.session[IMPORT_CHECKED] = {"patient": patient.pk, "text": text}
        note_unchanged(request)  # a check: nothing is imported until "Import"
        url = reverse("program:diary_import", kwargs={"patient_id": patient.pk})
        return redirect(f"{url}?checked=1")
    ctx = {
        "patient": patient,
        "report": report,
        "csv_text": text,
        "columns": diary_csv.COLUMNS,
    }
    return render(request, "program/diary_import.html", ctx)
