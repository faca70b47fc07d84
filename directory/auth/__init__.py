"""Accounts and sign-in: Flask-Login sessions for the pages, bearer tokens for the API."""
