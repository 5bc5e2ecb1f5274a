"""Programmes, enrolments and the invitations that start them."""
