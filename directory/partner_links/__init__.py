"""Partner links: a receiving organization without an account answers a referral through a
link the sender made (``/tautan/<token>``), pasted into WhatsApp or an e-mail or printed
on the letter as a QR code.

The token is 256 random bits (``secrets.token_urlsafe``), kept only as its SHA-256, bound
to one referral and the organization it was made for; it works for 7 days and while the
referral waits for an answer, until the sender revokes it or makes a new one. The page
shows what is asked, the urgency, the problems and the sender's contact, never the client.
A wrong or revoked token is the site's ordinary 404; an expired one (or one whose referral
was answered) a neutral 410. The token never reaches a log (:mod:`.logs`).
"""
