"""The curriculum in the Django admin: weeks and lessons in order, drafts, a preview
exactly as a patient sees it, publishing (optionally pushed to readers part-way),
comparing versions and restoring an old one as a new draft.

A published version cannot be edited (the model refuses); "Edit" on a lesson opens
its draft, made from the latest published version when there is none.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from program.curriculum.actions import publish_version, push_version, start_draft
from program.curriculum.compare import diff_lines
from program.curriculum.forms import PartsField
from program.curriculum.lesson_text import problems as lesson_problems
from program.curriculum.lesson_values import preview_values
from program.curriculum.markup import image_ids
from program.models import Lesson, LessonImage, LessonProgress, LessonVersion, Week

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LessonVersionForm(forms.ModelForm):
    parts = PartsField(
        required=False,
        help_text=_("Quizzes, reflections, checklists and worksheets, in YAML. See the README."),
    )

    class Meta:
        model = LessonVersion
        fields = ["lesson", "language", "title", "summary", "body", "minutes", "parts"]
        help_texts = {
            "body": _(
                "Markdown. Start headings at ##; end with a Sources list. For a picture, "
                "upload it on the lesson's page (Lessons → the lesson → Images) and paste the "
                "snippet shown there, e.g. ![what it shows](image:12). Words that follow the "
                "programme's settings: {{ floor }}, {{ step }}, {{ extend_at }}, "
                "{{ min_nights }}, {{ nap_rule }}, and blocks from “::: if approval_required” "
                "(or self_guided) through an optional “::: else” to “:::” (see "
                "docs/curriculum.md)."
            ),
        }

    def clean_body(self) -> str:
        body: str = self.cleaned_data.get("body") or ""
        if mistakes := lesson_problems(body):
            raise ValidationError(mistakes)
        return body

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lesson = data.get("lesson") or getattr(self.instance, "lesson", None)
        wanted = image_ids(data.get("body") or "")
        if wanted and lesson is not None:
            known = set(
                LessonImage.objects.filter(lesson=lesson, pk__in=wanted).values_list(
                    "pk", flat=True
                )
            )
            if missing := sorted(wanted - known):
                names = ", ".join(f"image:{pk}" for pk in missing)
                self.add_error(
                    "body",
                    _(
                        "%(names)s: no such image on this lesson. Upload it on the lesson's page "
                        "and paste the snippet shown there."
                    )
                    % {"names": names},
                )
        return data


def _staff(request: HttpRequest) -> User:
    """The admin site serves signed-in staff only (``AdminSite.has_permission``)."""
    return cast(User, request.user)


class StoredImageWidget(forms.Widget):
    """An uploaded image as it is served (it cannot be replaced, only deleted)."""

    def __init__(self, image: LessonImage) -> None:
        super().__init__()
        self.image = image

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        image = self.image
        return format_html(
            '<img class="lesson-image-thumb" src="{}" alt="{}" width="{}" height="{}">'
            "<small>{} · {}×{} · {} KB</small>",
            image.ref().url,
            image.alt_text,
            image.width,
            image.height,
            image.original_name,
            image.width,
            image.height,
            round(image.size / 1024),
        )


class LessonImageForm(forms.ModelForm):
    class Meta:
        model = LessonImage
        fields = ["file", "alt_text"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": "image/*"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A stored picture is never replaced (its URL holds its hash): show it instead.
            self.fields["file"].disabled = True
            self.fields["file"].required = False
            self.fields["file"].widget = StoredImageWidget(self.instance)


class LessonImageFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """Refuse to delete a picture a lesson version still shows."""
        super().clean()
        doomed = {
            form.instance.pk for form in self.deleted_forms if form.instance.pk and not form.errors
        }
        if not doomed:
            return
        for version in LessonVersion.objects.filter(lesson=self.instance).only(
            "title", "language", "number", "status", "body"
        ):
            if used := doomed & image_ids(version.body):
                names = ", ".join(f"image:{pk}" for pk in sorted(used))
                raise ValidationError(
                    _(
                        "%(names)s is shown in “%(version)s”; take it out of every version first "
                        "(published versions keep their pictures, so it stays)."
                    )
                    % {"names": names, "version": version}
                )


class LessonImageInline(admin.TabularInline):
    """Pictures for the lesson: upload, then paste the snippet into a version's Markdown."""

    model = LessonImage
    form = LessonImageForm
    formset = LessonImageFormSet
    extra = 1
    fields = ["file", "alt_text", "snippet"]
    readonly_fields = ["snippet"]
    verbose_name_plural = _("Images (paste the snippet into the lesson's Markdown)")

    @admin.display(description=_("Markdown to paste"))
    def snippet(self, image: LessonImage) -> str:
        if not image.pk:
            return str(_("Shown once the image is saved."))
        return format_html('<code class="lesson-image-snippet">{}</code>', image.markdown)


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["order", "slug", "is_required"]
    ordering = ["order"]
    show_change_link = True


@admin.register(Week)
class WeekAdmin(admin.ModelAdmin):
    list_display = ["programme", "number", "title", "min_diary_nights"]
    list_display_links = ["title"]
    list_filter = ["programme"]
    list_select_related = ["programme"]
    ordering = ["programme", "number"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "week", "order", "is_required", "title"]
    list_editable = ["order", "is_required"]
    list_filter = ["week__programme", "week"]
    list_select_related = ["week"]
    ordering = ["week__number", "order"]
    readonly_fields = ["versions"]
    fields = ["week", "slug", "order", "is_required", "situations", "versions"]
    inlines = [LessonImageInline]

    class Media:
        css = {"all": ["css/admin-curriculum.css"]}

    def get_queryset(self, request: HttpRequest) -> Any:
        # The English title: the draft's if there is one ("draft" sorts before "published"),
        # else the latest published version's; one subquery, not a query per row.
        english = LessonVersion.objects.filter(lesson=OuterRef("pk"), language="en").order_by(
            "status", "-number"
        )
        return (
            super().get_queryset(request).annotate(en_title=Subquery(english.values("title")[:1]))
        )

    @admin.display(description=_("Title (English)"))
    def title(self, lesson: Lesson) -> str:
        return getattr(lesson, "en_title", None) or "—"

    @admin.display(description=_("Versions"))
    def versions(self, lesson: Lesson) -> str:
        if not lesson.pk:
            return "—"
        rows = []
        for version in lesson.versions.order_by("language", "-number"):
            label = f"v{version.number}" if version.number else _("draft")
            rows.append(
                (
                    reverse("admin:program_lessonversion_change", args=[version.pk]),
                    f"{version.get_language_display()} {label}",
                    version.title,
                    version.published_at.strftime("%Y-%m-%d") if version.published_at else "",
                )
            )
        listing = format_html_join("", '<li><a href="{}">{}</a>: {} {}</li>', rows) or format_html(
            "<li>{}</li>", _("No versions yet.")
        )
        draft = reverse("admin:program_lessonversion_start_draft", args=[lesson.pk, "en"])
        return format_html(
            '<ul>{}</ul><p><a class="button" href="{}">{}</a></p>',
            listing,
            draft,
            _("Edit the English draft"),
        )


@admin.register(LessonVersion)
class LessonVersionAdmin(admin.ModelAdmin):
    form = LessonVersionForm
    list_display = ["title", "lesson", "language", "label", "status", "published_at"]
    list_filter = ["status", "language", "lesson__week__programme", "lesson__week"]
    list_select_related = ["lesson"]
    search_fields = ["title", "body", "lesson__slug"]
    ordering = ["lesson__week__number", "lesson__order", "language", "-number"]

    class Media:
        css = {"all": ["css/admin-curriculum.css"]}

    @admin.display(description=_("Version"))
    def label(self, version: LessonVersion) -> str:
        return f"v{version.number}" if version.number else str(_("draft"))

    @admin.display(description=_("Actions"))
    def tools(self, version: LessonVersion) -> str:
        if not version.pk:
            return str(_("Save the draft first; then you can preview and publish it."))
        links = [(_("Preview as a patient sees it"), "preview"), (_("Compare"), "compare")]
        if version.is_published:
            links += [
                (_("Push to patients part-way"), "push"),
                (_("Restore as a new draft"), "restore"),
            ]
        else:
            links += [(_("Publish"), "publish")]
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse(f"admin:program_lessonversion_{name}", args=[version.pk]), text)
                for text, name in links
            ),
        )

    @admin.display(description=_("Interactive parts"))
    def parts_yaml(self, version: LessonVersion) -> str:
        return format_html('<pre class="parts">{}</pre>', PartsField().prepare_value(version.parts))

    def get_fields(  # type: ignore[override]  # a plain list of names is all it returns
        self, request: HttpRequest, obj: LessonVersion | None = None
    ) -> list[str]:
        fields = ["lesson", "language", "title", "summary", "body", "minutes", "parts"]
        if obj is None:
            return fields
        if obj.is_published:
            fields[-1] = "parts_yaml"
        return ["tools", "label", "status", *fields, "change_note", "based_on", "published_at"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        version = (
            LessonVersion.objects.filter(pk=object_id).only("status").first()
            if str(object_id).isdigit()
            else None
        )
        if version is not None and version.is_published:
            # Nothing to save: a published version is read-only.
            extra_context = {
                **(extra_context or {}),
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(
        self, request: HttpRequest, obj: LessonVersion | None = None
    ) -> list[str]:
        if obj is None:
            return []
        always = ["tools", "label", "status", "based_on", "published_at", "lesson", "language"]
        if obj.is_published:
            return [*always, "title", "summary", "body", "minutes", "parts_yaml", "change_note"]
        return always

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)

    def save_model(self, request: HttpRequest, obj: LessonVersion, form: Any, change: bool) -> None:
        if obj.is_published:
            raise PermissionDenied
        if not change:
            obj.created_by = _staff(request)
        obj.save()

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/preview/",
                wrap(self.preview_view),
                name="program_lessonversion_preview",
            ),
            path(
                "<int:pk>/compare/",
                wrap(self.compare_view),
                name="program_lessonversion_compare",
            ),
            path(
                "<int:pk>/publish/",
                wrap(self.publish_view),
                name="program_lessonversion_publish",
            ),
            path("<int:pk>/push/", wrap(self.push_view), name="program_lessonversion_push"),
            path(
                "<int:pk>/restore/",
                wrap(self.restore_view),
                name="program_lessonversion_restore",
            ),
            path(
                "draft/<int:lesson_id>/<str:language>/",
                wrap(self.start_draft_view),
                name="program_lessonversion_start_draft",
            ),
            *super().get_urls(),
        ]

    # --- custom views ---------------------------------------------------------------

    def _version(self, request: HttpRequest, pk: int, *, change: bool = False) -> LessonVersion:
        if not self.has_view_permission(request) or (
            change and not self.has_change_permission(request)
        ):
            raise PermissionDenied
        return get_object_or_404(
            LessonVersion.objects.select_related("lesson__week__programme"), pk=pk
        )

    def _change_url(self, version: LessonVersion) -> str:
        return reverse("admin:program_lessonversion_change", args=[version.pk])

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The patient's lesson template, with the draft's text and buttons switched off."""
        from program.curriculum.views import lesson_context

        version = self._version(request, pk)
        week = version.lesson.week
        # Enough of the patient's week for the page's header ("Week 1 · About 7 minutes").
        shown_week = SimpleNamespace(number=week.number, title=week.title_in(version.language))
        # Shown with the settings chosen above the preview, else the lesson's programme's.
        settings_shown = preview_values(week.programme, request.GET)
        ctx = lesson_context(
            version=version,
            progress=None,
            # A stand-in for the week: the page reads only its number and title.
            week=shown_week,  # type: ignore[arg-type]
            preview=True,
            values=settings_shown.values,
        )
        ctx["back_url"] = self._change_url(version)
        ctx["preview_settings"] = settings_shown
        ctx["template_problems"] = lesson_problems(version.body)
        return render(request, "program/lesson.html", ctx)

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk)
        others = LessonVersion.objects.filter(
            lesson=version.lesson, language=version.language
        ).exclude(pk=version.pk)
        other_id = request.GET.get("with")
        other: LessonVersion | None
        if other_id and other_id.isdigit():
            other = get_object_or_404(others, pk=int(other_id))
        else:
            other = (
                version.based_on
                or others.filter(status=LessonVersion.Status.PUBLISHED).order_by("-number").first()
            )
        ctx = {
            **self.admin_site.each_context(request),
            "title": _("Compare: %(version)s") % {"version": version},
            "version": version,
            "other": other,
            "others": others.order_by("-number"),
            "lines": diff_lines(other, version) if other else [],
            "change_url": self._change_url(version),
        }
        return render(request, "admin/program/lessonversion/compare.html", ctx)

    def _confirm(
        self,
        request: HttpRequest,
        version: LessonVersion,
        *,
        title: StrOrPromise,
        text: StrOrPromise,
        **extra: Any,
    ) -> HttpResponse:
        ctx = {
            **self.admin_site.each_context(request),
            "title": title,
            "text": text,
            "version": version,
            "change_url": self._change_url(version),
            **extra,
        }
        return render(request, "admin/program/lessonversion/confirm.html", ctx)

    def _readers(self, version: LessonVersion) -> int:
        return (
            LessonProgress.objects.filter(
                lesson=version.lesson,
                version__language=version.language,
                completed_at__isnull=True,
            )
            .exclude(version=version)
            .count()
        )

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, change=True)
        if version.is_published:
            messages.info(request, _("This version is already published."))
            return HttpResponseRedirect(self._change_url(version))
        if mistakes := lesson_problems(version.body):
            messages.error(
                request,
                _("This draft cannot be published until its text is corrected: %(problems)s")
                % {"problems": " ".join(mistakes)},
            )
            return HttpResponseRedirect(self._change_url(version))
        if request.method == "POST":
            moved = publish_version(
                version=version,
                user=_staff(request),
                push=request.POST.get("push") == "on",
            )
            messages.success(
                request,
                _("Published as version %(number)s.") % {"number": version.number}
                + (
                    " "
                    + ngettext(
                        "%(moved)s patient part-way through now reads it.",
                        "%(moved)s patients part-way through now read it.",
                        moved,
                    )
                    % {"moved": moved}
                    if moved
                    else ""
                ),
            )
            return HttpResponseRedirect(self._change_url(version))
        return self._confirm(
            request,
            version,
            title=_("Publish “%(title)s”") % {"title": version.title},
            text=_(
                "New readers will get this version. Patients part-way through the lesson "
                "keep the version they started, unless you push this one to them."
            ),
            offer_push=True,
            readers=self._readers(version),
            button=_("Publish"),
        )

    def push_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, change=True)
        if request.method == "POST":
            moved = push_version(version=version)
            messages.success(
                request,
                ngettext(
                    "%(moved)s patient part-way through now reads this version.",
                    "%(moved)s patients part-way through now read this version.",
                    moved,
                )
                % {"moved": moved},
            )
            return HttpResponseRedirect(self._change_url(version))
        return self._confirm(
            request,
            version,
            title=_("Push version %(number)s to patients part-way") % {"number": version.number},
            text=ngettext(
                "%(readers)s patient who started this lesson and has not "
                "finished it will see this version; their answers are kept.",
                "%(readers)s patients who started this lesson and have not "
                "finished it will see this version; their answers are kept.",
                self._readers(version),
            )
            % {"readers": self._readers(version)},
            button=_("Push"),
        )

    def restore_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk, change=True)
        if request.method == "POST":
            draft = start_draft(
                lesson=version.lesson,
                language=version.language,
                user=_staff(request),
                source=version,
            )
            messages.success(
                request,
                _("A draft now holds version %(number)s's text. Publish it to restore.")
                % {"number": version.number},
            )
            return HttpResponseRedirect(self._change_url(draft))
        return self._confirm(
            request,
            version,
            title=_("Restore version %(number)s as a new draft") % {"number": version.number},
            text=_(
                "The lesson's draft (made if there is none) will hold this version's text. "
                "Nothing changes for patients until you publish the draft."
            ),
            button=_("Make the draft"),
        )

    def start_draft_view(self, request: HttpRequest, lesson_id: int, language: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        if language not in dict(settings.LANGUAGES):
            raise Http404
        lesson = get_object_or_404(Lesson, pk=lesson_id)
        draft = start_draft(lesson=lesson, language=language, user=_staff(request))
        return HttpResponseRedirect(self._change_url(draft))
