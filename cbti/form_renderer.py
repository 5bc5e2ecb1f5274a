"""Forms rendered by Jinja2: Django's own widget templates, and the app's field group.

Django renders each widget of a form through a template, and each field's label, help and
errors around it (``{{ form.name.as_field_group }}``, templates/jinja2/forms/field.html). On
the diary form (25 fields, the page a patient opens every morning) that was about half of the
page's CPU through Django's template engine; Jinja2 renders the same markup in a fraction of
the time (bench/README.md). Django ships every one of its widget templates for Jinja2 as well.
The admin's widgets ship Django templates only: they, and any other template Jinja2 does not
have, are rendered by Django's template engine as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
import jinja2
from django.conf import settings
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property
from django.utils.translation import gettext


def environment(**options: Any) -> jinja2.Environment:
    """Jinja2 with ``_()`` as Django's gettext (makemessages finds ``{{ _("…") }}``), and
    always escaping (Django's backend asks for it too)."""
    options.pop("autoescape", None)
    env = jinja2.Environment(autoescape=True, **options)
    env.globals["_"] = gettext
    return env


class FormRenderer(Jinja2):
    field_template_name = "forms/field.html"
    fallback = DjangoTemplates()

    @cached_property
    def engine(self) -> Any:
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [
                    settings.BASE_DIR / "templates" / "jinja2",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "NAME": "djangoforms",
                "OPTIONS": {"environment": "cbti.form_renderer.environment"},
            }
        )

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
