"""Locust users for bench/load.py: one endpoint per run (LOAD_ENDPOINT), each virtual
user signed in with its own session cookie from LOAD_SESSIONS (a JSON file)."""

from __future__ import annotations

import itertools
import json
import os
import threading
from datetime import date, timedelta

from locust import HttpUser, constant, task

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115
ENDPOINT = os.environ["LOAD_ENDPOINT"]
_lock = threading.Lock()
_patients = itertools.cycle(SESSIONS["patients"])
_therapists = itertools.cycle(SESSIONS["therapists"])


def _next(pool):  # type: ignore[no-untyped-def]
    with _lock:
        return next(pool)


class Visitor(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.person = _next(_therapists if ENDPOINT == "caseload" else _patients)
        if ENDPOINT != "bare":
            self.client.cookies.set("sessionid", self.person["session"])
            self.client.cookies.set("csrftoken", self.person["csrf"])
        self.mornings = iter(self.person.get("free_dates", []))

    @task
    def visit(self) -> None:
        if ENDPOINT == "diary_submit":
            self.submit_diary()
            return
        url = {
            "bare": "/bench/bare/",
            "authenticated": "/bench/authenticated/",
            "today": "/today/",
            "diary": "/diary/",
            "programme": "/programme/",
            "lesson": f"/lessons/{self.person.get('lesson', 1)}/",
            "sleep_window": "/sleep-window/",
            "caseload": "/caseload/",
        }[ENDPOINT]
        with self.client.get(
            url, name=ENDPOINT, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def submit_diary(self) -> None:
        morning = next(self.mornings, None)
        if morning is None:  # this patient's free mornings are used up: take another
            self.person = _next(_patients)
            self.client.cookies.set("sessionid", self.person["session"])
            self.client.cookies.set("csrftoken", self.person["csrf"])
            self.mornings = iter(self.person.get("free_dates", []))
            morning = next(self.mornings, None)
            if morning is None:
                return
        data = {
            "diary_date": morning,
            "into_bed": "23:00",
            "lights_off": "23:10",
            "sleep_latency_min": "20",
            "awakenings": "1",
            "awake_min": "15",
            "final_wake": "06:20",
            "out_of_bed": "06:30",
            "quality": "3",
            "csrfmiddlewaretoken": self.person["csrf"],
        }
        with self.client.post(
            "/diary/new/",
            data=data,
            name="diary_submit",
            headers={"Referer": self.host + "/diary/new/"},
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")


__all__ = ["Visitor", "date", "timedelta"]
