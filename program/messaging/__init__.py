"""Secure messages between a patient and their therapist."""
