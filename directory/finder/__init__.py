"""The search page, ``/cari``: find the nearest suitable service, server-rendered."""
