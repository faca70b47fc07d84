"""Spreadsheet onboarding: an ``.xlsx`` or ``.csv`` list of institutions into the directory."""
