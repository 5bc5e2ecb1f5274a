from django import template
from django.utils.safestring import SafeString, mark_safe

from program.curriculum.markup import render_inline

register = template.Library()


@register.filter
def lesson_summary(text: str) -> SafeString:
    """A lesson's summary, written in Markdown, as the reader sees it (sanitised by nh3)."""
    return mark_safe(render_inline(text or ""))  # nosec B308 B703: sanitised by nh3
