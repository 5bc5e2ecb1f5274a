"""Questionnaires: what is due, answers and scores, the progress page."""
