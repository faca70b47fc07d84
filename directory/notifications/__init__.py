"""Notifications of referral events: in the app and by e-mail (without client data)."""
