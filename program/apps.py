from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "CBT-I programme"

    def ready(self) -> None:
        # Register the Celery tasks, so that program.publish finds them by name in the
        # web process as in the worker (workflows name their tasks, never import them).
        import program.tasks  # noqa: F401
        from program.clinic import signals as clinic_signals  # noqa: F401
        from program.curriculum import signals  # noqa: F401  (connects the receivers)
