"""The Hypothesis settings of the fuzz tests that drive the app with generated requests
(the API and the HSDS profile from their OpenAPI documents, the forms from their fields)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings


def fuzz_settings(max_examples: int) -> settings:
    """Reproducible runs (derandomized, no example database), no deadline (a request is
    slow next to a function), the explicit examples then generated ones, and no health
    check (each example is a whole request to an app a fixture made)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
