"""Regions (the Kemendagri gazetteer), time zones, geocoding and distance ranking."""
