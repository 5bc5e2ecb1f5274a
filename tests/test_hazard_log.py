"""The hazard log (docs/clinical-safety.md, issue 16 "Done when") names, beside each
hazard, the tests that prove its control (a test, or a whole file): every hazard has at
least one, and every test and file it names exists (a renamed or deleted test would
otherwise leave a control unproven without a word). Whether they pass is the suite's job."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "clinical-safety.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
# A hazard whose control a whole file proves names the file.
FILES = re.compile(r"`(tests/[\w/]+\.py)(?:::\w+)?`")
HAZARD = re.compile(r"^### (H\d+)\. ", re.MULTILINE)


def hazards() -> dict[str, str]:
    text = LOG.read_text(encoding="utf-8")
    text = text.split("## Open items")[0]
    starts = [(m.group(1), m.start()) for m in HAZARD.finditer(text)]
    ends = [start for _key, start in starts[1:]] + [len(text)]
    return {key: text[start:end] for (key, start), end in zip(starts, ends, strict=True)}


def test_every_hazard_names_at_least_one_test() -> None:
    found = hazards()
    assert len(found) >= 20, sorted(found)
    missing = [key for key, body in found.items() if not FILES.search(body)]
    assert missing == [], f"hazards with no test named beside them: {missing}"


def test_every_test_the_hazard_log_names_exists() -> None:
    gone = []
    for key, body in hazards().items():
        gone += [f"{key}: {path}" for path in FILES.findall(body) if not (ROOT / path).exists()]
        for path, name in NAMED.findall(body):
            source = ROOT / path
            if not source.exists() or not re.search(
                rf"^(async def|def|class) {name}\b",
                source.read_text(encoding="utf-8"),
                re.MULTILINE,
            ):
                gone.append(f"{key}: {path}::{name}")
    assert gone == [], "the hazard log names tests that do not exist:\n" + "\n".join(gone)
