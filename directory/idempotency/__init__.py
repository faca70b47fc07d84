"""Safe retries: an ``Idempotency-Key`` makes a referral-changing request happen once."""
