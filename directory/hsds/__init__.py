"""Open Referral HSDS 3.0: serializing the directory, and exchanging it (import, export)."""
