"""Everything the app holds about a patient, for them to download."""
