"""Referral reports for the network's coordinators: aggregates only, small counts hidden."""
