"""The demo clinic a visitor can walk through at once."""
