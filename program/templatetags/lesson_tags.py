from django import template
from django.utils.safestring import SafeString, mark_safe

from program.curriculum.markup import render_inline

register = template.Library()


@register.filter
def lesson_summary(text: str) -> SafeString:
    """A lesson's summary, written in Markdown, as the reader sees it (sanitised by nh3)."""
    return mark_safe(render_inline(text or ""))  # nosec B308 B703: sanitised by nh3


@register.filter
def situation_names(keys: list[str] | None) -> str:
    """A lesson's special situations by name (program.clinical_text.SITUATION_NAMES)."""
    from program.clinical_text import situation_name

    return ", ".join(situation_name(key) for key in keys or [])
