"""Hypothesis on the pure parts that take outside input: the API's query parser, the
search text handling, and the referral state machine (pure, and through the operations).

Bounded by ``max_examples``; derandomized so that a failure replays.
"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from directory.api.params import MAX_PAGE, MAX_PER_PAGE, parse_service_list
from directory.errors import ApiError
from directory.extensions import db
from directory.referrals import operations, states
from directory.search.analyzer import MAX_QUERY_LENGTH, clean_query, query_words
from tests.support.referral_network import build_network, referral_in, transition_request

FAST = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PARAMETERS = (
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "organization_id",
    "modified_after",
    "full",
    "latitude",
    "longitude",
    "near",
    "radius_km",
    "region",
    "accepting_referrals",
    "free",
    "language",
    "open_now",
    "include_out_of_area",
    "status",
    "sort",
)
# Values near what the parser expects, and anything at all.
VALUES = st.one_of(
    st.text(max_size=60),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["true", "false", "1", "0", "36.04", "36", "id", "distance", "active", ""]),
    st.uuids().map(str),
    st.text(alphabet=string.digits + ".,-+eE ", max_size=30),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
PAIRS = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)), VALUES), max_size=8
)


@FAST
@given(pairs=PAIRS)
def test_the_service_query_parser_answers_400_or_sane_values(app, pairs):
    args = MultiDict(pairs)
    try:
        params = parse_service_list(args)
    except ApiError as error:
        assert error.status == 400
        # Each problem is named after a parameter (given, or one that a given one needs).
        assert error.fields and set(error.fields) <= set(PARAMETERS) | {name for name, _ in pairs}
        return
    assert 1 <= params.paging.page <= MAX_PAGE
    assert 1 <= params.paging.per_page <= MAX_PER_PAGE
    search = params.search
    if search.latitude is not None:
        assert -90 <= search.latitude <= 90 and -180 <= search.longitude <= 180


@FAST
@given(text=st.text(max_size=400))
def test_search_text_is_cleaned_and_split_without_failing(app, text):
    cleaned = clean_query(text)
    assert len(cleaned) <= MAX_QUERY_LENGTH
    assert not any(ch in cleaned for ch in "\x00\n\r\t\x1b")
    for word in query_words(text):
        assert word.terms and all(term == term.lower() for term in word.terms)


SIDES = st.frozensets(st.sampled_from([states.SENDER, states.RECEIVER]))
STEPS = st.lists(st.tuples(st.sampled_from([*states.ACTIONS, "reopen"]), SIDES), max_size=12)


@settings(max_examples=500, deadline=None, database=None, derandomize=True)
@given(steps=STEPS)
def test_random_action_sequences_follow_exactly_the_table(steps):
    status = states.INITIAL_STATUS
    for action, sides in steps:
        allowed = (status, action) in states.TABLE and states.SIDE_OF_ACTION[action] in sides
        assert (action in states.available_actions(status, sides)) == allowed
        try:
            next_status = states.apply_transition(status, action, sides)
        except states.TransitionError:
            assert not allowed
            continue
        assert allowed
        assert next_status == states.TABLE[(status, action)][0]
        assert status not in states.FINAL_STATUSES
        status = next_status
        assert status in states.STATUSES


ROLE_STEPS = st.lists(
    st.tuples(
        st.sampled_from(states.ACTIONS),
        st.sampled_from(["sender_counsellor", "receiver_partner", "other_partner", "admin"]),
    ),
    min_size=1,
    max_size=6,
)


def test_the_operations_take_exactly_the_tables_transitions(app):
    network = build_network()

    @settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @given(steps=ROLE_STEPS)
    def run(steps):
        referral = referral_in(network, "sent")
        history = [states.SENT]
        for action, role in steps:
            actor = network.users[role]
            status = referral.status
            side = states.SIDE_OF_ACTION[action]
            allowed = (status, action) in states.TABLE and side in referral.sides(actor)
            try:
                operations.transition_referral(referral, actor, transition_request(action))
            except states.TransitionError:
                assert not allowed, (status, action, role)
                continue
            assert allowed, (status, action, role)
            history.append(referral.status)
        db.session.commit()
        assert [event.to_status for event in referral.events] == history
        assert referral.status in states.STATUSES

    run()
