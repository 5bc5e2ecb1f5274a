"""The values a lesson's placeholders and blocks take (``program.curriculum.lesson_text``), from
the reader's programme and sleep-window protocol, and the lesson rendered with them.

A lesson is rendered for its reader when the page is shown, not once when it is
saved: two patients of one lesson version may be in a self-guided and a
clinician-approved programme, or on protocols with different floors, and each
must read what the app does for them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext, ngettext

from program.clinical_text import NAP_RULE
from program.curriculum.lesson_text import Values, expand
from program.curriculum.markup import render_markdown
from program.rules import titration

logger = logging.getLogger(__name__)

DEFAULT_PROTOCOL_KEY = "weekly-90-85"


def duration_words(minutes: int) -> str:
    """A window length in words for lessons: "5 hours", "4 hours 30 minutes"."""
    hours, mins = divmod(int(minutes), 60)
    hour_words = ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    minute_words = ngettext("%(count)s minute", "%(count)s minutes", mins) % {"count": mins}
    if not mins:
        return hour_words
    if not hours:
        return minute_words
    # Translators: a duration in lessons, e.g. "4 hours 30 minutes".
    return gettext("%(hours)s %(minutes)s") % {"hours": hour_words, "minutes": minute_words}


def values_for(*, approval_required: bool, protocol: titration.Protocol) -> Values:
    """The words a lesson shows for a programme setting and a protocol, in the active
    language."""
    return Values(
        conditions={"approval_required": approval_required, "self_guided": not approval_required},
        texts={
            "floor": duration_words(protocol.floor_min),
            "step": duration_words(protocol.step_up_min),
            "extend_at": f"{protocol.extend_at:g}",
            "min_nights": str(protocol.min_nights),
            "nap_rule": str(NAP_RULE),
        },
    )


def default_values() -> Values:
    """The values a lesson is stored with (``LessonVersion.body_html``) and imported
    with: a clinician approves changes, on the shipped default protocol."""
    return values_for(approval_required=True, protocol=shipped_protocol())


def shipped_protocol(key: str = DEFAULT_PROTOCOL_KEY) -> titration.Protocol:
    return next(p for p in titration.SHIPPED if p.key == key)


def default_protocol_rules() -> titration.Protocol:
    """The protocol a new sleep-window course starts on (``sleep_window.default_protocol``),
    read without creating anything."""
    from program.models import SleepProtocol

    row = (
        SleepProtocol.objects.filter(key=DEFAULT_PROTOCOL_KEY, is_active=True)
        .order_by("-version")
        .first()
    )
    return row.rules() if row is not None else shipped_protocol()


def patient_protocol(patient: Any) -> titration.Protocol:
    """The patient's course's protocol, or the one their course will start on."""
    from program.models import SleepCourse

    course = SleepCourse.objects.select_related("protocol").filter(patient=patient).first()
    return course.protocol.rules() if course is not None else default_protocol_rules()


def values_for_patient(patient: Any, programme: Any) -> Values:
    protocol = patient_protocol(patient)
    if protocol.age_adjust:
        # The thresholds the app applies to this patient (titration.thresholds: 5 points
        # lower from 65 where the protocol says so), so the lesson quotes the same.
        from program.sleep_window.models import threshold_age

        extend_at, reduce_below = titration.thresholds(protocol, threshold_age(patient))
        protocol = replace(protocol, extend_at=extend_at, reduce_below=reduce_below)
    return values_for(approval_required=not programme.sleep_window_auto_apply, protocol=protocol)


def render_lesson(version: Any, values: Values) -> str:
    """The version's Markdown with its blocks and placeholders filled, as sanitised HTML.
    Never raises for the lesson's own mistakes (``lesson_text.expand`` is total)."""
    from program.curriculum.models import lesson_audio_refs, lesson_image_refs

    text = expand(version.body, values)
    return render_markdown(
        text,
        images=lesson_image_refs(version.lesson_id, text),
        recordings=lesson_audio_refs(version.lesson_id, text),
    )


class PreviewSettings:
    """The settings an admin previews a lesson with: chosen above the preview
    (``?guidance=approval|self&protocol=KEY``), else the lesson's programme's own
    setting and the default protocol."""

    def __init__(self, programme: Any, query: Any) -> None:
        from program.models import SleepProtocol

        newest: dict[str, Any] = {}
        for row in SleepProtocol.objects.filter(is_active=True).order_by("key", "-version"):
            newest.setdefault(row.key, row)
        self.protocols = [(key, row.name) for key, row in sorted(newest.items())]
        guidance = query.get("guidance")
        if guidance in ("approval", "self"):
            self.approval_required = guidance == "approval"
        else:
            self.approval_required = not programme.sleep_window_auto_apply
        self.protocol_key = query.get("protocol") or DEFAULT_PROTOCOL_KEY
        if self.protocol_key in newest:
            protocol = newest[self.protocol_key].rules()
        elif any(p.key == self.protocol_key for p in titration.SHIPPED):
            protocol = shipped_protocol(self.protocol_key)
        else:
            self.protocol_key = DEFAULT_PROTOCOL_KEY
            protocol = (
                newest[DEFAULT_PROTOCOL_KEY].rules()
                if DEFAULT_PROTOCOL_KEY in newest
                else shipped_protocol()
            )
        self.values = values_for(approval_required=self.approval_required, protocol=protocol)


def preview_values(programme: Any, query: Any) -> PreviewSettings:
    return PreviewSettings(programme, query)
