"""Web push: the optional second reminder channel (pywebpush, VAPID).

Keys come from the environment (VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY, base64url
raw keys, e.g. from ``manage.py vapid_keys``). In development and tests a key
pair is made once and kept in var/vapid.json, so push works out of the box.
Without keys in production, push is simply not offered.

Notification text carries no health details, as for email.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from program.models import PushSubscription

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VapidKeys:
    private: str  # base64url raw private key
    public: str  # base64url uncompressed public point (the applicationServerKey)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_keys() -> VapidKeys:
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02

    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(_b64(private), _b64(public))


@cache
def keys() -> VapidKeys | None:
    if settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY:
        return VapidKeys(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY)
    if not (settings.DEBUG or settings.TESTING):
        return None
    path = settings.VAR_DIR / "vapid.json"
    if path.exists():
        data = json.loads(path.read_text())
        return VapidKeys(data["private"], data["public"])
    made = generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"private": made.private, "public": made.public}))
    return made


def available() -> bool:
    return keys() is not None


def subscribe(user: User, *, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    subscription, _ = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth, "failures": 0}
    )
    return subscription


class SubscriptionError(ValueError):
    """A browser's subscription that cannot be stored; the message says why."""


def subscribe_from_body(user: User, body: bytes) -> PushSubscription:
    """Store the subscription a browser posted (static/js/push.js sends the
    ``PushSubscription``'s JSON), for a patient's reminders or a clinician's risk alerts."""
    try:
        data = json.loads(body or b"{}")
        endpoint = str(data["endpoint"])
        keys = data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError) as error:
        raise SubscriptionError("A push subscription needs endpoint and keys.") from error
    if not endpoint.startswith("https://") and not settings.DEBUG and not settings.TESTING:
        raise SubscriptionError("Push endpoints must use HTTPS.")
    return subscribe(user, endpoint=endpoint[:1000], p256dh=p256dh[:200], auth=auth[:100])


def send_to_user(user: User, *, title: str, body: str, url: str) -> int:
    """Push to every device the person subscribed; returns how many accepted it.

    A subscription the push service says is gone (404/410) is deleted. Any other
    error raises, so the delivery is retried like a failed email.
    """
    from pywebpush import WebPushException, webpush

    vapid = keys()
    if vapid is None:
        return 0
    sent = 0
    payload = json.dumps({"title": title, "body": body, "url": url})
    for subscription in PushSubscription.objects.filter(user=user):
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=vapid.private,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                timeout=10,
                ttl=6 * 60 * 60,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in (404, 410):
                subscription.delete()  # the browser unsubscribed or the device is gone
                continue
            PushSubscription.objects.filter(pk=subscription.pk).update(
                failures=subscription.failures + 1
            )
            raise
        PushSubscription.objects.filter(pk=subscription.pk).update(
            last_sent_at=timezone.now(), failures=0
        )
        sent += 1
    return sent
