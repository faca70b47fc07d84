"""Operating the app: backups and restores."""
