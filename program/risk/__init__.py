"""One risk workflow for every answer that signals a risk of self-harm."""
