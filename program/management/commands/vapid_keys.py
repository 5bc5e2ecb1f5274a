from django.core.management.base import BaseCommand

from program.reminders.push import generate_keys


class Command(BaseCommand):
    help = "Print a new VAPID key pair for web push (set them as environment variables)."

    def handle(self, *args: object, **options: object) -> None:
        keys = generate_keys()
        self.stdout.write(f"VAPID_PRIVATE_KEY={keys.private}\nVAPID_PUBLIC_KEY={keys.public}")
