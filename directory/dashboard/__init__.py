"""Each organization's own dashboard (``/dasbor``): its referrals sent and received, with
the reports' figures and the reports' small-count rules (``directory.reports.figures``)."""
