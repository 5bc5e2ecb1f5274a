from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "CBT-I programme"

    def ready(self) -> None:
        from program.curriculum import signals  # noqa: F401  (connects the receivers)
