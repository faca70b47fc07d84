"""Partner self-service: organizations keep their own listing true, with an admin's
review for anything but capacity and whether they take referrals now."""
