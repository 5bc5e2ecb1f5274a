"""Pure clinical rules: plain functions and dataclasses, no Django, each with its sources."""
