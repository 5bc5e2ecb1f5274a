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
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

import accounts
import program
from cbti.form_renderer import FormRenderer
from program.form_fields import conditional


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


class _Fields(forms.Form):
    name = forms.CharField(label="Name", help_text="As you like to be called.")
    nickname = forms.CharField(label="Nickname", required=False)
    why = conditional(forms.CharField(label="Why", required=False))
    agree = forms.BooleanField(label="I agree")


_GROUPS = Template("{% for field in form %}{{ field.as_field_group }}{% endfor %}")


def test_a_field_group_has_its_label_help_and_errors() -> None:
    """{{ form.name.as_field_group }} (templates/jinja2/forms/field.html): the label tied to
    its input, "(optional)" only where a field may be left out and no answer makes it needed,
    the help and each error with the ids the input's aria-describedby names."""
    form = _Fields(data={"nickname": "Sam"})
    html = _same(_GROUPS.render(Context({"form": form})))
    assert '<div class="field field-error"><label for="id_name">Name</label>' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<div class="help" id="id_name_helptext">As you like to be called.</div>' in html
    assert '<p class="error" id="id_name_error">This field is required.</p>' in html
    assert 'Nickname <span class="optional">(optional)</span></label>' in html
    assert '<label for="id_why">Why</label>' in html
    assert (
        '<div class="field field-error field-checkbox"><input type="checkbox" name="agree" '
        'required aria-invalid="true" aria-describedby="id_agree_error" id="id_agree">'
        '<label for="id_agree">I agree</label>'
    ) in html
    assert html.count('class="optional"') == 1


def test_a_field_group_is_in_the_persons_language() -> None:
    with translation.override("fr"):
        html = _GROUPS.render(Context({"form": _Fields()}))
    assert '<span class="optional">(facultatif)</span>' in html
