"""The third-party security checkers bin/test runs (bin/security-check): bandit fails on
any finding not reviewed in bin/bandit-baseline.json; pip-audit is skipped in one line when
its advisory source cannot be reached."""

from __future__ import annotations

import json
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_checker():
    loader = SourceFileLoader("security_check", str(ROOT / "bin" / "security-check"))
    spec = spec_from_loader("security_check", loader)
    module = module_from_spec(spec)
    loader.exec_module(module)
    return module


checker = load_checker()


def test_every_finding_in_the_baseline_says_why_it_stays() -> None:
    reviewed = json.loads(checker.BASELINE.read_text())
    assert reviewed, "the baseline lists the reviewed findings"
    for entry in reviewed:
        assert set(entry) == {"file", "test", "line", "why"}
        assert entry["why"] != checker.NOT_REVIEWED and len(entry["why"]) > 20, entry


def finding(line: str, test: str = "B308", file: str = "program/diary/views.py") -> dict:
    return {"file": file, "test": test, "line": line}


def test_a_new_line_is_new_wherever_the_old_ones_moved() -> None:
    reviewed = [finding("x = mark_safe(chart)") | {"why": "escaped chart"}]
    same = [finding("x = mark_safe(chart)") | {"at": "program/diary/views.py:900"}]
    assert checker.compare(same, reviewed) == ([], [])
    other = [*same, finding("y = mark_safe(request.GET['q'])")]
    assert checker.compare(other, reviewed)[0] == [other[1]]
    # The same line twice needs two reviews; an unreviewed entry counts for nothing.
    assert checker.compare([*same, *same], reviewed)[0] == same
    unreviewed = [finding("x = mark_safe(chart)") | {"why": checker.NOT_REVIEWED}]
    assert checker.compare(same, unreviewed)[0] == same
    assert checker.compare([], reviewed)[1] == reviewed  # gone: reported, not failed


def test_bandit_finds_a_new_mark_safe_that_the_baseline_does_not_cover(tmp_path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(
        "from django.utils.safestring import mark_safe\n\n\n"
        "def page(request):\n    return mark_safe(request.GET['q'])\n"
    )
    found = checker.bandit_findings(tmp_path, ["app"])
    tests = {(f["file"], f["test"], f["line"]) for f in found}
    assert ("app/views.py", "B308", "return mark_safe(request.GET['q'])") in tests
    reviewed = json.loads(checker.BASELINE.read_text())
    assert checker.compare(found, reviewed)[0] == found


def test_pip_audit_is_skipped_in_one_line_when_its_source_is_unreachable(
    monkeypatch, capsys
) -> None:
    monkeypatch.setattr(checker, "PROBE", "http://127.0.0.1:9/pypi/{name}/{version}/json")
    monkeypatch.setattr(checker.subprocess, "run", pytest.fail)  # pip-audit never starts
    assert checker.check_pip_audit() == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pip-audit: SKIPPED, its advisory source cannot be reached:")


def test_pip_audit_runs_when_its_source_answers(monkeypatch) -> None:
    monkeypatch.setattr(checker, "probe_advisories", lambda: None)
    ran = []

    def run(command, **kwargs):
        ran.append(command)
        return type("Done", (), {"returncode": 1})()

    monkeypatch.setattr(checker.subprocess, "run", run)
    assert checker.check_pip_audit() == 1  # a known vulnerability fails the run
    assert ran[0][:3] == [sys.executable, "-m", "pip_audit"]
    assert "--timeout" in ran[0]
