"""Every model, imported in one place so that Alembic and ``db.create_all`` see them all."""

from directory.geo.models import Region
from directory.institutions.models import (
    Address,
    Attribute,
    ChangeLogEntry,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

__all__ = [
    "Address",
    "Attribute",
    "ChangeLogEntry",
    "Contact",
    "CostOption",
    "Language",
    "Location",
    "Organization",
    "Phone",
    "Region",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "Taxonomy",
    "TaxonomyTerm",
]
