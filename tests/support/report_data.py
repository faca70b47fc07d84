"""A known set of referrals for the report tests, every figure of which is worked out by
hand in :data:`EXPECTED` (so a test compares with arithmetic, not with the code's own).

Two sending LK3s: Kota Serang (Banten, ``36.73``) sends 24 referrals over January to
March 2026; Kota Kupang (NTT, ``53.71``) sends 2 emergencies in March. All go to the
network's UPTD PPA, whose institution type is "UPTD PPA". ``NOW`` is 31 March 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from directory.extensions import db
from directory.institutions.models import TAXONOMY_INSTITUTION_TYPES, Taxonomy, TaxonomyTerm
from directory.referrals.models import Referral
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)
from tests.support.referral_network import Network, build_network
from tests.support.route_probes import CANARY

NOW = datetime(2026, 3, 31, 5, 0, tzinfo=UTC)
# 10:00 in Jakarta on the 10th of each month.
JANUARY = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


@dataclass
class ReportWorld:
    network: Network
    kdrt: TaxonomyTerm
    divorce: TaxonomyTerm
    uptd_type: TaxonomyTerm
    kupang_counsellor_id: str


def add_referral(
    network: Network,
    status: str,
    sent_at: datetime,
    *,
    counsellor=None,
    hours_to_response: float | None = None,
    days_to_close: float | None = None,
    end_reason: str | None = None,
    outcome: str | None = None,
    due_in: timedelta = timedelta(days=3),
    **fields,
) -> Referral:
    fields.setdefault("problem_terms", [network.problem_terms[0]])
    return ReferralFactory(
        counsellor=counsellor or network.counsellor,
        service=network.service,
        status=status,
        sent_at=sent_at,
        due_at=sent_at + due_in,
        responded_at=(
            sent_at + timedelta(hours=hours_to_response) if hours_to_response is not None else None
        ),
        closed_at=sent_at + timedelta(days=days_to_close) if days_to_close is not None else None,
        end_reason_code=end_reason,
        outcome_result=outcome,
        **fields,
    )


def add_canary_referral(network: Network) -> Referral:
    """A declined referral in March whose client data and free text hold ``CANARY``:
    no report (page, CSV or API) may show any of it."""
    return add_referral(
        network,
        "declined",
        MARCH,
        end_reason="other",
        reason=f"Alasan rahasia {CANARY}",
        client_reference=CANARY,
        client_initials="K.N.",
        client_contact=CANARY,
        client_safe_contact=CANARY,
        end_reason_text=CANARY,
    )


def build_report_world() -> ReportWorld:
    network = build_network()
    kdrt, divorce = network.problem_terms[0], network.problem_terms[1]
    types = db.session.get(Taxonomy, TAXONOMY_INSTITUTION_TYPES) or TaxonomyFactory(
        id=TAXONOMY_INSTITUTION_TYPES, name="Jenis lembaga"
    )
    uptd_type = TaxonomyTermFactory(taxonomy=types, name="UPTD PPA", name_en="UPTD PPA")
    AttributeFactory(
        link_id=network.service.organization_id, link_entity="organization", taxonomy_term=uptd_type
    )
    kupang = OrganizationFactory(name="LK3 Kota Kupang (uji)")
    LocationFactory(organization=kupang, region_code="53.71.02")
    kupang_counsellor = UserFactory(role="counsellor", organization=kupang)

    # January: 5 closed (3 successful, 2 not), answered after a day, closed after 10..50 days.
    for days, outcome in zip(
        (10, 20, 30, 40, 50),
        ("successful", "successful", "successful", "not_successful", "not_successful"),
        strict=True,
    ):
        add_referral(
            network, "closed", JANUARY, hours_to_response=24, days_to_close=days, outcome=outcome
        )
    # February: 6 declined after 5 hours (5 capacity_full, 1 not_eligible), 1 withdrawn.
    for reason in ["capacity_full"] * 5 + ["not_eligible"]:
        add_referral(network, "declined", FEBRUARY, hours_to_response=5, end_reason=reason)
    add_referral(network, "withdrawn", FEBRUARY, end_reason="referred_elsewhere")
    # March: 6 accepted (2..12 hours; also about divorce), 2 in progress (1 and 3 hours),
    # 3 unanswered past their deadline, 1 received and not yet due.
    for hours in (2, 4, 6, 8, 10, 12):
        add_referral(
            network, "accepted", MARCH, hours_to_response=hours, problem_terms=[kdrt, divorce]
        )
    for hours in (1, 3):
        add_referral(network, "in_progress", MARCH, hours_to_response=hours)
    for _ in range(3):
        add_referral(network, "sent", MARCH)
    add_referral(network, "received", NOW - timedelta(hours=1), due_in=timedelta(days=1))
    # Kupang: 2 emergencies about divorce, past their 4-hour deadline.
    for _ in range(2):
        add_referral(
            network,
            "sent",
            MARCH,
            counsellor=kupang_counsellor,
            urgency="emergency",
            due_in=timedelta(hours=4),
            problem_terms=[divorce],
        )
    db.session.commit()
    return ReportWorld(network, kdrt, divorce, uptd_type, kupang_counsellor.id)


# Worked out by hand from the data above (see the module docstring).
HOURS_TO_RESPONSE = sorted([24] * 5 + [5] * 6 + [2, 4, 6, 8, 10, 12, 1, 3])
EXPECTED_TOTAL = {
    "sent": 26,
    "accepted": 13,  # 5 closed + 6 accepted + 2 in progress
    "declined": 6,
    "declined_by_reason": {
        "capacity_full": 5,
        "not_eligible": "<5",
        "outside_service_area": "<5",
        "service_not_offered": "<5",
        "insufficient_information": "<5",
        "client_unreachable": "<5",
        "other": "<5",
    },
    "withdrawn": "<5",
    "closed": 5,
    "closed_by_outcome": {"successful": "<5", "not_successful": "<5"},
    "acceptance_rate": round(13 / 19, 4),
    # 19 times: the 10th (index 9) is 5; the 90th percentile at 16.2 lies between 24 and 24.
    "median_hours_to_response": 5.0,
    "p90_hours_to_response": 24.0,
    # 10, 20, 30, 40, 50: the 90th percentile at 3.6 is 40 + 0.6 * 10.
    "median_days_to_close": 30.0,
    "p90_days_to_close": 46.0,
    "overdue": 5,  # 3 in Serang, 2 in Kupang
}
