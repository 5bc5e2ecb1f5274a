from django.conf import settings
from django.core.management.base import BaseCommand

from program.demo.clinic import (
    DEMO_INVITATION_TOKEN,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    load_demo,
)


class Command(BaseCommand):
    help = "Create (or complete) the demo clinic and print its logins. Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        people = load_demo()
        new = sum(1 for _, created in people if created)
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic ready ({new} new account{'s' if new != 1 else ''}).")
        )
        self.stdout.write(f"\nEvery demo account's password: {DEMO_PASSWORD}\n")
        width = max(len(p.email) for p, _ in people)
        for person, _ in people:
            self.stdout.write(f"  {person.role.label:<13} {person.email:<{width}}  {person.about}")
        bypass = settings.MFA_TOTP_INSECURE_BYPASS_CODE
        self.stdout.write(
            "\nTherapists and admins must use two-factor authentication. Add this secret to an "
            f"authenticator app:\n  {DEMO_TOTP_SECRET}"
        )
        if bypass:
            self.stdout.write(f"or, in this local demo only, type the code {bypass}.")
        self.stdout.write(
            "\nA patient's invitation, not yet accepted: "
            f"{settings.SITE_URL.rstrip('/')}/invite/{DEMO_INVITATION_TOKEN}/\n"
        )
