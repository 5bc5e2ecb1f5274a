"""The curriculum: a programme's weeks and lessons, lesson versions, and each
patient's progress, answers and the therapist's changes to their pace.

A lesson's text lives in ``LessonVersion`` rows, one series per language. A
published version is never changed again: an edit is a new draft, publishing it
gives it the next number. A patient's ``LessonProgress`` pins the version they
started, so a lesson does not change under a reader unless an admin pushes the
new version (``program.curriculum.actions.publish_version(push=True)``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from struct import error as struct_error
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from program.curriculum.lesson_text import expand
from program.curriculum.markup import AudioRef, ImageRef, audio_ids, image_ids, render_markdown
from program.curriculum.parts import problems
from program.enrolment.models import Enrolment, Programme


def validate_parts(parts: object) -> None:
    """A lesson's interactive parts have the shape of ``program.curriculum.parts``; every
    problem is one message."""
    found = problems(parts)
    if found:
        raise ValidationError(found)


def validate_situations(value: object) -> None:
    """A lesson's situations: a list of ``program.rules.situations.SITUATIONS`` keys."""
    from program.rules.situations import SITUATIONS, unknown

    if not isinstance(value, list) or unknown(value):
        raise ValidationError(
            gettext("Situations are a list of these keys: %(keys)s.")
            % {"keys": ", ".join(SITUATIONS)}
        )


class Week(models.Model):
    """A weekly module of a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="modules")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    min_diary_nights = models.PositiveSmallIntegerField(
        default=0,
        help_text=_(
            "Opens only once the diary has this many valid nights (7 for the "
            "sleep-window week; 0: no condition)."
        ),
    )
    # Other languages' title and summary: {"fr": {"title": ..., "summary": ...}}.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="one_week_per_number")
        ]

    def __str__(self) -> str:
        return f"Week {self.number}: {self.title}"

    def title_in(self, language: str) -> str:
        return self.translations.get(language, {}).get("title") or self.title

    def summary_in(self, language: str) -> str:
        return self.translations.get(language, {}).get("summary") or self.summary


class Lesson(models.Model):
    """A lesson's place in a week; its words are in its versions."""

    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    is_required = models.BooleanField(
        default=True,
        help_text=_("The next week waits for required lessons, where the pace says so."),
    )
    # The special situations the lesson is written for (program.rules.situations keys):
    # empty, everyone reads it; else only patients to whom one of them applies, and it is
    # never required (it cannot hold a week, whatever is_required says).
    situations = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_situations],
        help_text=_(
            "Only patients in one of these situations see the lesson, as “Suggested for "
            "you”; empty: every patient."
        ),
    )

    class Meta:
        ordering = ["week__number", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["week", "slug"], name="lesson_slug_per_week")
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def counts_for_progress(self) -> bool:
        """Read by everyone: counted in progress and, when required, in the pace."""
        return not self.situations

    @property
    def holds_the_week(self) -> bool:
        """A required lesson for everyone: the next week waits for it (situational lessons
        never do)."""
        return self.is_required and not self.situations


class PatientSituations(models.Model):
    """A patient's answers to the optional "About you" checklist: which special
    situations apply to them (program.rules.situations). ``answers`` holds every key the
    patient answered, true or false; what the app reads from other records applies where
    they have not answered (``program.curriculum.situations``)."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="situations"
    )
    answers = models.JSONField(default=dict, blank=True)
    # When the patient last saved the checklist (None: only "Not now" was pressed).
    answered_at = models.DateTimeField(null=True, blank=True)
    # When the patient last saved or skipped it: Today stops asking.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "patient situations"

    def __str__(self) -> str:
        return f"Situations of {self.patient_id}"


class LessonVersionQuerySet(models.QuerySet["LessonVersion"]):
    def published(self) -> LessonVersionQuerySet:
        return self.filter(status=LessonVersion.Status.PUBLISHED)

    def drafts(self) -> LessonVersionQuerySet:
        return self.filter(status=LessonVersion.Status.DRAFT)


class LessonVersion(models.Model):
    """The words of a lesson in one language. Published versions are immutable."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    # Numbered 1, 2, 3… per lesson and language when published; drafts have none.
    number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField(help_text=_("Markdown. Start headings at ##; end with a Sources list."))
    body_html = models.TextField(editable=False, blank=True)
    minutes = models.PositiveSmallIntegerField("estimated minutes", default=5)
    parts = models.JSONField(
        "interactive parts",
        default=list,
        blank=True,
        validators=[validate_parts],
        help_text=_("A list of quizzes, reflections, checklists and worksheets (see the README)."),
    )
    change_note = models.CharField(max_length=300, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = LessonVersionQuerySet.as_manager()

    class Meta:
        ordering = ["lesson", "language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "language", "number"], name="one_version_number_per_language"
            ),
            models.UniqueConstraint(
                fields=["lesson", "language"],
                condition=models.Q(status="draft"),
                name="one_draft_per_lesson_language",
            ),
        ]

    def __str__(self) -> str:
        label = f"v{self.number}" if self.number else "draft"
        return f"{self.title} ({self.language}, {label})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and (
            type(self).objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()
        ):
            raise ValidationError("A published version cannot be changed. Make a new draft.")
        # Rendered and sanitised at save time with the default settings (approval
        # required, the default protocol): the admin's lists and search read it. A
        # reader's page renders the body for their own programme and protocol
        # (program.curriculum.lesson_values.render_lesson).
        from program.curriculum.lesson_values import default_values

        text = expand(self.body, default_values())
        self.body_html = render_markdown(
            text,
            images=lesson_image_refs(self.lesson_id, text),
            recordings=lesson_audio_refs(self.lesson_id, text),
        )
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class LessonProgress(models.Model):
    """A patient's reading of one lesson, pinned to the version they started."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    version = models.ForeignKey(LessonVersion, on_delete=models.PROTECT, related_name="readers")
    started_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "lesson progress"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="one_progress_per_lesson")
        ]
        indexes = [models.Index(fields=["enrolment", "-last_opened_at"])]

    def __str__(self) -> str:
        return f"{self.enrolment.patient_id} reading {self.lesson}"


class LessonAnswer(models.Model):
    """A patient's answer to one interactive part; private unless they share it."""

    progress = models.ForeignKey(LessonProgress, on_delete=models.CASCADE, related_name="answers")
    part_key = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    shared_with_therapist = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["progress", "part_key"], name="one_answer_per_part")
        ]

    def __str__(self) -> str:
        return f"Answer to {self.part_key}"


class EnrolmentChange(models.Model):
    """A therapist's change to a patient's pace; the pace rules read these."""

    class Kind(models.TextChoices):
        PAUSE = "pause", _("Paused")
        RESUME = "resume", _("Resumed")
        EXTEND = "extend", _("Extended a week")
        ADVANCE = "advance", _("Opened the next week")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("The week extended or opened.")
    )
    days = models.PositiveSmallIntegerField(default=0)
    # The patient's local date the change takes effect.
    on_date = models.DateField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on_date}"


# --- Uploaded lesson images ----------------------------------------------------------

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# Far more than a lesson needs (a 12-megapixel photo is 4000×3000). A small file that
# unpacks to a huge picture (a "decompression bomb") is refused from the size its header
# states, before any pixel is decoded: decoding 12 million pixels takes at most 48 MB.
MAX_IMAGE_PIXELS = 12_000_000
# Pillow's name for the format → (file extension, content type). Checked from the
# file's content, never its name: SVG is not here (it can carry scripts).
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
EXTENSION_TYPES = dict(IMAGE_FORMATS.values())


@dataclass(frozen=True)
class ImageFacts:
    digest: str
    extension: str
    width: int
    height: int
    size: int


def inspect_image(data: bytes) -> ImageFacts:
    """What an uploaded file really is, or a ValidationError a clinic admin can act on.

    In this order, each step only after the one before passed: the file's size; its
    format and pixel count from the header alone (Pillow's ``Image.open`` reads nothing
    more, and itself raises ``DecompressionBombError`` past twice its ``MAX_IMAGE_PIXELS``,
    which we leave at Pillow's default because the PDF export shares it); the format's own
    block structure, which must end exactly where the file ends (no page or script glued
    after the picture; see ``program.curriculum.image_checks``); and last a full decode of
    the pixels.

    A file with anything after its picture is refused rather than re-encoded: the stored
    bytes stay exactly the admin's (same hash, same quality, animation and colour profile
    kept, the same file after an export and import), and a tampered file is noticed
    instead of silently cleaned.
    """
    from PIL import Image, UnidentifiedImageError

    from program.curriculum.image_checks import Malformed, picture_end

    not_an_image = ValidationError(
        gettext("This file is not a PNG, JPEG, WebP or GIF image (whatever its name says).")
    )
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            gettext(
                "This file is %(size).1f MB; images can be at most %(limit)d MB. "
                "Save it smaller (e.g. as WebP or JPEG)."
            )
            % {"size": len(data) / 1024 / 1024, "limit": MAX_IMAGE_BYTES // 1024 // 1024}
        )
    too_many_pixels = gettext(
        "This picture is %(width)d×%(height)d pixels; images can have at most "
        "%(limit)d million pixels (e.g. 4000×3000). Save it smaller."
    )
    try:
        picture = Image.open(BytesIO(data))
    except Image.DecompressionBombError:
        raise ValidationError(
            gettext(
                "This file says its picture has more than %(pillow)d million pixels; images "
                "can have at most %(limit)d million (e.g. 4000×3000). Save it smaller."
            )
            % {
                "pillow": 2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000,
                "limit": MAX_IMAGE_PIXELS // 1_000_000,
            }
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct_error):
        raise not_an_image from None
    with picture:
        kind, (width, height) = picture.format, picture.size
        if kind not in IMAGE_FORMATS:
            raise ValidationError(
                gettext("%(kind)s images are not accepted: use PNG, JPEG, WebP or GIF.")
                % {"kind": kind}
            )
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                too_many_pixels
                % {"width": width, "height": height, "limit": MAX_IMAGE_PIXELS // 1_000_000}
            )
        try:
            end = picture_end(data, kind)
        except Malformed:
            raise not_an_image from None
        if end != len(data):
            raise ValidationError(
                gettext(
                    "This file has %(extra)d bytes of something else after its picture. "
                    "Open it in an image editor and save it again as a new file."
                )
                % {"extra": len(data) - end}
            )
        try:
            picture.load()  # decodes every pixel: a damaged picture fails here
        except (OSError, SyntaxError, ValueError, struct_error, EOFError):
            raise not_an_image from None
    return ImageFacts(
        digest=hashlib.sha256(data).hexdigest(),
        extension=IMAGE_FORMATS[kind][0],
        width=width,
        height=height,
        size=len(data),
    )


def read_upload(file: Any) -> bytes:
    """All of an uploaded (or stored) file's bytes, at most one byte past the limit."""
    file.seek(0)
    data: bytes = file.read(MAX_IMAGE_BYTES + 1)
    file.seek(0)
    return data


def validate_lesson_image(file: Any) -> None:
    inspect_image(read_upload(file))


def image_upload_path(image: LessonImage, filename: str) -> str:
    # Named by content: the same picture uploaded twice is one file.
    return f"lesson-images/{image.digest}.{image.extension}"


def image_ref(image: Any) -> ImageRef:
    """The image as the rendered lesson needs it. Plain fields only, so that the
    curriculum import can call it with a migration's historical model."""
    from django.urls import reverse

    return ImageRef(
        url=reverse("program:lesson_image", args=[image.pk, image.digest, image.extension]),
        alt=image.alt_text,
        width=image.width,
        height=image.height,
    )


class LessonImage(models.Model):
    """A picture uploaded for a lesson, shown in its Markdown as ``![alt](image:ID)``.

    The file never changes once uploaded (a new picture is a new image): its URL
    carries its content hash, so browsers may keep it for a year, and published
    versions that show it keep showing the same picture.
    """

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(
        "image",
        upload_to=image_upload_path,
        validators=[validate_lesson_image],
        help_text="PNG, JPEG, WebP or GIF, at most 2 MB.",
    )
    alt_text = models.CharField(
        max_length=300,
        help_text="What the picture shows, for people who cannot see it (read aloud by "
        "screen readers). Required.",
    )
    digest = models.CharField(max_length=64, editable=False)
    extension = models.CharField(max_length=4, editable=False)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesson", "pk"]

    def __str__(self) -> str:
        return f"Image {self.pk}: {self.alt_text[:60]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and self.digest:
            stored = type(self).objects.filter(pk=self.pk).values_list("file", flat=True).first()
            if stored is not None and stored != self.file.name:
                raise ValidationError("An uploaded image cannot be replaced: upload a new one.")
        elif not self.digest:
            facts = inspect_image(read_upload(self.file))
            self.digest, self.extension = facts.digest, facts.extension
            self.width, self.height, self.size = facts.width, facts.height, facts.size
            self.original_name = Path(self.file.name or "").name[:255]
        super().save(*args, **kwargs)

    @property
    def content_type(self) -> str:
        return EXTENSION_TYPES[self.extension]

    @property
    def markdown(self) -> str:
        """The snippet to paste into the lesson's Markdown."""
        alt = self.alt_text.replace("[", "(").replace("]", ")")
        return f"![{alt}](image:{self.pk})"

    def ref(self) -> ImageRef:
        return image_ref(self)


def lesson_image_refs(lesson_id: int | None, body: str) -> dict[int, ImageRef]:
    """The lesson's images that ``body`` refers to, by id (no query when it refers to none)."""
    wanted = image_ids(body)
    if not wanted or lesson_id is None:
        return {}
    return {
        image.pk: image_ref(image)
        for image in LessonImage.objects.filter(lesson_id=lesson_id, pk__in=wanted)
    }


# --- Uploaded recordings (a lesson's or a guided exercise's) ------------------------------


def audio_upload_path(recording: AudioRecording, filename: str) -> str:
    # Named by content, like the images.
    return f"recordings/{recording.digest}.{recording.extension}"


def audio_ref(recording: Any) -> AudioRef:
    """The recording as the rendered lesson needs it (plain fields only, for the import)."""
    from django.urls import reverse

    return AudioRef(
        url=reverse(
            "program:recording", args=[recording.pk, recording.digest, recording.extension]
        ),
        title=recording.title,
        transcript=recording.transcript,
        label=gettext("Transcript"),
    )


class AudioRecording(models.Model):
    """A clinic's own recording: of a lesson (shown where a version's Markdown says
    ``![title](audio:ID)``) or of a guided exercise (shown on its page to patients of
    its language). The transcript is required: it is shown beside the player, for
    screen-reader users and anyone who cannot play sound. The file never changes once
    uploaded (its URL carries its content hash)."""

    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.CASCADE, related_name="recordings"
    )
    # A program.exercises.models.ExerciseKind value, for an exercise's recording.
    exercise = models.CharField(max_length=16, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    title = models.CharField(max_length=200)
    transcript = models.TextField()
    file = models.FileField(upload_to=audio_upload_path)
    digest = models.CharField(max_length=64, editable=False)
    extension = models.CharField(max_length=4, editable=False)
    seconds = models.PositiveIntegerField(default=0, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lesson", "exercise", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(lesson__isnull=False) & models.Q(exercise=""))
                | (models.Q(lesson__isnull=True) & ~models.Q(exercise="")),
                name="recording_of_a_lesson_or_an_exercise",
            )
        ]

    def __str__(self) -> str:
        return f"Recording {self.pk}: {self.title[:60]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from program.curriculum.audio_checks import inspect_audio, max_audio_bytes

        if not self.digest:
            self.file.seek(0)
            facts = inspect_audio(self.file.read(max_audio_bytes() + 1))
            self.file.seek(0)
            self.digest, self.extension = facts.digest, facts.extension
            self.seconds, self.size = facts.seconds, facts.size
            self.original_name = Path(self.file.name or "").name[:255]
        super().save(*args, **kwargs)

    @property
    def content_type(self) -> str:
        from program.curriculum.audio_checks import AUDIO_TYPES

        return AUDIO_TYPES[self.extension]

    @property
    def markdown(self) -> str:
        """The snippet that shows the player in a lesson's Markdown."""
        title = self.title.replace("[", "(").replace("]", ")")
        return f"![{title}](audio:{self.pk})"

    @property
    def url(self) -> str:
        return audio_ref(self).url


def lesson_audio_refs(lesson_id: int | None, body: str) -> dict[int, AudioRef]:
    """The lesson's recordings that ``body`` refers to, by id (no query when none)."""
    wanted = audio_ids(body)
    if not wanted or lesson_id is None:
        return {}
    return {
        recording.pk: audio_ref(recording)
        for recording in AudioRecording.objects.filter(lesson_id=lesson_id, pk__in=wanted)
    }
