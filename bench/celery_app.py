"""The app's Celery app with one task of the benchmark's own: a bare no-op, whose rate
through the same workers is the floor for reminder deliveries (bench/reminders.py).
Workers started with ``-A bench.celery_app`` know it; the app's own workers do not."""

from cbti.celery import app


@app.task(name="bench.noop")
def noop_task() -> None:
    """Does nothing: the broker's and the worker's overhead alone."""
