"""The patient's private iCalendar feed of their sleep window.

No health data in event text: events are called "Bedtime" and "Get up", so a
shared or synced calendar reveals nothing about treatment. The feed follows the
prescriptions in force on each day, so it changes whenever the window does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from program.models import SleepCourse

DAYS_BACK = 7
DAYS_AHEAD = 28
WIND_DOWN_MIN = 60  # a wind-down reminder an hour before bedtime


def calendar_feed(course: SleepCourse, *, now: datetime) -> bytes:
    """The feed in the active language (the view activates the patient's: a calendar
    app fetches it without a session)."""
    cal = Calendar()
    cal.add("prodid", "-//Sleep Better//Sleep window//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Bedtime"))
    cal.add("x-wr-timezone", course.patient.time_zone)
    cal.add("refresh-interval;value=duration", "PT6H")
    if course.status != SleepCourse.Status.ACTIVE or course.rise_time is None:
        return cal.to_ical()
    zone = course.patient.zone
    today = now.astimezone(zone).date()
    prescriptions = sorted(
        course.prescriptions.all(), key=lambda p: (p.effective_from, p.created_at)
    )
    for offset in range(-DAYS_BACK, DAYS_AHEAD):
        morning = today + timedelta(days=offset)
        in_force = [p for p in prescriptions if p.effective_from <= morning]
        if not in_force:
            continue
        p = in_force[-1]
        rise = datetime.combine(morning, p.rise_time, tzinfo=zone)
        # Elapsed minutes in UTC: on a DST night the bedtime keeps the true window.
        bed = (rise.astimezone(UTC) - timedelta(minutes=p.window_min)).astimezone(zone)
        event = Event()
        event.add("uid", f"bedtime-{course.pk}-{morning:%Y%m%d}@sleep-better")
        event.add("summary", _("Bedtime"))
        event.add(
            "description",
            _("In bed not before %(bedtime)s; get up at %(rise)s.")
            % {"bedtime": f"{bed:%H:%M}", "rise": f"{rise:%H:%M}"},
        )
        event.add("dtstart", bed)
        event.add("dtend", rise)
        event.add("dtstamp", now)
        event.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Time to start winding down"))
        alarm.add("trigger", timedelta(minutes=-WIND_DOWN_MIN))
        event.add_component(alarm)
        wake = Alarm()
        wake.add("action", "DISPLAY")
        wake.add("description", _("Get up"))
        wake.add("trigger", rise - bed)
        event.add_component(wake)
        cal.add_component(event)
    return cal.to_ical()
