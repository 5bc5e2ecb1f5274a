from allauth.account.adapter import get_adapter
from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Whether anyone may create an account here (the account adapter decides), so
        # that no page or email offers a sign-up the clinic has closed. A callable:
        # the template engine works it out only where a template asks.
        "SIGNUP_OPEN": lambda: get_adapter(request).is_open_for_signup(request),
    }
