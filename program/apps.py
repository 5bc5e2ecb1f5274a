from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "CBT-I programme"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
