"""The one Celery app. Configuration is read from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")

app = Celery("cbti")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
