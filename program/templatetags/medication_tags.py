from django import template

from program import clinical_text

register = template.Library()


@register.filter
def mg(value: object) -> str:
    """A dose for people: 10 mg, 2.5 mg (never 1E+1 mg), with the language's decimal mark
    (French and German 2,5 mg); a dash when missing."""
    return clinical_text.dose(value)
