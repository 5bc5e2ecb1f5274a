"""Adverse events: a patient's report of a problem with their care, and staff records."""
