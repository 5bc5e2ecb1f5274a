"""The form renderer (cbti/form_renderer.py): widgets through Django's Jinja2 templates give
the same forms as Django's own engine, and the admin's widgets, which have no Jinja2
templates, still render."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.urls import reverse

import accounts
import program
from cbti.form_renderer import FormRenderer


def _app_forms() -> list[type[forms.Form]]:
    found = []
    for package in (program, accounts):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if not info.name.endswith(".forms"):
                continue
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and issubclass(cls, forms.Form):
                    found.append(cls)
    return found


def _same(html: str) -> str:
    """Markup compared as a browser reads it: runs of spaces as one, none between tags, and
    the two spellings of an apostrophe's escape as one."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r">\s+<", "><", html).replace("&#39;", "&#x27;")


def _fields(form: forms.BaseForm) -> list[str]:
    return [_same(str(field) + str(field.errors)) for field in form]


def test_the_app_uses_it() -> None:
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.django_db
def test_every_form_renders_as_with_djangos_engine() -> None:
    """Every form of the app that builds without its view's arguments (allauth's are built
    by allauth's views), empty and then bound with every field missing (its errors)."""
    jinja, django = FormRenderer(), DjangoTemplates()
    compared = []
    for form_class in _app_forms():
        for data in (None, {}):
            try:
                ours = form_class(data=data, renderer=jinja)
                theirs = form_class(data=data, renderer=django)
            except (TypeError, KeyError):
                break
            if data is not None:
                ours.is_valid()
                theirs.is_valid()
            assert _fields(ours) == _fields(theirs), form_class
            compared.append(form_class)
    assert len(set(compared)) > 20, compared  # the walk found the app's forms


@pytest.mark.django_db
def test_the_admins_widgets_render_with_djangos_engine(admin_client) -> None:
    """The admin's related-object wrapper has only a Django template."""
    response = admin_client.get(reverse("admin:program_lesson_add"))
    assert response.status_code == 200
    assert "related-widget-wrapper" in response.content.decode()
