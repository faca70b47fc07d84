"""The JSON API under ``/api/v1``: the HSDS 3.0 directory and, with an account, referrals."""
