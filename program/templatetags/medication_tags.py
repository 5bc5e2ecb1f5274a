from decimal import Decimal

from django import template

from program.rules.taper import format_mg

register = template.Library()


@register.filter
def mg(value: Decimal | None) -> str:
    """A dose for people: 10 mg, 2.5 mg (never 1E+1 mg); a dash when missing."""
    return format_mg(value)
