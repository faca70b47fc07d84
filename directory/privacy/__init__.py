"""Privacy by design: client data encrypted at rest, retention, who saw what, deploy checks.

Which referral fields are *client data* (encrypted, purged after retention): the client's
reference, initials, contact and safe-contact instructions, the guardian's relationship,
and every free text that may describe the client or others around them: the referral
reason, decline/withdrawal reason texts, the outcome reason, event notes and the legal-hold
reason. Age group and sex stay in plain text: they are coarse categories that the reports
aggregate and that decide the child-consent rules, and they identify no one on their own.
"""
