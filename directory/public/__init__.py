"""Public pages: home, browse by region, organization and service pages."""
