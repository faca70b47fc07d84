"""Administration: the directory's records, the accounts and the audit trail (``/admin``)."""
