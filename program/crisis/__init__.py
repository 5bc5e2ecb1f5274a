"""Crisis lines as clinic data: per country, shown on every page and in every crisis message."""
