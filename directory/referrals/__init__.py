"""The closed referral loop: send, answer, follow up, close; outbox, inbox, letter."""
