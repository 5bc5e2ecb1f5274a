"""The clinic's side: the caseload, the patient page, notes, the summary, admin pages."""
