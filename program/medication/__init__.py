"""Sleep medication: the patient's list, nights, and clinician-set taper plans."""
