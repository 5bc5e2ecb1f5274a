"""The sleep window: the safety screen, titration reviews, decisions, calendar."""
