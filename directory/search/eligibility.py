"""Eligibility by sex: whom a service is limited to. Pure: no Flask, no database.

A service limited to women or to men carries a term of the taxonomy "Kelayakan"
(``TAXONOMY_ELIGIBILITY``) as an ordinary HSDS ``attribute``: ``khusus_perempuan`` or
``khusus_laki_laki``. A service with neither, or with both, serves everyone. A search
for a client of one sex (``Criteria.client_sex``, a key of
``directory.referrals.vocabulary.SEXES``) leaves out the services limited to the other.
"""

from __future__ import annotations

from collections.abc import Iterable

FEMALE = "female"
MALE = "male"
# The client's sexes a search accepts (the referral form's vocabulary).
CLIENT_SEXES = (FEMALE, MALE)
# Eligibility term code -> the sex a service carrying it is limited to.
TERM_CODES = {"khusus_perempuan": FEMALE, "khusus_laki_laki": MALE}


def limited_to(codes: Iterable[str | None]) -> str | None:
    """The one sex a service with the eligibility terms ``codes`` is limited to; None
    when it serves everyone (no such term, or both)."""
    sexes = {TERM_CODES[code] for code in codes if code in TERM_CODES}
    return sexes.pop() if len(sexes) == 1 else None


def admits(limit: str | None, client_sex: str | None) -> bool:
    """Whether a service limited to ``limit`` (None: everyone) serves a client of
    ``client_sex`` (None: not given, no filter)."""
    return limit is None or client_sex is None or limit == client_sex
