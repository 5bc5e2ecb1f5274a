"""Risk flags a clinic configures (issue 16): phrases looked for in what patients write,
and instrument items whose answer at or above a threshold starts the one risk workflow
(``program.risk.actions``). Clinic data, kept by its admins on /clinic/risk-flags/; the
matching is the pure rule ``program.rules.risk_flags``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
