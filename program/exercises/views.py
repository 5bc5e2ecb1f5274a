"""The guided exercises' pages: written instructions that work without JavaScript, a
timer added by static/js/app.js, and the record made when one ends."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import patient_required
from accounts.http import AuthenticatedHttpRequest
from program.enrolment.actions import current_enrolment
from program.exercises import actions
from program.exercises.content import BREATHING, EXERCISES, Exercise
from program.exercises.forms import BreathingForm, RecordForm


def _exercise(kind: str) -> Exercise:
    try:
        return EXERCISES[kind]
    except KeyError:
        raise Http404("No such exercise.") from None


@patient_required
def exercises(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every exercise, and the patient's own history (per week, and the latest ones)."""
    enrolment = current_enrolment(request.user)
    weeks = actions.weekly_counts(request.user, since=enrolment.start_date if enrolment else None)
    return render(
        request,
        "program/exercises.html",
        {
            "exercises": EXERCISES.values(),
            "weeks": weeks,
            "any_this_period": any(w.total for w in weeks),
            "recent": actions.recent(request.user),
        },
    )


def _page(
    request: AuthenticatedHttpRequest,
    exercise: Exercise,
    record_form: RecordForm,
    status: int = 200,
) -> HttpResponse:
    language = request.user.language or "en"
    ctx: dict[str, object] = {
        "exercise": exercise,
        "record_form": record_form,
        "recordings": actions.recordings_for(exercise.kind, language),
    }
    if exercise.kind == BREATHING:
        form = BreathingForm(request.GET or None)
        rhythm = form.rhythm()
        ctx.update(
            breathing_form=form,
            rhythm=rhythm,
            session_seconds=rhythm["minutes"] * 60,
        )
    else:
        ctx["session_seconds"] = exercise.seconds
    return render(request, "program/exercise.html", ctx, status=status)


@patient_required
def exercise(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    return _page(request, _exercise(kind), RecordForm(initial={"completed": True}))


@patient_required
@require_POST
def record(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """Record the exercise the patient just did (only their own: the patient is the
    signed-in user, never a field of the form)."""
    exercise = _exercise(kind)
    form = RecordForm(request.POST)
    if not form.is_valid():
        return _page(request, exercise, form)
    session = actions.record(
        patient=request.user,
        kind=kind,
        seconds=form.practised_seconds(),
        completed=form.cleaned_data["completed"],
    )
    messages.success(
        request,
        _("Saved to your history: %(title)s, %(minutes)s min. Well done.")
        % {"title": exercise.title, "minutes": session.minutes},
    )
    return redirect("program:exercises")
