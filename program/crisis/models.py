"""The clinic's crisis contacts: data, per country (and language where a country has
several lines), edited by clinic admins on /clinic/crisis-contacts/ and shown on every
page's footer and in every crisis message (``program.crisis.actions``). Defaults ship
in migration ``0032_crisis_contacts``, each checked against its source
(docs/sources.md, "Crisis contacts")."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Digits, spaces, and the + - ( ) . / a dialled number is written with.
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")


def validate_phone(value: str) -> None:
    if not PHONE.fullmatch(value.strip()) or sum(c.isdigit() for c in value) < 2:
        raise ValidationError(
            _(
                "“%(value)s” is not a phone number: use digits, spaces and + - ( ) only, "
                "e.g. 116 123 or 0800 111 0 111."
            ),
            params={"value": value},
        )


def validate_emergency(value: str) -> None:
    """One number, or alternatives with "/" between them ("15 / 112")."""
    for number in value.split("/"):
        validate_phone(number)


class CrisisContactQuerySet(models.QuerySet["CrisisContact"]):
    def active(self) -> CrisisContactQuerySet:
        return self.filter(is_active=True)


class CrisisContact(models.Model):
    country = models.CharField(_("country"), max_length=2, db_index=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_(
            "Only for patients who use this language. Leave empty for everyone in the country."
        ),
    )
    name = models.CharField(_("name"), max_length=120, help_text=_("e.g. Samaritans"))
    phone = models.CharField(
        _("phone number"), max_length=30, validators=[validate_phone], help_text=_("e.g. 116 123")
    )
    text_number = models.CharField(
        _("number to text"),
        max_length=30,
        blank=True,
        validators=[validate_phone],
        help_text=_("If the line also answers text messages. Leave empty if not."),
    )
    hours = models.CharField(_("hours"), max_length=60, default="24/7")
    emergency_number = models.CharField(
        _("emergency number"),
        max_length=20,
        validators=[validate_emergency],
        help_text=_(
            "The country's emergency number, e.g. 999, 112, 911 or 000. Put “/” between "
            "two, e.g. 15 / 112."
        ),
    )
    url = models.URLField(_("website"), blank=True)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(
        _("shown to patients"), default=True, help_text=_("Untick to stop showing this line.")
    )
    last_checked = models.DateField(
        _("last checked"),
        default=timezone.localdate,
        help_text=_("When someone last checked this number against its official source."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CrisisContactQuerySet.as_manager()

    class Meta:
        ordering = ["country", "order", "name"]
        verbose_name = _("crisis contact")
        verbose_name_plural = _("crisis contacts")

    def __str__(self) -> str:
        return f"{self.country}: {self.name} {self.phone}"

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").upper()
        for field in ("name", "phone", "text_number", "hours", "emergency_number"):
            setattr(self, field, (getattr(self, field) or "").strip())
