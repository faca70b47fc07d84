"""Demonstration data in a production database: finding it, and ``flask seed remove-demo``.

Demo mode is something a person turns on (``DIRECTORY_DEMO=1``; ``make run`` does); it is
never inferred from what a database holds. The other way round, a production start
refuses while the database holds what a demonstration put there and anyone could use:

- demo accounts: those of :data:`directory.auth.demo.DEMO_ACCOUNTS` (their password is
  published) and any account at a domain reserved for examples (``example.org``, ``.com``,
  ``.net``: RFC 2606; no real person has one);
- demonstration institutions: organizations marked "data demonstrasi" (invented
  organizations at real places, with unreachable numbers).

Only active ones count: an inactive account cannot sign in, an inactive organization is
not public and receives no referrals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import click
from flask import Flask
from sqlalchemy import exists, func, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError

from directory.auth.demo import DEMO_ACCOUNTS
from directory.auth.models import User
from directory.extensions import db
from directory.institutions.models import (
    TERM_DEMONSTRATION_DATA,
    Attribute,
    Organization,
    Service,
)
from directory.referrals.models import Referral

log = logging.getLogger(__name__)

EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")
REMOVE_COMMAND = "flask --app directory seed remove-demo"
# How many names a refusal shows of each kind.
SHOWN = 5


@dataclass(frozen=True)
class CommandActor:
    """Who a command's changes are recorded as in the audit trail (no account)."""

    email: str
    id: None = None


@dataclass
class DemoData:
    accounts: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.accounts or self.organizations)

    def describe(self) -> list[str]:
        lines = []
        if self.accounts:
            shown = ", ".join(self.accounts[:SHOWN])
            more = ", ..." if len(self.accounts) > SHOWN else ""
            lines.append(f"{len(self.accounts)} active demo account(s): {shown}{more}")
        if self.organizations:
            shown = ", ".join(self.organizations[:SHOWN])
            more = ", ..." if len(self.organizations) > SHOWN else ""
            lines.append(
                f"{len(self.organizations)} active demonstration institution(s): {shown}{more}"
            )
        return lines


def _demo_account_condition():
    emails = [account.email for account in DEMO_ACCOUNTS]
    domains = [User.email.like(f"%@{domain}") for domain in EXAMPLE_DOMAINS]
    return or_(User.email.in_(emails), *domains)


def _demonstration_condition():
    return exists().where(
        Attribute.link_entity == "organization",
        Attribute.link_id == Organization.id,
        Attribute.taxonomy_term_id == TERM_DEMONSTRATION_DATA,
    )


def find_demo_data() -> DemoData:
    """The active demo accounts (e-mail addresses) and demonstration institutions (names)."""
    accounts = db.session.scalars(
        select(User.email).where(User.active, _demo_account_condition()).order_by(User.email)
    ).all()
    organizations = db.session.scalars(
        select(Organization.name)
        .where(Organization.active, _demonstration_condition())
        .order_by(Organization.name)
    ).all()
    return DemoData(list(accounts), list(organizations))


class DemoDataInProduction(RuntimeError):
    """A production start on a database holding demonstration data."""

    def __init__(self, found: DemoData) -> None:
        self.found = found
        lines = "\n".join(f"  - {line}" for line in found.describe())
        super().__init__(
            "refusing to start in production mode (DEMO_MODE off) on a database with "
            f"demonstration data anyone could use:\n{lines}\n"
            f"Remove it with `{REMOVE_COMMAND}`, or set DIRECTORY_DEMO=1 for a demonstration."
        )


def _is_serving() -> bool:
    """Whether the app is being made to serve requests: by a WSGI server (gunicorn), or
    by ``flask run``. Other commands (``flask seed remove-demo`` among them) may run."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def check_demo_data(app: Flask) -> None:
    """:raises DemoDataInProduction: when serving in production with demonstration data.

    A database without tables yet (before ``flask db upgrade``) holds none; one that
    cannot be reached is left to the requests to report.
    """
    if not _is_serving():
        return
    with app.app_context():
        try:
            if not inspect(db.engine).has_table(User.__tablename__):
                return
            found = find_demo_data()
        except SQLAlchemyError:
            log.warning("could not look for demonstration data: database unavailable")
            return
        finally:
            db.session.remove()
            # No connection opened before the server (or its worker) is ready is kept.
            db.engine.dispose()
    if found:
        raise DemoDataInProduction(found)


@dataclass
class Removal:
    deleted_accounts: list[str] = field(default_factory=list)
    deactivated_accounts: list[str] = field(default_factory=list)
    deleted_organizations: list[str] = field(default_factory=list)
    deactivated_organizations: list[str] = field(default_factory=list)
    deleted_referrals: int = 0


def _has_referrals(organization: Organization) -> bool:
    services = select(Service.id).where(Service.organization_id == organization.id)
    statement = select(func.count(Referral.id)).where(
        or_(
            Referral.sending_organization_id == organization.id,
            Referral.receiving_organization_id == organization.id,
            Referral.service_id.in_(services),
        )
    )
    return bool(db.session.scalar(statement))


def remove_demo_data() -> Removal:
    """Delete the demonstration referrals (:mod:`directory.referrals.demonstration`), then
    the demo accounts and demonstration institutions nothing else refers to;
    deactivate the others (an account that acted, an institution with referrals keep
    their history, but cannot sign in or be found). Flushes; the caller commits.

    Each deletion is all or nothing (a savepoint): what turns out to be referred to is
    deactivated instead.
    """
    from directory.admin import operations as ops
    from directory.referrals.demonstration import remove_history

    actor = CommandActor(email=f"command: {REMOVE_COMMAND}")
    # The invented history first: what only it referred to can then be deleted.
    removal = Removal(deleted_referrals=remove_history())
    users = db.session.scalars(
        select(User).where(_demo_account_condition()).order_by(User.email)
    ).all()
    for user in users:
        email = user.email
        try:
            with db.session.begin_nested():
                ops.delete_account(actor, user)  # type: ignore[arg-type]
        except ops.StillReferenced:
            if user.active:
                ops.set_account_active(actor, user, False)  # type: ignore[arg-type]
                removal.deactivated_accounts.append(email)
        else:
            removal.deleted_accounts.append(email)

    organizations = db.session.scalars(
        select(Organization).where(_demonstration_condition()).order_by(Organization.name)
    ).all()
    for organization in organizations:
        name = organization.name
        if not _has_referrals(organization) and _delete_organization(ops, actor, organization):
            removal.deleted_organizations.append(name)
        elif organization.active:
            ops.deactivate_organization(actor, organization)  # type: ignore[arg-type]
            removal.deactivated_organizations.append(name)
    db.session.flush()
    return removal


def _delete_organization(ops, actor: CommandActor, organization: Organization) -> bool:
    """Its services, then its locations, then itself; False (nothing changed) when any
    of them is still referred to."""
    try:
        with db.session.begin_nested():
            for service in list(organization.services):
                ops.delete_service(actor, service)
            for location in list(organization.locations):
                ops.delete_location(actor, location)
            db.session.expire(organization, ["services", "locations"])
            ops.delete_organization(actor, organization)
    except ops.StillReferenced:
        db.session.expire(organization)
        return False
    return True
