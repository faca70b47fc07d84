"""The directory's records (HSDS 3.0 organizations, services, locations) and their queries."""
