"""Locust users for bench/load.py: one endpoint per run (LOAD_ENDPOINT), each virtual
user signed in with its own session cookie from LOAD_SESSIONS (a JSON file)."""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from datetime import date, timedelta

import gevent
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

SESSIONS = json.loads(open(os.environ["LOAD_SESSIONS"]).read())  # noqa: SIM115
ENDPOINT = os.environ["LOAD_ENDPOINT"]
_lock = threading.Lock()
# The journey's people are the last LOAD_USERS patients, kept apart from every other run:
# the diary_submit run before it spends the others' free mornings, never theirs. That run
# takes each patient once (no cycling back to mornings already filled in).
_reserved = int(os.environ.get("LOAD_USERS", "100"))
_everyone = SESSIONS["patients"]
_pool = _everyone[-_reserved:] if ENDPOINT == "journey" else _everyone[:-_reserved]
_patients = iter(_pool) if ENDPOINT == "diary_submit" else itertools.cycle(_pool)
_therapists = itertools.cycle(SESSIONS["therapists"])


# Every request's start and time as the client saw it (LOAD_REQUEST_LOG), beside the
# server's own in gunicorn's access log (--access-log): queueing shows as the difference.
_log_path = os.environ.get("LOAD_REQUEST_LOG")
_request_log = open(_log_path, "w") if _log_path else None  # noqa: SIM115 (open for the run)


@events.request.add_listener
def _log_request(name, response_time, start_time=None, **kwargs) -> None:
    if _request_log is not None:
        _request_log.write(f"{start_time or 0:.3f} {name} {response_time:.1f}\n")


def _next(pool):
    with _lock:
        return next(pool, None)


# The journey: patients (and one therapist in ten) moving through their pages at a
# person's pace, 2–8 s between pages; every other run hammers one endpoint with no
# think time to find its ceiling.
JOURNEY = ["today", "diary_form", "diary_submit", "diary", "programme", "lesson", "sleep_window"]
_journey_roles = itertools.cycle(["therapist"] + ["patient"] * 9)


class Visitor(HttpUser):
    wait_time = between(2, 8) if ENDPOINT == "journey" else constant(0)

    def on_start(self) -> None:
        self.role = _next(_journey_roles) if ENDPOINT == "journey" else None
        therapist = ENDPOINT == "caseload" or self.role == "therapist"
        self.person = _next(_therapists) if therapist else self._take_patient()
        self.step = itertools.cycle(JOURNEY)
        if ENDPOINT != "bare":
            self.client.cookies.set("sessionid", self.person["session"])
            self.client.cookies.set("csrftoken", self.person["csrf"])
        self.mornings = iter(self.person.get("free_dates", []))
        if ENDPOINT == "journey":
            # Locust starts each second's arrivals together (10 at the same instant): people
            # arrive one by one, so each first page waits up to the next second's batch.
            gevent.sleep(random.uniform(0, 1))

    @task
    def visit(self) -> None:
        endpoint = ENDPOINT
        if endpoint == "journey":
            endpoint = "caseload" if self.role == "therapist" else next(self.step)
        if endpoint == "diary_submit":
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
            "diary_form": "/diary/new/",
        }[endpoint]
        with self.client.get(
            url, name=endpoint, catch_response=True, allow_redirects=False
        ) as response:
            # The diary form redirects once the last week's mornings are all filled in.
            if response.status_code != 200 and not (
                endpoint == "diary_form" and response.status_code == 302
            ):
                response.failure(f"status {response.status_code}")

    def _take_patient(self) -> dict:
        """The next patient; the diary_submit run takes each once, and says when none is
        left (every free morning spent: the run needs more --patients)."""
        person = _next(_patients)
        if person is None:
            self.environment.events.request.fire(
                request_type="POST",
                name="diary_submit",
                response_time=0,
                response_length=0,
                exception=RuntimeError("no free morning left: build more patients"),
            )
            raise StopUser
        return person

    def submit_diary(self) -> None:
        morning = next(self.mornings, None)
        if morning is None:  # this patient's free mornings are used up: take another
            self.person = self._take_patient()
            # Only the new person's cookies: a form sent back earlier (say, a morning
            # that fell out of the week at midnight) set a csrftoken cookie for the host,
            # which would be sent beside the new one.
            self.client.cookies.clear()
            self.client.cookies.set("sessionid", self.person["session"])
            self.client.cookies.set("csrftoken", self.person["csrf"])
            self.mornings = iter(self.person.get("free_dates", []))
            morning = next(self.mornings, None)
            if morning is None:
                return
        data = {
            "diary_date": morning,
            # Each night its own bedtime: a night with another night's four times is
            # asked about ("is this the same night?") instead of saved.
            "into_bed": f"22:{int(morning[-2:]) * 7 % 60:02d}",
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
