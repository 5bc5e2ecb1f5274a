"""The upload of a device's sleep export."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from program.rules import device_sleep
from program.wearables import apple_health

# What each reason a file could not be read means, in words (apple_health.ExportError).
EXPORT_ERRORS = {
    "not_xml": _(
        "That file is not an Apple Health export. Choose export.zip (or the export.xml "
        "inside it) from the Health app's “Export All Health Data”."
    ),
    "not_export": _(
        "That file is not an Apple Health export: it has no export.xml with health records. "
        "Choose export.zip from the Health app's “Export All Health Data”."
    ),
    "bad_zip": _("That zip file could not be opened. Export it again from the Health app."),
    "unsafe": _(
        "That file declares entities or refers to other files, which an Apple Health export "
        "never does, so it was not read."
    ),
    "too_large": _("That export is too large to read here (more than 1 GB of records)."),
    "too_many": _("That export holds too many sleep records to read here."),
}


class DeviceExportForm(forms.Form):
    read: apple_health.Export | None = None  # what the file held, once it is valid

    export = forms.FileField(
        label=_("Apple Health export"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.xml,application/zip,text/xml"}),
        help_text=_(
            "On your iPhone: Health app, your picture (top right), “Export All Health Data”. "
            "Choose the export.zip it makes, or the export.xml inside it."
        ),
    )

    def clean_export(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["export"]
        limit = settings.DEVICE_EXPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("That file is larger than %(size)s.") % {"size": filesizeformat(limit)}
            )
        try:
            self.read = apple_health.read(upload)
        except apple_health.ExportError as error:
            raise forms.ValidationError(EXPORT_ERRORS[error.code]) from error
        return upload


class DeviceVisibilityForm(forms.Form):
    hidden = forms.BooleanField(required=False)


class DeviceFlagForm(forms.Form):
    """The therapist's threshold for flagging a night (minutes of total sleep)."""

    threshold = forms.IntegerField(
        label=_("Flag nights whose total sleep differs by more than (minutes)"),
        min_value=device_sleep.FLAG_MIN_LOWEST,
        max_value=device_sleep.FLAG_MIN_HIGHEST,
        error_messages={
            "required": _("Enter a number of minutes, for example 60."),
            "invalid": _("Enter a whole number of minutes, for example 60."),
            "min_value": _("Enter at least %(limit_value)s minutes."),
            "max_value": _("Enter at most %(limit_value)s minutes (10 hours)."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
