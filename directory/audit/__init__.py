"""The directory's audit trail: who changed which field of which record, when, from what
to what, kept in the shape of the HSDS 3.0 ``metadata`` table."""
