"""The patient's home page: what to do today."""
