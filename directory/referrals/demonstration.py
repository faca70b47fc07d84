"""A demonstration history: a few hundred invented referrals over the past year, so that the
reports, the organizations' dashboards and the inboxes show what they are for out of the
box. Made by ``flask seed load`` in demo mode (with the demo accounts; ``--no-demo`` leaves
it out) and deleted, events and all, by ``flask seed remove-demo``.

Every referral goes through the real operations (send, open, accept or decline, start,
close, withdraw) with an explicit clock for each step and a fixed random seed, so the
same directory gives the same history. Each is marked ``Referral.demonstration``; its
client fields are obviously invented and say so (``DEMO-0001``, initials ``DM``, a reason
beginning "[DATA DEMONSTRASI]"), with no contact at all.

Senders are the LK3s of the demo accounts (Kota and Kabupaten Serang) and a fixed choice
of LK3s in other provinces; receivers are referral-taking services of other organizations
in the sender's regency or province. Organizations without a demo account act through a
history account (``riwayat-...@example.org``) that cannot sign in (no password) and is
deactivated once the history is written. The notifications and e-mails the operations
queue for this invented past are removed again: nobody is told of it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, exists, func, select, update

from directory.auth.demo import DEMO_ACCOUNTS
from directory.auth.models import COUNSELLOR, PARTNER, User
from directory.extensions import db
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    Attribute,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.referrals import guards, operations, signals, states, vocabulary
from directory.referrals.models import (
    BreakGlassAccess,
    Referral,
    ReferralEvent,
    ReferralLink,
    ReferralNote,
    ReferralView,
    referral_problem_term,
)

SEED = 20261205
# Referrals sent by the two Serang LK3s of the demo accounts, and by each other LK3 chosen.
SERANG_REFERRALS = {"LK3 Kota Serang": 150, "LK3 Kabupaten Serang": 50}
OTHER_SENDERS = 10
OTHER_REFERRALS = 18
# Receiving services per sender.
RECEIVERS_PER_SENDER = 5
HISTORY_DAYS = 365
# A password hash no password matches (not an argon2 hash): history accounts never sign in.
NO_PASSWORD = "!riwayat-demonstrasi: tidak dapat masuk"
LABEL = "[DATA DEMONSTRASI]"


@dataclass
class Actors:
    """Who acts for each organization: its demo account, or a history account."""

    by_organization: dict[str, User]
    history_accounts: list[User]


def has_history() -> bool:
    return bool(db.session.scalar(select(exists().where(Referral.demonstration.is_(True)))))


def _region_of_organizations() -> dict[str, str]:
    found: dict[str, str] = {}
    for organization_id, code in db.session.execute(
        select(Location.organization_id, Location.region_code)
        .where(Location.region_code.is_not(None))
        .order_by(Location.organization_id, Location.name, Location.id)
    ):
        if organization_id is not None and code is not None:
            found.setdefault(organization_id, code)
    return found


def _services_by_region() -> dict[str, list[tuple[str, str]]]:
    """(service id, organization id) of active referral-taking services, by regency code."""
    found: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: set[str] = set()
    for service_id, organization_id, code in db.session.execute(
        select(Service.id, Service.organization_id, Location.region_code)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Organization, Organization.id == Service.organization_id)
        .where(
            Service.status == "active",
            Service.accepting_referrals.is_(True),
            Organization.active.is_(True),
            Location.region_code.is_not(None),
        )
        .order_by(Service.id, Location.name)
    ):
        if service_id in seen or code is None:
            continue
        seen.add(service_id)
        found[code[:5]].append((service_id, organization_id))
    return found


def _problems_of_services() -> tuple[dict[str, list[str]], list[str]]:
    by_service: defaultdict[str, list[str]] = defaultdict(list)
    for service_id, term_id in db.session.execute(
        select(Attribute.link_id, Attribute.taxonomy_term_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_entity == "service", TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS)
        .order_by(Attribute.link_id, Attribute.taxonomy_term_id)
    ):
        by_service[service_id].append(term_id)
    everything = list(
        db.session.scalars(
            select(TaxonomyTerm.id)
            .where(TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS)
            .order_by(TaxonomyTerm.id)
        )
    )
    return by_service, everything


def _senders(rng: random.Random, regions: dict[str, str]) -> list[tuple[Organization, int]]:
    lk3s = db.session.scalars(
        select(Organization)
        .where(Organization.name.like("LK3 %"), Organization.active.is_(True))
        .order_by(Organization.name, Organization.id)
    ).all()
    by_name = {organization.name: organization for organization in lk3s}
    chosen = [(by_name[name], count) for name, count in SERANG_REFERRALS.items() if name in by_name]
    others = [o for o in lk3s if o.name not in SERANG_REFERRALS and o.id in regions]
    for organization in rng.sample(others, min(OTHER_SENDERS, len(others))):
        chosen.append((organization, OTHER_REFERRALS))
    return chosen


def _actors(organization_ids: set[str]) -> Actors:
    demo_emails = [account.email for account in DEMO_ACCOUNTS]
    by_organization: dict[str, User] = {}
    for user in db.session.scalars(
        select(User).where(User.email.in_(demo_emails), User.active.is_(True)).order_by(User.email)
    ):
        if user.organization_id is not None:
            by_organization.setdefault(user.organization_id, user)
    history = []
    organizations = db.session.scalars(
        select(Organization)
        .where(Organization.id.in_(organization_ids))
        .order_by(Organization.name, Organization.id)
    )
    for organization in organizations:
        if organization.id in by_organization:
            continue
        email = f"riwayat-{organization.id[:8]}@example.org"
        # One left by an earlier history (deactivated) acts again, for as long as it takes.
        account = db.session.scalar(select(User).where(User.email == email))
        if account is None:
            account = User(
                email=email,
                name=f"Petugas riwayat demo ({organization.name})"[:200],
                role=COUNSELLOR if organization.name.startswith("LK3 ") else PARTNER,
                organization_id=organization.id,
                password_hash=NO_PASSWORD,
            )
            db.session.add(account)
        account.active = True
        by_organization[organization.id] = account
        history.append(account)
    db.session.flush()
    return Actors(by_organization, history)


def _working_time(rng: random.Random, day: datetime) -> datetime:
    """A moment between 08.00 and 15.00 WIB (01.00-08.00 UTC) on ``day``, Monday to Friday."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day.replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(
        minutes=rng.randrange(7 * 60)
    )


def _draft(
    rng: random.Random, number: int, service_id: str, terms: list[str], sent_at: datetime
) -> operations.ReferralDraft:
    urgency = rng.choices(("emergency", "high", "normal"), weights=(15, 35, 50))[0]
    age_group = rng.choices(list(vocabulary.AGE_GROUPS), weights=(4, 8, 12, 16, 50, 10))[0]
    child = age_group in vocabulary.CHILD_AGE_GROUPS
    return operations.ReferralDraft(
        service_id=service_id,
        problem_term_ids=tuple(terms),
        urgency=urgency,
        reason=(
            f"{LABEL} Rujukan contoh nomor {number} untuk demonstrasi; bukan klien nyata. "
            "Klien membutuhkan layanan lanjutan sesuai masalah yang dipilih."
        ),
        client=operations.ClientDetails(
            reference=f"DEMO-{number:04d}",
            initials="DM",
            age_group=age_group,
            sex=rng.choice(list(vocabulary.SEXES)),
        ),
        consent=operations.Consent(
            given=True,
            method="verbal",
            recorded_at=sent_at - timedelta(minutes=rng.randrange(30, 600)),
            guardian_given=True if child else None,
            guardian_relationship="Wali (contoh demonstrasi)" if child else None,
        ),
    )


def _act(
    referral: Referral, actor: User, action: str, at: datetime, now: datetime, **details
) -> bool:
    """Take ``action`` at ``at`` unless that is still to come; True when taken."""
    if at >= now:
        return False
    operations.transition_referral(
        referral, actor, operations.TransitionRequest(action=action, **details), now=at
    )
    return True


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _follow(
    rng: random.Random, referral: Referral, sender: User, receiver: User, now: datetime
) -> None:
    """What happens to a sent referral, each step at its own moment before ``now``."""
    sent_at = referral.sent_at
    fate = rng.random()
    quick = {"emergency": 0.2, "high": 0.6}.get(referral.urgency, 1.0)
    opened_at = sent_at + _hours(rng, 0.2, 30) * quick
    # Left unanswered (never opened, or opened only): overdue once past the deadline;
    # the sender gives up on it after two weeks.
    given_up_at = sent_at + timedelta(days=14)
    if fate < 0.04 or opened_at >= now:
        _act(referral, sender, states.WITHDRAW, given_up_at, now, reason_code="no_response")
        return
    operations.open_referral(referral, receiver, operations.WEB, now=opened_at)
    answered_at = opened_at + _hours(rng, 0.5, 70) * quick
    if fate < 0.08:
        _act(referral, sender, states.WITHDRAW, given_up_at, now, reason_code="no_response")
        return
    if fate < 0.14:
        _act(
            referral,
            sender,
            states.WITHDRAW,
            opened_at + _hours(rng, 1, 48),
            now,
            reason_code=rng.choice(["problem_resolved", "referred_elsewhere", "no_response"]),
        )
        return
    if fate < 0.34:
        reason = rng.choice(
            ["capacity_full", "not_eligible", "outside_service_area", "service_not_offered"]
        )
        _act(referral, receiver, states.DECLINE, answered_at, now, reason_code=reason)
        return
    if not _act(referral, receiver, states.ACCEPT, answered_at, now):
        return
    started_at = answered_at + _hours(rng, 2, 72)
    if rng.random() < 0.15 or not _act(referral, receiver, states.START, started_at, now):
        return
    closed_at = started_at + timedelta(days=rng.uniform(3, 60))
    successful = rng.random() < 0.8
    _act(
        referral,
        receiver,
        states.CLOSE,
        closed_at,
        now,
        outcome=operations.Outcome(
            result=vocabulary.SUCCESSFUL if successful else vocabulary.NOT_SUCCESSFUL,
            service_delivered=successful or rng.random() < 0.3,
            reason_not_successful=None
            if successful
            else f"{LABEL} Klien contoh tidak melanjutkan layanan.",
        ),
    )


def load_history(now: datetime) -> int:
    """Write the demonstration history ending at ``now``; flushed, not committed.

    Returns how many referrals were made: none when a history exists already, or when
    the directory has no LK3 (the demonstration institutions were not imported).
    """
    if has_history():
        return 0
    rng = random.Random(SEED)
    regions = _region_of_organizations()
    services = _services_by_region()
    problems_of, all_problems = _problems_of_services()
    senders = _senders(rng, regions)
    demo_organizations = set(
        db.session.scalars(
            select(User.organization_id).where(
                User.email.in_([account.email for account in DEMO_ACCOUNTS]),
                User.organization_id.is_not(None),
            )
        )
    )
    plans: list[tuple[Organization, list[tuple[str, str]], int]] = []
    for organization, count in senders:
        region = regions.get(organization.id, "")
        nearby = [s for s in services.get(region[:5], []) if s[1] != organization.id]
        if len(nearby) < RECEIVERS_PER_SENDER:
            nearby += [
                s
                for code, listed in sorted(services.items())
                if code[:2] == region[:2] and code != region[:5]
                for s in listed
                if s[1] != organization.id
            ]
        if nearby:
            # The organizations of the demo partners first: their inboxes and dashboards
            # then have a history to show.
            preferred = [s for s in nearby if s[1] in demo_organizations][:RECEIVERS_PER_SENDER]
            rest = [s for s in nearby[: RECEIVERS_PER_SENDER * 2] if s not in preferred]
            receivers = preferred + rng.sample(
                rest, min(RECEIVERS_PER_SENDER - len(preferred), len(rest))
            )
            plans.append((organization, receivers, count))
    if not plans or not all_problems:
        return 0
    acting = {o.id for o, _, _ in plans} | {s[1] for _, chosen, _ in plans for s in chosen}
    actors = _actors(acting)
    made: list[str] = []
    moments = []
    for organization, receivers, count in plans:
        for _ in range(count):
            day = now - timedelta(days=rng.uniform(0.5, HISTORY_DAYS))
            moments.append((_working_time(rng, day), organization.id, rng.choice(receivers)))
    # In the order they happened, so that re-referrals and inboxes read naturally.
    moments.sort(key=lambda item: item[0])
    for number, (sent_at, sender_id, (service_id, receiver_id)) in enumerate(moments, start=1):
        if sent_at >= now:
            continue
        offered = problems_of.get(service_id) or all_problems
        terms = rng.sample(offered, min(len(offered), rng.choice((1, 1, 2))))
        sender = actors.by_organization[sender_id]
        referral = operations.send_referral(
            _draft(rng, number, service_id, terms, sent_at), sender, now=sent_at
        )
        _follow(rng, referral, sender, actors.by_organization[receiver_id], now)
        made.append(referral.id)
    referral_table = cast(Table, Referral.__table__)
    db.session.execute(
        update(referral_table).where(referral_table.c.id.in_(made)).values(demonstration=True)
    )
    _forget_notifications(made)
    for user in actors.history_accounts:
        user.active = False
    db.session.flush()
    return len(made)


def _forget_notifications(referral_ids: list[str]) -> None:
    """Nobody is told of an invented past: its notifications and e-mails go."""
    signals.referral_notices_forgotten.send(None, referral_ids=referral_ids)


def remove_history() -> int:
    """Delete every demonstration referral with its events, accesses and notifications
    (the events' trigger allows it for these referrals only); flushed, not committed.
    Returns how many referrals were deleted."""
    ids = list(db.session.scalars(select(Referral.id).where(Referral.demonstration.is_(True))))
    if not ids:
        return 0
    db.session.flush()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        _forget_notifications(chunk)
        for table in (ReferralView, BreakGlassAccess, ReferralNote, ReferralLink):
            db.session.execute(delete(table).where(table.referral_id.in_(chunk)))
        db.session.execute(
            delete(referral_problem_term).where(referral_problem_term.c.referral_id.in_(chunk))
        )
        with guards.deleting_demonstration_history(db.session):
            event_table = cast(Table, ReferralEvent.__table__)
            db.session.execute(delete(event_table).where(event_table.c.referral_id.in_(chunk)))
        referral_table = cast(Table, Referral.__table__)
        db.session.execute(
            update(referral_table)
            .where(referral_table.c.previous_referral_id.in_(chunk))
            .values(previous_referral_id=None)
        )
    referral_table = cast(Table, Referral.__table__)
    for start in range(0, len(ids), 500):
        db.session.execute(
            delete(referral_table).where(referral_table.c.id.in_(ids[start : start + 500]))
        )
    db.session.expire_all()
    return len(ids)


def count_history() -> int:
    return db.session.scalar(select(func.count(Referral.id)).where(Referral.demonstration)) or 0
