"""Schemathesis against the app's own OpenAPI description (``/api/v1/openapi.json``), in
process through WSGI: every operation, without credentials and with a counsellor's bearer
token. No answer may be a server error, and every answer must match its description
(status code, content type and body schema).

Bounded: ``MAX_EXAMPLES`` cases per operation and credential, derandomized so a failure
replays; the count of cases that ran is printed at the end.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import given
from schemathesis import checks

from tests.support.fuzzing import fuzz_settings
from tests.support.referral_network import ADMIN_ROLE, bearer, build_network, referral_in

MAX_EXAMPLES = 15
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def fuzz(operation, headers: dict[str, str], ran: Counter, label: str) -> None:
    @fuzz_settings(MAX_EXAMPLES)
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
        ran[label] += 1

    run()


def test_the_api_keeps_to_its_description_under_fuzzing(app, capsys):
    network = build_network()
    # Something to find: referrals in a few states, visible to the counsellor.
    for status in ("sent", "accepted", "declined"):
        referral_in(network, status)
    credentials = {
        "anonymous": {},
        "counsellor": bearer(network.counsellor),
        "partner": bearer(network.partner),
        "admin": bearer(network.users[ADMIN_ROLE]),
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    ran: Counter = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for who, headers in credentials.items():
            fuzz(operation, headers, ran, who)
    total = sum(ran.values())
    with capsys.disabled():
        print(f"\nschemathesis: {total} cases over {operations} operations ({dict(ran)})")
    assert operations >= 15
    assert all(ran[who] > operations for who in credentials)
