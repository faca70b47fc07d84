"""A small referral network for tests: organizations, accounts of every role, a service
that accepts referrals, the problem taxonomy; and helpers to sign in and to move a
referral to any status through the operations."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from directory.auth.models import ADMIN, PARTNER, User
from directory.auth.operations import issue_api_token
from directory.auth.sessions import SIGNED_IN_AT
from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import TAXONOMY_PROBLEMS, Service, Taxonomy, TaxonomyTerm
from directory.referrals import operations, states
from directory.referrals.models import Referral
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    UserFactory,
)

ANONYMOUS = "anonymous"
SENDER = "sender_counsellor"
OTHER_COUNSELLOR = "other_counsellor"
RECEIVER = "receiver_partner"
OTHER_PARTNER = "other_partner"
ADMIN_ROLE = "admin"
ROLES = (ANONYMOUS, SENDER, OTHER_COUNSELLOR, RECEIVER, OTHER_PARTNER, ADMIN_ROLE)


@dataclass
class Network:
    users: dict[str, User]
    service: Service
    problem_terms: list[TaxonomyTerm]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def counsellor(self) -> User:
        return self.users[SENDER]

    @property
    def partner(self) -> User:
        return self.users[RECEIVER]


def problems_taxonomy() -> Taxonomy:
    taxonomy = db.session.get(Taxonomy, TAXONOMY_PROBLEMS)
    return taxonomy or TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah keluarga")


def build_network() -> Network:
    """Commits: requests share the test's session and may roll back what is only flushed."""
    taxonomy = problems_taxonomy()
    terms = [
        TaxonomyTermFactory(taxonomy=taxonomy, name=name)
        for name in ("Kekerasan dalam rumah tangga", "Perceraian", "Penelantaran anak")
    ]
    sending = OrganizationFactory(name="LK3 Kota Serang (uji)")
    receiving = OrganizationFactory(name="UPTD PPA Kota Serang (uji)")
    lk3_elsewhere = OrganizationFactory(name="LK3 Kota Cilegon (uji)")
    partner_elsewhere = OrganizationFactory(name="RSUD Kota Cilegon (uji)")
    LocationFactory(organization=sending, region_code="36.73")
    service = ServiceFactory(organization=receiving, name="Pendampingan korban KDRT (uji)")
    ServiceAtLocationFactory(
        service=service, location=LocationFactory(organization=receiving, region_code="36.73")
    )
    for term in terms[:2]:
        AttributeFactory(link_id=service.id, link_entity="service", taxonomy_term=term)
    users = {
        SENDER: UserFactory(role="counsellor", organization=sending, name="Konselor Pengirim"),
        OTHER_COUNSELLOR: UserFactory(role="counsellor", organization=lk3_elsewhere),
        RECEIVER: UserFactory(role=PARTNER, organization=receiving, name="Mitra Penerima"),
        OTHER_PARTNER: UserFactory(role=PARTNER, organization=partner_elsewhere),
        ADMIN_ROLE: UserFactory(role=ADMIN, organization=None, name="Admin Jejaring"),
    }
    db.session.commit()
    return Network(users=users, service=service, problem_terms=terms)


def sign_in(client: FlaskClient, user: User) -> None:
    """Put a signed-in session in the client's cookie, as ``/masuk`` does."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SIGNED_IN_AT] = int(time.time())


def client_as(app: Any, network: Network, role: str) -> FlaskClient:
    client = app.test_client()
    if role != ANONYMOUS:
        sign_in(client, network.users[role])
    return client


def bearer(user: User) -> dict[str, str]:
    raw, _token = issue_api_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


CSRF_FIELD = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token a page at ``path`` gives this client."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def referral_payload(network: Network, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "service_id": network.service.id,
        "problem_term_ids": [network.problem_terms[0].id],
        "urgency": "high",
        "reason": "Korban KDRT membutuhkan pendampingan hukum dan rumah aman.",
        "client": {
            "reference": "LK3-SRG-2025-017",
            "initials": "R.A.",
            "age_group": "25-59",
            "sex": "female",
            "contact": "0812 0000 1111",
            "safe_contact": "Hanya hari kerja sebelum pukul 12.00.",
        },
        "consent": {
            "given": True,
            "method": "written",
            "recorded_at": utcnow().isoformat(),
        },
    }
    payload.update(overrides)
    return payload


# How each status is reached from "sent", with the details each action needs.
PATH_TO = {
    states.SENT: (),
    states.RECEIVED: (states.RECEIVE,),
    states.ACCEPTED: (states.ACCEPT,),
    states.DECLINED: (states.DECLINE,),
    states.IN_PROGRESS: (states.ACCEPT, states.START),
    states.CLOSED: (states.ACCEPT, states.START, states.CLOSE),
    states.WITHDRAWN: (states.WITHDRAW,),
    states.ON_HOLD: (states.ACCEPT, states.START, states.HOLD),
}


def transition_request(action: str, **extra: Any) -> operations.TransitionRequest:
    details: dict[str, Any] = {}
    if action == states.DECLINE:
        details = {"reason_code": "capacity_full"}
    elif action == states.WITHDRAW:
        details = {"reason_code": "referred_elsewhere"}
    elif action == states.HOLD:
        details = {"reason_code": "client_unavailable"}
    elif action == states.CLOSE:
        details = {"outcome": operations.Outcome(result="successful", service_delivered=True)}
    details.update(extra)
    return operations.TransitionRequest(action=action, **details)


def referral_in(network: Network, status: str, **fields: Any) -> Referral:
    """A committed referral from the network's counsellor to its service, moved to ``status``."""
    fields.setdefault("problem_terms", [network.problem_terms[0]])
    referral = ReferralFactory(counsellor=network.counsellor, service=network.service, **fields)
    for action in PATH_TO[status]:
        actor = network.counsellor if action == states.WITHDRAW else network.partner
        operations.transition_referral(referral, actor, transition_request(action))
    db.session.commit()
    assert referral.status == status
    return referral


def referral_draft(network: Network, **client_fields: Any) -> operations.ReferralDraft:
    """The payload of :func:`referral_payload` as the operation takes it."""
    payload = referral_payload(network)
    return operations.ReferralDraft(
        service_id=payload["service_id"],
        problem_term_ids=tuple(payload["problem_term_ids"]),
        urgency=payload["urgency"],
        reason=payload["reason"],
        client=operations.ClientDetails(**{**payload["client"], **client_fields}),
        consent=operations.Consent(given=True, method="written", recorded_at=utcnow()),
    )
