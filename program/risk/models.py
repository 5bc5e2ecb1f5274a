"""Risk flags a clinic configures (issue 16): phrases looked for in what patients write,
and instrument items whose answer at or above a threshold starts the one risk workflow
(``program.risk.actions``). Clinic data, kept by its admins on /clinic/risk-flags/; the
matching is the pure rule ``program.rules.risk_flags``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from program.rules import rota


class RiskRuleQuerySet(models.QuerySet["RiskRule"]):
    def active(self) -> RiskRuleQuerySet:
        return self.filter(is_active=True)


class RiskRule(models.Model):
    class Kind(models.TextChoices):
        PHRASE = "phrase", _("Words in what a patient writes")
        ITEM = "item", _("An answer to a questionnaire item")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    phrase = models.CharField(max_length=100, blank=True)
    instrument = models.CharField(max_length=20, blank=True, help_text=_("An instrument's key."))
    item = models.CharField(max_length=30, blank=True, help_text=_("An item's key in it."))
    threshold = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RiskRuleQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "instrument", "item", "phrase"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="phrase", phrase__gt="")
                    | models.Q(kind="item", instrument__gt="", item__gt="", threshold__gte=1)
                ),
                name="risk_rule_complete",
            ),
            models.UniqueConstraint(
                fields=["phrase"], condition=models.Q(kind="phrase"), name="one_risk_phrase"
            ),
            models.UniqueConstraint(
                fields=["instrument", "item"],
                condition=models.Q(kind="item"),
                name="one_risk_item_rule",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.PHRASE:
            return f"“{self.phrase}”"
        return f"{self.instrument} {self.item} ≥ {self.threshold}"


class RotaLine(models.Model):
    """One line of the duty list's rota (``program.rules.rota``): a weekly shift (a weekday
    and two wall-clock times in ``CLINIC_TIME_ZONE``) or a run of whole days. Clinic data,
    kept by its admins on /clinic/duty/rota/; read by the alert routing
    (``program.risk.actions.duty_now``)."""

    member = models.EmailField(help_text=_("An address on the duty list."))
    weekday = models.PositiveSmallIntegerField(null=True, blank=True, choices=WEEKDAYS.items())
    starts = models.TimeField(null=True, blank=True)
    ends = models.TimeField(null=True, blank=True)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["member", "first_day", "weekday", "starts", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        weekday__gte=0,
                        weekday__lte=6,
                        starts__isnull=False,
                        ends__isnull=False,
                        first_day__isnull=True,
                        last_day__isnull=True,
                    )
                    | models.Q(
                        weekday__isnull=True,
                        starts__isnull=True,
                        ends__isnull=True,
                        first_day__isnull=False,
                        last_day__gte=models.F("first_day"),
                    )
                ),
                name="rota_line_weekly_or_dates",
            )
        ]

    def __str__(self) -> str:
        if self.weekday is not None:
            return f"{self.member}: {rota.DAYS[self.weekday]} {self.starts:%H:%M}-{self.ends:%H:%M}"
        return f"{self.member}: {self.first_day} to {self.last_day}"

    def as_rule(self) -> rota.Line:
        if self.weekday is not None and self.starts is not None and self.ends is not None:
            return rota.Weekly(self.member, self.weekday, self.starts, self.ends)
        if self.first_day is None or self.last_day is None:
            raise ValueError("a rota line is weekly hours or a range of days")
        return rota.Dates(self.member, self.first_day, self.last_day)
