from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from program.demo.clinic import (
    DEMO_INVITATION_TOKEN,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    INVITED_NAME,
    load_demo,
)


class Command(BaseCommand):
    help = "Create (or complete) the demo clinic and print its logins. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--not-a-real-clinic",
            action="store_true",
            help="Load the demo although DEBUG is off (a staging copy, never real patients).",
        )

    def handle(self, *args: object, **options: object) -> None:
        # The demo's password, authenticator secret and invitation are published (the
        # README, this command's output): on a real clinic's database they would be open
        # doors. Only a development or test run loads them without being told twice.
        if not (settings.DEBUG or settings.TESTING or options["not_a_real_clinic"]):
            raise CommandError(
                "load_demo creates accounts whose password and authenticator secret are "
                "published. DEBUG is off, so this looks like a real clinic: nothing was "
                "created. For a staging copy without real patients, run it again with "
                "--not-a-real-clinic."
            )
        people = load_demo()
        new = sum(1 for _, created in people if created)
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic ready ({new} new account{'s' if new != 1 else ''}).")
        )
        self.stdout.write(f"\nEvery demo account's password: {DEMO_PASSWORD}\n")
        width = max(len(p.email) for p, _ in people)
        for person, _ in people:
            self.stdout.write(
                f"  {person.role.label:<13} {person.email:<{width}}  {person.listing}"
            )
        bypass = settings.MFA_TOTP_INSECURE_BYPASS_CODE
        self.stdout.write(
            "\nTherapists and admins must use two-factor authentication. Add this secret to an "
            f"authenticator app:\n  {DEMO_TOTP_SECRET}"
        )
        if bypass:
            self.stdout.write(f"or, in this local demo only, type the code {bypass}.")
        self.stdout.write(
            f"\n{INVITED_NAME}'s invitation, not yet accepted: "
            f"{settings.SITE_URL.rstrip('/')}/invite/{DEMO_INVITATION_TOKEN}/\n"
        )
