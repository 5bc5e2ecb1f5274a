"""The forms an admin edits the curriculum with (the clinic's pages and the Django admin)."""

from __future__ import annotations

from typing import Any, cast

import yaml
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from program.curriculum.files import canonical, load_yaml
from program.models import validate_parts


class PartsField(forms.CharField):
    """Interactive parts edited as YAML (the same notation as the curriculum files)."""

    widget = forms.Textarea(attrs={"rows": 16, "cols": 90, "class": "vLargeTextField"})

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if not value:
            return ""
        return yaml.safe_dump(canonical(value), sort_keys=False, allow_unicode=True, width=10_000)

    def to_python(self, value: Any) -> list[Any]:  # type: ignore[override]  # parts, not text
        text = super().to_python(value) or ""
        if not text.strip():
            return []
        try:
            parts = load_yaml(text)
        except yaml.YAMLError as error:
            message = _("This is not valid YAML: %(error)s") % {"error": error}
            raise ValidationError(message) from error
        validate_parts(parts)
        return parts


class LessonTextField(forms.CharField):
    """Lesson words typed in a textarea. Browsers send a textarea's line breaks as CR LF
    (the HTML standard); the lesson files and the shipped lessons use LF alone, so the
    words are kept with LF: otherwise the same words typed in the editor differ from
    their own export, and importing that export makes a new version of every lesson
    edited in the browser."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n").replace("\r", "\n")


GUIDANCE_CHOICES = [
    ("approval", _("approved by a clinician")),
    ("self", _("self-guided (applied automatically)")),
]


class LessonEditForm(forms.Form):
    """A lesson's words in one language, as the clinic's editor shows them.

    ``base`` is the fingerprint of the draft the page was opened on
    (``actions.draft_fingerprint``): saving or publishing refuses when the draft has
    changed since, so two tabs never overwrite each other silently."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = LessonTextField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or two sentences under the title. Markdown (**bold**, *italic*)."),
    )
    body = LessonTextField(
        label=_("Lesson text"),
        widget=forms.Textarea(attrs={"rows": 22, "class": "code-text"}),
        help_text=_(
            "Markdown. Start headings at ##; end with a “## Sources” list. Words that follow "
            "the programme's settings: {{ floor }}, {{ step }}, {{ extend_at }}, "
            "{{ min_nights }}, {{ nap_rule }}, and blocks from “::: if approval_required” "
            "(or self_guided) through an optional “::: else” to “:::”."
        ),
    )
    minutes = forms.IntegerField(label=_("Minutes to read"), min_value=1, max_value=120)
    parts = PartsField(
        label=_("Exercises (quizzes, reflections, checklists, worksheets)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "code-text"}),
        help_text=_("In YAML, as in the curriculum files: one “- type: …” entry per exercise."),
    )
    change_note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=300,
        help_text=_("For the list of versions, e.g. “Shorter introduction”."),
    )
    # Put back with a draft kept on the device (static/js/app.js): a draft typed on an
    # older base is then refused as changed since, not saved over someone else's words.
    base = forms.CharField(widget=forms.HiddenInput(attrs={"data-draft-keep": ""}))
    # Only for the preview (never stored); always sent by the page's selects.
    guidance = forms.ChoiceField(label=_("Sleep-window changes"), choices=GUIDANCE_CHOICES)
    protocol = forms.CharField(label=_("Protocol"), widget=forms.Select)

    def __init__(self, *args: Any, lesson: Any, protocols: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lesson = lesson
        self.fields["protocol"].widget.choices = protocols

    def clean_body(self) -> str:
        from program.curriculum.lesson_text import problems

        body: str = self.cleaned_data.get("body") or ""
        if mistakes := problems(body):
            raise ValidationError(mistakes)
        return body

    def clean(self) -> dict[str, Any]:
        from program.curriculum.markup import audio_ids, image_ids
        from program.models import AudioRecording, LessonImage

        data = super().clean() or {}
        recordings = audio_ids(data.get("body") or "")
        if recordings:
            known = set(
                AudioRecording.objects.filter(lesson=self.lesson, pk__in=recordings).values_list(
                    "pk", flat=True
                )
            )
            if missing := sorted(recordings - known):
                self.add_error(
                    "body",
                    _(
                        "%(names)s: no such recording on this lesson. Upload it below and "
                        "the snippet is put in the text for you."
                    )
                    % {"names": ", ".join(f"audio:{pk}" for pk in missing)},
                )
        wanted = image_ids(data.get("body") or "")
        if wanted:
            known = set(
                LessonImage.objects.filter(lesson=self.lesson, pk__in=wanted).values_list(
                    "pk", flat=True
                )
            )
            if missing := sorted(wanted - known):
                self.add_error(
                    "body",
                    _(
                        "%(names)s: no such image on this lesson. Upload it below and the "
                        "snippet is put in the text for you."
                    )
                    % {"names": ", ".join(f"image:{pk}" for pk in missing)},
                )
        return data

    def version_fields(self) -> dict[str, Any]:
        """The words to store, from a valid form."""
        return {
            k: self.cleaned_data[k]
            for k in ("title", "summary", "body", "minutes", "parts", "change_note")
        }


class CurriculumImportForm(forms.Form):
    file = forms.FileField(
        label=_("Curriculum files (.zip)"),
        help_text=_(
            "A zip of the folder an export gives (programme.md and a folder per language). "
            "To translate, copy en/ to e.g. fr/, translate the words, and zip the folder."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    publish = forms.BooleanField(
        label=_("Publish the new text at once (otherwise it becomes drafts to review)"),
        required=False,
    )


class CheckedImportForm(forms.Form):
    """Import the archive checked a moment ago, kept on the server (prefix ``checked``):
    ``digest`` is its SHA-256, which the kept bytes must still have."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    publish = CurriculumImportForm.base_fields["publish"]


class LessonImageForm(forms.Form):
    """A picture for the lesson, uploaded from the clinic's editor (prefix ``image``).
    Checked by content (``program.curriculum.models.inspect_image``) in ``clean``."""

    file = forms.FileField(
        label=_("Picture (PNG, JPEG, WebP or GIF, at most 2 MB)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )
    alt_text = forms.CharField(
        label=_("What the picture shows"),
        max_length=300,
        help_text=_("Read aloud by screen readers to people who cannot see it. Required."),
    )

    def clean_file(self) -> Any:
        from program.curriculum.models import inspect_image, read_upload

        file = self.cleaned_data["file"]
        self.facts = inspect_image(read_upload(file))
        return file


class RecordingForm(forms.Form):
    """A recording with its title and transcript (prefix ``audio``), checked by content
    (``program.curriculum.audio_checks``) in ``clean``."""

    file = forms.FileField(
        label=_("Recording (MP3, Ogg or M4A)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "audio/mpeg,audio/ogg,audio/mp4,audio/x-m4a,.mp3,.ogg,.oga,.m4a"}
        ),
    )
    title = forms.CharField(label=_("Name shown above the player"), max_length=200)
    transcript = forms.CharField(
        label=_("Transcript"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Every word of the recording. Patients see it beside the player: people who use "
            "a screen reader, cannot hear it, or cannot play sound where they are. Required."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from program.curriculum.audio_checks import MB, max_audio_bytes

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(limit)d MB: speech is clear at 64 kbit/s mono MP3 (about 8 minutes "
            "in 4 MB) or 32 kbit/s Opus."
        ) % {"limit": max_audio_bytes() // MB}

    def clean_file(self) -> Any:
        from program.curriculum.audio_checks import inspect_audio, max_audio_bytes

        file = self.cleaned_data["file"]
        file.seek(0)
        inspect_audio(file.read(max_audio_bytes() + 1))
        file.seek(0)
        return file


class ExerciseRecordingForm(RecordingForm):
    """A recording for a guided exercise, in one language."""

    exercise = forms.ChoiceField(label=_("Exercise"))
    language = forms.ChoiceField(label=_("Language of the recording"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        from program.exercises.models import ExerciseKind

        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["exercise"]).choices = ExerciseKind.choices
        cast(forms.ChoiceField, self.fields["language"]).choices = settings.LANGUAGES
        self.order_fields(["exercise", "language", "file", "title", "transcript"])


class SituationsForm(forms.Form):
    """The patient's optional "About you" checklist (program.rules.situations)."""

    situations = forms.MultipleChoiceField(
        label=_("Tick any that fit you now"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from program.clinical_text import SITUATION_WORDS
        from program.rules.situations import SITUATIONS

        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["situations"])
        field.choices = [(key, SITUATION_WORDS[key]) for key in SITUATIONS]


class LessonSituationsForm(forms.Form):
    """Whom a lesson is for: everyone, or patients in one of these special situations
    (program.rules.situations)."""

    situations = forms.MultipleChoiceField(
        label=_("Only for patients in one of these situations (none ticked: every patient)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from program.clinical_text import SITUATION_NAMES
        from program.rules.situations import SITUATIONS

        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["situations"])
        field.choices = [(key, SITUATION_NAMES[key]) for key in SITUATIONS]
