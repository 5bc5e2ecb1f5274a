"""Form widgets rendered by Jinja2, with Django's own widget templates.

Django renders each widget of a form through a template. On the diary form (28 widgets, the
page a patient opens every morning) that was about a third of the page's CPU; Django ships
every one of its widget templates for Jinja2 as well, which renders them in a fraction of the
time (bench/README.md). The admin's widgets ship Django templates only: they, and any other
template Jinja2 does not have, are rendered by Django's template engine as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(Jinja2):
    fallback = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
