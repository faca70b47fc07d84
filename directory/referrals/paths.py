"""The address of a referral's page, for links made where no request is at hand (e-mail)."""

REFERRAL_PAGE = "/rujukan/{referral_id}"


def referral_path(referral_id: str) -> str:
    return REFERRAL_PAGE.format(referral_id=referral_id)
