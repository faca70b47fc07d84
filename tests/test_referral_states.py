"""The state machine, walked whole: every status, every action, every side."""

from __future__ import annotations

import itertools

import pytest

from directory.referrals import states
from directory.referrals.states import (
    RECEIVER,
    SENDER,
    IllegalTransition,
    UnknownAction,
    WrongSide,
    apply_transition,
    available_actions,
    sides_of,
)

# The contract's table (shared/docs/contract.md), restated here as the test's own truth.
CONTRACT = {
    ("sent", "receive"): ("received", RECEIVER),
    ("sent", "accept"): ("accepted", RECEIVER),
    ("received", "accept"): ("accepted", RECEIVER),
    ("sent", "decline"): ("declined", RECEIVER),
    ("received", "decline"): ("declined", RECEIVER),
    ("accepted", "start"): ("in_progress", RECEIVER),
    ("accepted", "close"): ("closed", RECEIVER),
    ("in_progress", "close"): ("closed", RECEIVER),
    ("sent", "withdraw"): ("withdrawn", SENDER),
    ("received", "withdraw"): ("withdrawn", SENDER),
    # Added for the second round: on hold and resume, the receiver's.
    ("accepted", "hold"): ("on_hold", RECEIVER),
    ("in_progress", "hold"): ("on_hold", RECEIVER),
    ("on_hold", "resume"): ("in_progress", RECEIVER),
}
STATUSES = (
    "sent",
    "received",
    "accepted",
    "declined",
    "in_progress",
    "closed",
    "withdrawn",
    "on_hold",
)
ACTIONS = ("receive", "accept", "decline", "start", "close", "withdraw", "hold", "resume")
SIDE_SETS = (frozenset(), frozenset({SENDER}), frozenset({RECEIVER}), frozenset({SENDER, RECEIVER}))


def test_the_table_is_the_contracts():
    assert dict(states.TABLE) == CONTRACT
    assert set(states.STATUSES) == set(STATUSES)
    assert set(states.ACTIONS) == set(ACTIONS)


@pytest.mark.parametrize(
    ("status", "action", "sides"), list(itertools.product(STATUSES, ACTIONS, SIDE_SETS))
)
def test_every_status_action_and_side(status, action, sides):
    side_of_action = RECEIVER if action != "withdraw" else SENDER
    if side_of_action not in sides:
        with pytest.raises(WrongSide):
            apply_transition(status, action, sides)
    elif (status, action) in CONTRACT:
        assert apply_transition(status, action, sides) == CONTRACT[(status, action)][0]
    else:
        with pytest.raises(IllegalTransition) as raised:
            apply_transition(status, action, sides)
        assert (raised.value.status, raised.value.action) == (status, action)


def test_final_statuses_allow_nothing():
    for status in ("declined", "closed", "withdrawn"):
        assert available_actions(status, {SENDER, RECEIVER}) == []


@pytest.mark.parametrize("action", ["send", "reopen", "", "ACCEPT"])
def test_unknown_actions_are_refused(action):
    with pytest.raises(UnknownAction):
        apply_transition("sent", action, {SENDER, RECEIVER})


def test_available_actions_follow_the_side():
    assert available_actions("sent", {RECEIVER}) == ["receive", "accept", "decline"]
    assert available_actions("received", {RECEIVER}) == ["accept", "decline"]
    assert available_actions("sent", {SENDER}) == ["withdraw"]
    assert available_actions("accepted", {SENDER}) == []
    assert available_actions("accepted", {RECEIVER}) == ["start", "close", "hold"]
    assert available_actions("in_progress", {RECEIVER}) == ["close", "hold"]
    assert available_actions("on_hold", {RECEIVER}) == ["resume"]
    assert available_actions("on_hold", {SENDER}) == []


def test_a_held_referral_is_neither_closed_nor_started_until_resumed():
    for action in ("close", "start", "accept", "decline", "hold"):
        with pytest.raises(IllegalTransition):
            apply_transition("on_hold", action, {RECEIVER})
    with pytest.raises(WrongSide):
        apply_transition("on_hold", "resume", {SENDER})
    assert apply_transition("on_hold", "resume", {RECEIVER}) == "in_progress"


def test_hold_needs_a_reason_that_does_not_end_the_referral():
    assert "hold" in states.REASON_REQUIRED
    assert "hold" not in states.ENDING_REASON
    assert "on_hold" not in states.FINAL_STATUSES
    assert "on_hold" not in states.AWAITING_RESPONSE


def test_sides_come_from_the_organization():
    assert sides_of("a", "a", "b") == {SENDER}
    assert sides_of("b", "a", "b") == {RECEIVER}
    assert sides_of("c", "a", "b") == frozenset()
    # Administrators belong to no organization: no side.
    assert sides_of(None, "a", "b") == frozenset()
