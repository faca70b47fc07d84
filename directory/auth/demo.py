"""Demonstration accounts, one or more per role, at organizations of the seed directory.

Created by ``flask seed load --demo`` (the default in demo mode) and listed on the sign-in
page in demo mode only. The password is public: never run demo mode with real data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from directory.auth.models import ADMIN, COUNSELLOR, PARTNER, User
from directory.auth.operations import create_user
from directory.extensions import db
from directory.institutions.models import Organization

DEMO_PASSWORD = "sandi-demo-rujukan"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    # Words the organization's name must all contain (case-insensitive); empty for admin.
    organization_words: tuple[str, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount("admin.demo@example.org", "Admin Jejaring (demo)", ADMIN),
    DemoAccount(
        "konselor.kotaserang@example.org",
        "Siti Rahmawati (demo)",
        COUNSELLOR,
        ("LK3 Kota Serang",),
    ),
    DemoAccount(
        "konselor.kabserang@example.org",
        "Ahmad Fauzi (demo)",
        COUNSELLOR,
        ("LK3 Kabupaten Serang",),
    ),
    DemoAccount(
        "mitra.uptdppa@example.org", "Dewi Lestari (demo)", PARTNER, ("UPTD PPA Kota Serang",)
    ),
    DemoAccount(
        "mitra.unitppa@example.org",
        "Bripka Andi Saputra (demo)",
        PARTNER,
        ("Unit PPA", "Polresta Serang"),
    ),
    DemoAccount(
        "mitra.rsud@example.org", "dr. Rina Marlina (demo)", PARTNER, ("RSUD Kota Serang",)
    ),
)


def find_organization(words: tuple[str, ...]) -> Organization | None:
    """The first organization, by name, whose name contains every word."""
    statement = select(Organization).order_by(Organization.name, Organization.id).limit(1)
    for word in words:
        statement = statement.where(Organization.name.ilike(f"%{word}%"))
    return db.session.scalar(statement)


def create_demo_accounts() -> list[str]:
    """Create the missing demo accounts; safe to run again. Returns a line per account."""
    report = []
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == account.email)):
            report.append(f"{account.email}: exists")
            continue
        organization = None
        if account.organization_words:
            organization = find_organization(account.organization_words)
        if account.organization_words and organization is None:
            wanted = " + ".join(account.organization_words)
            report.append(f"{account.email}: skipped, no organization named like {wanted}")
            continue
        create_user(
            email=account.email,
            name=account.name,
            role=account.role,
            password=DEMO_PASSWORD,
            organization_id=organization.id if organization else None,
        )
        where = f" at {organization.name}" if organization else ""
        report.append(f"{account.email}: created ({account.role}{where})")
    return report


def existing_demo_accounts() -> list[User]:
    emails = [account.email for account in DEMO_ACCOUNTS]
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    order = {email: index for index, email in enumerate(emails)}
    return sorted(users, key=lambda user: order[user.email])
