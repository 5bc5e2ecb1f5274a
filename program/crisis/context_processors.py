from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from program.crisis import actions as crisis_contacts


def crisis(request: HttpRequest) -> dict[str, object]:
    """``crisis``: the person's crisis contacts (program.crisis.actions), read only
    when a template shows them, and once per request."""
    return {"crisis": SimpleLazyObject(lambda: crisis_contacts.for_request(request))}
