"""Keeping the in-memory copies of a programme's structure honest.

``program.curriculum.programme_structure`` keeps each programme's weeks, lessons and
current lesson versions in the web process's memory, keyed by the programme's
``content_revision``. Any change to a week, a lesson or a lesson version gives the
programme a new revision in the same transaction, so every process reads the new
structure on its next request after the commit (and never before it).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts.models import Role, User

from . import revisions
from .models import Lesson, LessonVersion, Programme, Week


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


# --- Each person's data revision (program.revisions) ----------------------------------


def _patient_data_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures: no pages to renew
        return
    revisions.renew(revisions.patients_of(sender, [instance]))


def _shared_content_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    revisions.renew_everyone()


def _user_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    # Their own pages, and their patients' (a therapist's name is on them).
    revisions.renew(User.objects.filter(Q(pk=instance.pk) | Q(therapist=instance.pk)).values("pk"))


for _label in revisions.PATIENT_DATA:
    _model = apps.get_model(_label)
    post_save.connect(_patient_data_changed, sender=_model, dispatch_uid=f"revision-{_label}")
    # Before the delete, in its transaction: a path through other rows still resolves.
    pre_delete.connect(_patient_data_changed, sender=_model, dispatch_uid=f"revision-{_label}")
for _label in revisions.SHARED_CONTENT:
    _model = apps.get_model(_label)
    post_save.connect(_shared_content_changed, sender=_model, dispatch_uid=f"revision-{_label}")
    post_delete.connect(_shared_content_changed, sender=_model, dispatch_uid=f"revision-{_label}")
post_save.connect(_user_changed, sender=User, dispatch_uid="revision-user")


def _user_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    # A therapist's or an admin's deletion empties fields on other people's rows (their
    # patients' therapist, "set by", "written by": SET_NULL, which no save signal tells).
    if instance.role == Role.PATIENT:
        revisions.renew([instance.pk])
    else:
        revisions.renew_everyone()


pre_delete.connect(_user_deleted, sender=User, dispatch_uid="revision-user-deleted")
