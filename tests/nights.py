"""An ordinary night for tests that need diary entries and do not look at their figures:
in bed 23:00 to 06:30, 10 minutes to fall asleep, one 10-minute waking, quality 3 — as
``program.diary.actions.save_entry`` takes it. (``tests.live_app.DIARY_NIGHT`` is the same kind of
night as the diary form posts it.)"""

from __future__ import annotations

from datetime import time
from typing import Any


def night_answers(**changes: Any) -> dict[str, Any]:
    """A fresh copy each time, with any answers changed."""
    return {
        "into_bed": time(23),
        "lights_off": time(23),
        "final_wake": time(6),
        "out_of_bed": time(6, 30),
        "sleep_latency_min": 10,
        "awakenings": 1,
        "awake_min": 10,
        "quality": 3,
        **changes,
    }


# The same kind of night as the JSON API takes it (add "diary_date").
API_NIGHT: dict[str, Any] = {
    "into_bed": "22:40",
    "lights_off": "23:05",
    "sleep_latency_min": 30,
    "awakenings": 2,
    "awake_min": 40,
    "final_wake": "05:50",
    "out_of_bed": "06:20",
    "quality": 2,
}
