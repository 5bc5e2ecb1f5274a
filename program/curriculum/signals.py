"""Keeping the in-memory copies of a programme's structure honest.

``program.curriculum.actions.programme_structure`` keeps each programme's weeks, lessons and
current lesson versions in the web process's memory, keyed by the programme's
``content_revision``. Any change to a week, a lesson or a lesson version gives the
programme a new revision in the same transaction, so every process reads the new
structure on its next request after the commit (and never before it).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from program.models import Lesson, LessonVersion, Programme, Week


def new_revision(programme_ids: Any) -> None:
    Programme.objects.filter(pk__in=programme_ids).update(content_revision=uuid.uuid4())


@receiver(post_save, sender=Programme)
def programme_saved(sender: type, instance: Programme, **kwargs: Any) -> None:
    # A save writes back the revision the instance was loaded with, which may be older
    # than one a concurrent lesson change gave it: give it a fresh one after.
    new_revision([instance.pk])


@receiver([post_save, post_delete], sender=Week)
def week_changed(sender: type, instance: Week, **kwargs: Any) -> None:
    new_revision([instance.programme_id])


@receiver([post_save, post_delete], sender=Lesson)
def lesson_changed(sender: type, instance: Lesson, **kwargs: Any) -> None:
    new_revision(Week.objects.filter(pk=instance.week_id).values("programme_id"))


@receiver([post_save, post_delete], sender=LessonVersion)
def lesson_version_changed(sender: type, instance: LessonVersion, **kwargs: Any) -> None:
    new_revision(Week.objects.filter(lessons=instance.lesson_id).values("programme_id"))
