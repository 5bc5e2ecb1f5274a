from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from program.clinical_text import CRISIS_MESSAGE
from program.crisis import actions as crisis_contacts


def crisis(request: HttpRequest) -> dict[str, object]:
    """``crisis``: the person's crisis contacts (program.crisis.actions), read only
    when a template shows them, and once per request; ``crisis_message``, the words above
    them (a page may set its own)."""
    return {
        "crisis": SimpleLazyObject(lambda: crisis_contacts.for_request(request)),
        "crisis_message": CRISIS_MESSAGE,
    }
