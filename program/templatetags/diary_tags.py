from datetime import date
from typing import Any

from django import template
from django.utils.formats import date_format, get_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from program import clinical_text
from program.rules import sleep, taper

register = template.Library()


def _one_line(text: str, autoescape: bool) -> str | SafeString:
    """A duration kept on one line in a page: at 360 px "5 h 45" broke between "5 h" and
    "45" (French), "5:45" and "h" (German). In HTML it is a ``nowrap`` span, which leaves
    its text (and the pages' tests) as it is; where the template is plain text (an email's
    text part renders with autoescape off) it is the text alone."""
    if not autoescape or text == "–":
        return text
    return format_html('<span class="nowrap">{}</span>', text)


@register.filter(needs_autoescape=True)
def minutes(value: Any, autoescape: bool = False) -> str:
    """Minutes as people read them, compact for tables: 6h 05m, on one line."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    return _one_line(clinical_text.duration_short(value), autoescape)


@register.filter(needs_autoescape=True)
def minutes_long(value: Any, autoescape: bool = False) -> str:
    """Minutes in words for sentences: 6 h 05 min, on one line."""
    try:
        return _one_line(clinical_text.duration(float(value)), autoescape)
    except (TypeError, ValueError):
        return "–"


@register.filter
def percent(value: Any) -> str:
    """A sleep efficiency as every surface shows it (``program.rules.sleep.percent``), with the
    language's decimal mark; a dash when there is none."""
    try:
        return number_format(sleep.percent(float(value)), 1)
    except (TypeError, ValueError):
        return "–"


@register.filter
def percent_sign(value: Any) -> str:
    """``percent`` with its sign ("85.8%", French "85,8 %"), or a lone dash when there is
    none (a week with too few nights has no sleep efficiency), never a sign without a
    number."""
    shown = percent(value)
    return "–" if shown == "–" else clinical_text.with_percent_sign(shown)


@register.filter
def with_percent_sign(value: Any) -> str:
    """A number as it stands, as a percentage: 85%, French 85 % (with a no-break space)."""
    return clinical_text.with_percent_sign(value)


@register.filter
def occasion(key: str) -> str:
    """A questionnaire's occasion in words ("End of week 2"), never its key ("week-2")."""
    return clinical_text.occasion_label(str(key))


@register.filter
def signed(value: Any, digits: int = 0) -> str:
    """A change with its sign: +3, −2.5 (a true minus sign), ±0."""
    try:
        value = round(float(value), int(digits))
    except (TypeError, ValueError):
        return "–"
    text = f"{abs(value):.{int(digits)}f}"
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return f"±{text}"


@register.filter
def magnitude(value: Any) -> int:
    """A change's size as ``signed`` shows it (rounded, without its sign), to count a
    plural by: "+1 point de pourcentage", "−3 points de pourcentage"."""
    try:
        return abs(round(float(value)))
    except (TypeError, ValueError):
        return 0


@register.filter
def taper_text(message: taper.Message | None) -> str:
    """A plan check or flag of ``program.rules.taper`` in the active language."""
    return clinical_text.taper_words(message)


@register.filter
def taper_template(text: str) -> str:
    """A taper template's name or source in the active language."""
    return clinical_text.template_text(str(text))


@register.filter(needs_autoescape=True)
def minutes_signed(value: Any, autoescape: bool = False) -> str:
    """A difference in minutes for tables, with its sign: +1h 05m, −20m, ±0m, on one line."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    text = clinical_text.duration_short(abs(value))
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return _one_line(f"{sign}{text}", autoescape)


@register.filter
def in_sentence(value: Any) -> str:
    """A label as it reads inside a sentence ("… (end of week 2)", "… of 28: moderate
    clinical insomnia"): its first letter in lower case, and nothing else (``lower``
    wrote "ISI" as "isi"). German writes its nouns with a capital wherever they stand,
    so a German label is left as it is; so is one that starts with an abbreviation."""
    text = str(value)
    if not text or get_language().startswith("de") or (len(text) > 1 and text[1].isupper()):
        return text
    return text[0].lower() + text[1:]


@register.filter
def date_range(first: date | None, last: date | None) -> str:
    """Two dates as a range, the month said once when both are in it: "13–19 Sep",
    "13–19 sept.", "13.–19. Sept."; across months each keeps its own: "28 Sep–4 Oct"."""
    if not first or not last:
        return ""
    end = date_format(last, "DAY_MONTH_FORMAT")
    if first == last:
        return end
    same_month = (first.year, first.month) == (last.year, last.month)
    if same_month and get_format("DAY_FORMAT") != "DAY_FORMAT":
        return f"{date_format(first, 'DAY_FORMAT')}–{end}"
    return f"{date_format(first, 'DAY_MONTH_FORMAT')}–{end}"
