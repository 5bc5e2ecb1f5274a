"""Every form that posts typed text keeps a draft in the browser tab (data-draft,
static/js/app.js "drafts"), so that what was typed comes back after signing in again when it
was sent after the session had ended; a form without one is listed below, with why.

Before, a patient's break, an adverse event's review note, a taper plan's reason to slow
it down and others kept nothing: the form-expired page told people to use their browser's
Back button, which led to the sign-in page, and what they had typed was gone.

Read from the templates' source, without rendering them: a form "has a textarea" when its
markup (with the templates it includes) holds a ``<textarea``, names a field that some form
of the app shows as a Textarea (``{{ form.note.as_field_group }}``), or shows a whole form
whose fields the template does not name (``{% for field in form %}``). allauth's own forms
(sign-in, password, two-factor) are written as ``{% element form %}`` and have none.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
from pathlib import Path

from django import forms

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

# (template, a piece of the form's opening tag naming it once): forms with typed text that
# keep no draft, and why. An entry that no longer names exactly one form fails the test.
WITHOUT_DRAFT = {
    # The CSV file itself, sent back hidden to import the rows the page showed: nothing typed.
    ("program/diary_import.html", '<form method="post">'),
    # File uploads: a browser cannot keep a chosen file, and the page says what to do again.
    ("program/fhir_import.html", 'enctype="multipart/form-data"'),
    # Making an account from an invitation: no session to lose yet, and its password must
    # not be kept in the browser's storage (a draft keeps every field shown).
    ("program/accept_invitation.html", '<form method="post" novalidate>'),
    # The reminders' settings: times and ticks only, set again in a moment.
    ("program/reminders.html", '<form method="post" novalidate>'),
}

FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
INCLUDE = re.compile(r"""\{%\s*include\s+["']([^"']+)["']""")
# A whole form shown: {{ form }}, or its fields in a loop ({{ field.as_field_group }},
# {{ field }}, its radios); a loop over a form for its errors alone shows no field.
WHOLE_FORM = re.compile(r"\{\{\s*\w*form\w*(\.as_\w+)?\s*\}\}")
FIELD_LOOP = re.compile(r"\{%\s*for\s+(\w+)\s+in\s+\w*form\w*\s*%\}")


def _import_all(package: str) -> None:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if ".migrations" in info.name or ".management" in info.name:
            continue
        importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _mentions_textarea(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "Textarea")
        or (isinstance(n, ast.Attribute) and n.attr == "Textarea")
        for n in ast.walk(node)
    )


@functools.cache
def textarea_field_names() -> frozenset[str]:
    """Every field name some form of ours shows as a Textarea: declared fields and a
    ModelForm's (from the classes), and those set in ``__init__`` or in Meta.widgets (from
    the source)."""
    for package in ("accounts", "program"):
        _import_all(package)
    names = {
        name
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in ("accounts", "program")
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field.widget, forms.Textarea)
    }
    for path in [*ROOT.glob("accounts/**/*.py"), *ROOT.glob("program/**/*.py")]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign) and _mentions_textarea(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                        names.add(str(target.slice.value))  # self.fields["reason"] = …
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and _mentions_textarea(value):
                        names.add(str(key.value))  # Meta.widgets = {"description": …}
    return frozenset(names)


def _expanded(text: str, seen: frozenset[str] = frozenset()) -> str:
    """The markup with the templates it includes put in (ours only, once each)."""

    def put_in(match: re.Match[str]) -> str:
        name = match.group(1)
        path = TEMPLATES / name
        if name in seen or not path.exists():
            return ""
        return _expanded(path.read_text(), seen | {name})

    return INCLUDE.sub(put_in, text)


def post_forms() -> list[tuple[str, str, str]]:
    """(template, opening tag, inner markup) of every form sent by POST."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for match in FORM.finditer(text):
            tag = match.group(0)
            if not re.search(r"""method=["']post["']""", tag, re.IGNORECASE):
                continue
            end = text.find("</form>", match.end())
            assert end != -1, f"{path}: a form without </form>"
            found.append((str(path.relative_to(TEMPLATES)), tag, text[match.end() : end]))
    return found


def has_typed_text(body: str, textareas: frozenset[str]) -> bool:
    body = _expanded(body)
    if "<textarea" in body or WHOLE_FORM.search(body):
        return True
    for loop in FIELD_LOOP.finditer(body):
        field = re.escape(loop.group(1))
        shown = rf"\{{\{{\s*{field}(\.as_field_group)?\s*\}}\}}|\bin\s+{field}\s*%\}}"
        if re.search(shown, body):
            return True
    return any(re.search(rf"\w\.{re.escape(name)}\b", body) for name in textareas)


def test_the_field_names_found_include_the_known_textareas() -> None:
    """The search above finds what it looks for (a form made in __init__, a ModelForm's
    widgets), so the test below is not vacuous."""
    names = textarea_field_names()
    assert {"note", "reason", "text", "comments", "description", "what_happened"} <= names


def test_every_post_form_with_typed_text_keeps_a_draft() -> None:
    textareas = textarea_field_names()
    missing = [
        f"{template}: {tag}"
        for template, tag, body in post_forms()
        if "data-draft=" not in tag
        and has_typed_text(body, textareas)
        and not any(template == t and piece in tag for t, piece in WITHOUT_DRAFT)
    ]
    assert missing == [], "forms with typed text and no data-draft:\n" + "\n".join(missing)


def test_each_form_listed_without_a_draft_is_still_there_once() -> None:
    forms_found = post_forms()
    for template, piece in WITHOUT_DRAFT:
        matches = [tag for t, tag, _ in forms_found if t == template and piece in tag]
        assert len(matches) == 1, (template, piece, matches)


def test_allauths_forms_have_no_textarea() -> None:
    """Their forms are written as {% element form %}, which the search above does not
    read: none may ask for long text."""
    for folder in ("account", "mfa", "usersessions"):
        for path in (TEMPLATES / folder).rglob("*.html"):
            assert 'type="textarea"' not in path.read_text(), path
