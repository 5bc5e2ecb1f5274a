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


@register.filter
def signed(value: float | None, digits: int = 0) -> str:
    """A change with its sign: +3, −2.5 (a true minus sign), ±0."""
    try:
        value = round(float(value), int(digits))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    text = f"{abs(value):.{int(digits)}f}"
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"−{text}"
    return f"±{text}"


@register.filter
def clinical(text: str) -> str:
    """Wording of a pure clinical module (e.g. a score band) in the active language."""
    from program.clinical_text import translated

    return translated(str(text))
