"""Hypothesis over every form of the pages: each form route (every POST of the access
matrix, and every GET page that reads a query form) gets random and hostile values, as
each kind of visitor, with a valid CSRF token. No answer may be a server error.

Field names: those of the route's own probe and of every form class of the app, so each
form's real fields get hostile values (dates at the calendar's ends, huge numbers, markup,
NUL bytes, long text, ids of real and missing records). Bounded: ``MAX_EXAMPLES`` per
route and visitor, derandomized so that a failure replays; the count is printed.
"""

from __future__ import annotations

import inspect
import uuid
from collections import Counter
from urllib.parse import urlencode

from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import directory.admin.forms
import directory.auth.forms
import directory.gaps.forms
import directory.listings.forms
import directory.referrals.forms  # noqa: F401  (their form classes are collected below)
from directory.extensions import db
from tests.support.fuzzing import fuzz_settings
from tests.support.referral_network import ROLES, csrf_token, sign_in
from tests.support.route_probes import PROBES, build_world

MAX_EXAMPLES = 6
# A few fields of each form in one post: enough to reach every validator over the run.
FIELDS_PER_POST = 6
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999999",
    "9223372036854775808",
    "1e999",
    "nan",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "../../etc/passwd",
    "x" * 5000,
    "y",
    "on",
    "true",
    "00000000-0000-0000-0000-000000000000",
    str(uuid.UUID(int=1)),
    "٣",
    "\u202e",
]


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def form_field_names() -> list[str]:
    names: set[str] = set()
    for form in _all_subclasses(FlaskForm):
        if not form.__module__.startswith("directory."):
            continue
        for name, _field in inspect.getmembers(form, lambda m: isinstance(m, UnboundField)):
            names.add(name)
    # The referral page's action forms carry a prefix.
    for action in ("accept", "decline", "withdraw", "close", "start"):
        names |= {f"{action}-{name}" for name in ("version", "note", "reason_code", "result")}
    names |= {"purpose", "idempotency_key", "reference", "lift", "page", "q"}
    return sorted(names - {"csrf_token"})


def values(ids: list[str]) -> st.SearchStrategy[str]:
    """Hostile values three times in four, random text otherwise."""
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
    hostile = st.sampled_from(HOSTILE + ids)
    return st.one_of(hostile, hostile, hostile, text)


def fuzz_one(client, token, url, method, label, own, names, ids, ran, role, failures) -> None:
    """``own``: the route's own fields, in every example; ``names``: any form's fields, a
    few at a time."""

    @fuzz_settings(MAX_EXAMPLES)
    @given(
        fields=st.tuples(
            st.just(own),
            st.lists(st.sampled_from(names), max_size=FIELDS_PER_POST, unique=True),
        ).flatmap(
            lambda keys: st.fixed_dictionaries(
                {key: values(ids) for key in dict.fromkeys(keys[0] + keys[1])}
            )
        )
    )
    def post(fields) -> None:
        data = {**fields, "csrf_token": token}
        for prefix in {key.split("-", 1)[0] for key in fields if "-" in key}:
            data[f"{prefix}-csrf_token"] = token
        if method == "POST":
            response = client.post(url, data=data)
        else:
            joiner = "&" if "?" in url else "?"
            response = client.get(url + joiner + urlencode(fields))
        status = response.status_code
        response.close()
        ran[role] += 1
        if status >= 500:
            failures.append(f"{label} {url}: {status} with {fields!r}")
        assert status < 500

    post()


def test_no_form_answers_a_server_error(app, capsys):
    world = build_world()
    names = form_field_names()
    assert len(names) > 60
    ids = [
        world.referral.id,
        world.declined.id,
        world.network.service.id,
        world.network.problem_terms[0].id,
        world.network.partner.id,
    ]
    ran: Counter = Counter()
    failures: list[str] = []
    routes = sorted(key for key in PROBES if key[1] in ("GET", "POST"))
    fuzzed = 0
    for endpoint, method in routes:
        probe = PROBES[(endpoint, method)]
        if method == "POST" and probe.form is None:
            continue
        url = probe.url(world)
        if url.startswith("/api/"):
            continue  # schemathesis covers the API (tests/test_fuzz_api.py)
        # A page's own fields: its form's, or for a GET page the list's paging and search.
        own = sorted(probe.form(world)) if probe.form is not None else ["page", "q"]
        fuzzed += 1
        for role in ROLES:
            client = app.test_client()
            user = world.network.users.get(role)
            if user is not None:
                db.session.refresh(user)
                sign_in(client, user)
            token = csrf_token(client, "/keluar" if user is not None else "/masuk")

            fuzz_one(
                client,
                token,
                url,
                method,
                f"{endpoint} as {role}",
                own,
                names,
                ids,
                ran,
                role,
                failures,
            )
    # And every hostile value in each of a route's own fields, one at a time, as the
    # visitor the form is for (the first signed-in one whose probe expects no refusal and
    # no redirect to sign in).
    swept = 0
    for endpoint, method in routes:
        probe = PROBES[(endpoint, method)]
        if method == "POST" and probe.form is None:
            continue
        url = probe.url(world)
        if url.startswith("/api/"):
            continue
        own = sorted(probe.form(world)) if probe.form is not None else ["page", "q"]
        role = next(
            (r for r in (*ROLES[1:], ROLES[0]) if probe.expect[r] < 400 and probe.expect[r] != 302),
            ROLES[-1],
        )
        client = app.test_client()
        user = world.network.users.get(role)
        if user is not None:
            db.session.refresh(user)
            sign_in(client, user)
        token = csrf_token(client, "/keluar" if user is not None else "/masuk")
        for field in own:
            for value in HOSTILE:
                if method == "POST":
                    response = client.post(
                        url, data={**probe.form(world), field: value, "csrf_token": token}
                    )
                else:
                    joiner = "&" if "?" in url else "?"
                    response = client.get(url + joiner + urlencode({field: value}))
                status = response.status_code
                response.close()
                swept += 1
                if status >= 500:
                    failures.append(f"{endpoint} {url} as {role}: {status} with {field}={value!r}")
    total = sum(ran.values()) + swept
    with capsys.disabled():
        print(
            f"\nform fuzz: {total} requests over {fuzzed} page routes "
            f"({dict(ran)}; {swept} in the sweep of each field)"
        )
    assert failures == []
    assert fuzzed > 40
    assert all(ran[role] > fuzzed for role in ROLES)
