from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "CBT-I programme"
