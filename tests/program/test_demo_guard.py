"""load_demo refuses a database that looks like a real clinic's (issue 18, found by bandit's
review): the demo accounts' password and authenticator secret are published."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User


def test_load_demo_refuses_without_debug_and_creates_nothing(db, settings) -> None:
    settings.DEBUG, settings.TESTING = False, False
    before = User.objects.count()
    with pytest.raises(CommandError, match="nothing was created"):
        call_command("load_demo")
    assert User.objects.count() == before


def test_load_demo_runs_when_told_it_is_not_a_real_clinic(db, settings, capsys) -> None:
    settings.DEBUG, settings.TESTING = False, False
    call_command("load_demo", "--not-a-real-clinic")
    assert User.objects.filter(email="therapist@example.com").exists()
    assert "Demo clinic ready" in capsys.readouterr().out
