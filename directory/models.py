"""Every model, imported in one place so that Alembic and ``db.create_all`` see them all."""

from directory.audit.models import MetadataEntry
from directory.auth.models import ApiToken, LoginAttempt, User
from directory.geo.models import Region
from directory.idempotency.models import IdempotencyKey
from directory.institutions.models import (
    Accessibility,
    Address,
    Attribute,
    ChangeLogEntry,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from directory.listings.models import ListingChange
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals.models import BreakGlassAccess, Referral, ReferralEvent, ReferralView
from directory.sheets.models import SheetImport, SheetMapping

__all__ = [
    "Accessibility",
    "Address",
    "ApiToken",
    "Attribute",
    "BreakGlassAccess",
    "ChangeLogEntry",
    "Contact",
    "CostOption",
    "Funding",
    "IdempotencyKey",
    "Language",
    "ListingChange",
    "Location",
    "LoginAttempt",
    "MetadataEntry",
    "Notification",
    "Organization",
    "OrganizationIdentifier",
    "OutgoingEmail",
    "Phone",
    "Program",
    "Referral",
    "ReferralEvent",
    "RequiredDocument",
    "ReferralView",
    "Region",
    "Schedule",
    "Service",
    "SheetImport",
    "SheetMapping",
    "ServiceArea",
    "ServiceAtLocation",
    "Taxonomy",
    "TaxonomyTerm",
    "User",
]
