"""Reminders at each person's local time: choices, schedules, the tick, push."""
