from django import template

from program.sleep import format_minutes

register = template.Library()


@register.filter
def minutes(value: float | None) -> str:
    """Minutes as people read them, compact for tables: 6h 05m."""
    try:
        value = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    hours, mins = divmod(round(value), 60)
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


@register.filter
def minutes_long(value: float | None) -> str:
    """Minutes in words for sentences: 6 h 05 min."""
    try:
        return format_minutes(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
