"""The referral's state machine, as a table. Pure: no Flask, no database.

``TABLE`` maps (status, action) to the next status and the side that may take the
action; :func:`apply_transition` is the one function that reads it. Statuses follow HL7
FHIR Task (see ``shared/docs/contract.md``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

SENT = "sent"
RECEIVED = "received"
ACCEPTED = "accepted"
DECLINED = "declined"
IN_PROGRESS = "in_progress"
CLOSED = "closed"
WITHDRAWN = "withdrawn"
# The receiver paused the work (the client is in hospital, say), with a reason.
ON_HOLD = "on_hold"

STATUSES = (SENT, RECEIVED, ACCEPTED, DECLINED, IN_PROGRESS, CLOSED, WITHDRAWN, ON_HOLD)
# A new referral starts here; every later status comes from the table.
INITIAL_STATUS = SENT
# Waiting for the receiver to accept or decline: the response deadline runs.
AWAITING_RESPONSE = frozenset({SENT, RECEIVED})
FINAL_STATUSES = frozenset({DECLINED, CLOSED, WITHDRAWN})

SENDER = "sender"
RECEIVER = "receiver"

RECEIVE = "receive"
ACCEPT = "accept"
DECLINE = "decline"
START = "start"
CLOSE = "close"
WITHDRAW = "withdraw"
HOLD = "hold"
RESUME = "resume"

TABLE: Mapping[tuple[str, str], tuple[str, str]] = {
    (SENT, RECEIVE): (RECEIVED, RECEIVER),
    (SENT, ACCEPT): (ACCEPTED, RECEIVER),
    (RECEIVED, ACCEPT): (ACCEPTED, RECEIVER),
    (SENT, DECLINE): (DECLINED, RECEIVER),
    (RECEIVED, DECLINE): (DECLINED, RECEIVER),
    (ACCEPTED, START): (IN_PROGRESS, RECEIVER),
    (ACCEPTED, CLOSE): (CLOSED, RECEIVER),
    (IN_PROGRESS, CLOSE): (CLOSED, RECEIVER),
    (SENT, WITHDRAW): (WITHDRAWN, SENDER),
    (RECEIVED, WITHDRAW): (WITHDRAWN, SENDER),
    (ACCEPTED, HOLD): (ON_HOLD, RECEIVER),
    (IN_PROGRESS, HOLD): (ON_HOLD, RECEIVER),
    (ON_HOLD, RESUME): (IN_PROGRESS, RECEIVER),
}

ACTIONS = (RECEIVE, ACCEPT, DECLINE, START, CLOSE, WITHDRAW, HOLD, RESUME)
# Each action belongs to one side, whatever the status.
SIDE_OF_ACTION: Mapping[str, str] = {action: side for (_, action), (_, side) in TABLE.items()}
# What an action must come with.
REASON_REQUIRED = frozenset({DECLINE, WITHDRAW, HOLD})
# Of those, the reasons that end the referral (kept on it as its ``end_reason_code``).
ENDING_REASON = frozenset({DECLINE, WITHDRAW})
OUTCOME_REQUIRED = frozenset({CLOSE})


class TransitionError(Exception):
    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"{action} from {status}")
        self.status = status
        self.action = action


class UnknownAction(TransitionError):
    """Not an action of the table at all."""


class WrongSide(TransitionError):
    """The actor is not on the side that takes this action."""


class IllegalTransition(TransitionError):
    """The action cannot be taken from the current status."""


def apply_transition(status: str, action: str, sides: Collection[str]) -> str:
    """The status after ``action``, taken by an actor on ``sides``.

    The side is checked before the status, so that the answer to "may I ever do this"
    does not depend on the referral's current state.

    :raises UnknownAction: ``action`` is not in the table.
    :raises WrongSide: the action belongs to a side the actor is not on.
    :raises IllegalTransition: the pair (status, action) is not in the table.
    """
    if action not in SIDE_OF_ACTION:
        raise UnknownAction(status, action)
    if SIDE_OF_ACTION[action] not in sides:
        raise WrongSide(status, action)
    try:
        next_status, _side = TABLE[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None
    return next_status


def available_actions(status: str, sides: Collection[str]) -> list[str]:
    """The actions an actor on ``sides`` may take now, in the table's order."""
    return [
        action
        for (from_status, action), (_next, side) in TABLE.items()
        if from_status == status and side in sides
    ]


def sides_of(
    actor_organization_id: str | None, sending_organization_id: str, receiving_organization_id: str
) -> frozenset[str]:
    """The sides an organization member is on; none for outsiders and administrators."""
    if actor_organization_id is None:
        return frozenset()
    sides = set()
    if actor_organization_id == sending_organization_id:
        sides.add(SENDER)
    if actor_organization_id == receiving_organization_id:
        sides.add(RECEIVER)
    return frozenset(sides)
