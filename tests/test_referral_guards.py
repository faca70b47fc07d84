"""The guards of referral writes on the plain-statement path (``directory.referrals.guards``
lists which guard holds which rule on which path): the database trigger that keeps events
immutable on SQLite and PostgreSQL, with its two exceptions (the retention purge, the key
rotation), and a test for each rule no ORM event can hold there."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from directory.crypto import cipher
from directory.extensions import db
from directory.privacy.commands import reencrypt_all
from directory.privacy.retention import purge_expired
from directory.referrals import operations
from directory.referrals.guards import rewriting_event_texts
from directory.referrals.models import Referral, ReferralEvent
from directory.search.changelog import LOGGED
from tests.support.referral_network import (
    referral_draft,
    referral_in,
    transition_request,
)

REFUSED = "referral events are immutable"


@pytest.fixture
def closed(network) -> Referral:
    """A closed referral whose events carry free texts (a note, a reason, an outcome)."""
    referral = referral_in(network, "accepted", client_reference="PENJAGA-1")
    operations.transition_referral(
        referral,
        network.partner,
        transition_request(
            "close",
            note="Catatan penutupan",
            outcome=operations.Outcome(
                result="not_successful",
                service_delivered=False,
                reason_not_successful="Klien pindah kota",
            ),
        ),
    )
    db.session.commit()
    return referral


def sql(statement: str) -> sa.TextClause:
    """Plain SQL; ``:id`` a referral's id, bound as the column stores it (SQLite: hex)."""
    clause = sa.text(statement)
    if ":id" in statement:
        clause = clause.bindparams(sa.bindparam("id", type_=sa.Uuid(as_uuid=False)))
    return clause


def raw(statement: str, **parameters: object) -> None:
    """A statement in plain SQL, as a bypassing writer (or a careless script) would run it."""
    db.session.execute(sql(statement), parameters)


def event_rows(referral_id: str) -> list[tuple]:
    rows = [
        tuple(row)
        for row in db.session.execute(
            sql(
                "SELECT id, action, to_status, note, reason_text, outcome_reason "
                "FROM referral_event WHERE referral_id = :id ORDER BY id"
            ),
            {"id": referral_id},
        )
    ]
    assert rows, "no events found: a test that could not fail"
    return rows


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE referral_event SET action = 'decline' WHERE referral_id = :id",
        "UPDATE referral_event SET to_status = 'sent', note = NULL, reason_text = NULL, "
        "outcome_reason = NULL WHERE referral_id = :id",
        "UPDATE referral_event SET occurred_at = occurred_at WHERE referral_id = :id "
        "AND note IS NOT NULL",
        "UPDATE referral_event SET note = NULL WHERE referral_id = :id AND note IS NOT NULL",
        "UPDATE referral_event SET note = reason_text WHERE referral_id = :id",
        "DELETE FROM referral_event WHERE referral_id = :id",
    ],
    ids=[
        "change-action",
        "change-status-while-blanking",
        "no-op-on-a-text",
        "blank-one-text-only",
        "copy-a-text",
        "delete",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(closed, statement):
    before = event_rows(closed.id)
    db.session.commit()
    with pytest.raises(IntegrityError, match=REFUSED):
        raw(statement, id=closed.id)
    db.session.rollback()
    assert event_rows(closed.id) == before


def test_an_orm_bulk_update_skips_the_mapper_events_but_not_the_trigger(closed):
    db.session.commit()
    with pytest.raises(IntegrityError, match=REFUSED):
        db.session.execute(
            sa.update(ReferralEvent)
            .where(ReferralEvent.referral_id == closed.id)
            .values(outcome_result="successful")
        )
    db.session.rollback()


def test_a_referral_with_events_cannot_be_deleted_either(closed):
    db.session.commit()
    with pytest.raises(IntegrityError):
        raw("DELETE FROM referral_problem_term WHERE referral_id = :id", id=closed.id)
        raw("DELETE FROM referral_view WHERE referral_id = :id", id=closed.id)
        raw("DELETE FROM notification WHERE referral_id = :id", id=closed.id)
        raw("DELETE FROM referral WHERE id = :id", id=closed.id)
        raw("DELETE FROM referral_event WHERE referral_id = :id", id=closed.id)
    db.session.rollback()
    assert len(event_rows(closed.id)) == 3


def test_postgresql_refuses_to_truncate_the_events(closed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    db.session.commit()
    with pytest.raises(IntegrityError, match=REFUSED):
        raw("TRUNCATE referral_event CASCADE")
    db.session.rollback()
    assert len(event_rows(closed.id)) == 3


def test_the_purge_may_blank_the_texts_of_events_and_nothing_else(closed):
    texts = [row[3:] for row in event_rows(closed.id)]
    assert any(value is not None for row in texts for value in row)
    # What the purge runs, in plain SQL: the three texts to NULL at once.
    raw(
        "UPDATE referral_event SET note = NULL, reason_text = NULL, outcome_reason = NULL "
        "WHERE referral_id = :id",
        id=closed.id,
    )
    db.session.commit()
    assert all(row[3:] == (None, None, None) for row in event_rows(closed.id))


def test_the_retention_purge_still_works(closed):
    later = closed.status_changed_at + timedelta(days=731)
    assert purge_expired(later, 730) == 1
    db.session.commit()
    rows = event_rows(closed.id)
    assert [row[1] for row in rows] == ["send", "accept", "close"]
    assert all(row[3:] == (None, None, None) for row in rows)


def test_the_key_rotation_may_rewrite_the_texts_and_nothing_else(closed):
    with rewriting_event_texts(db.session):
        raw("UPDATE referral_event SET note = reason_text WHERE referral_id = :id", id=closed.id)
        with pytest.raises(IntegrityError, match=REFUSED), db.session.begin_nested():
            raw("UPDATE referral_event SET action = 'x' WHERE referral_id = :id", id=closed.id)
        with pytest.raises(IntegrityError, match=REFUSED), db.session.begin_nested():
            raw("DELETE FROM referral_event WHERE referral_id = :id", id=closed.id)
    # And nothing after it.
    with pytest.raises(IntegrityError, match=REFUSED):
        raw("UPDATE referral_event SET note = reason_text WHERE referral_id = :id", id=closed.id)
    db.session.rollback()


def test_the_key_rotation_still_works(closed):
    before = [event.note for event in closed.events]
    stored = event_rows(closed.id)
    assert reencrypt_all() > 0
    db.session.commit()
    db.session.expire_all()
    assert [event.note for event in db.session.get(Referral, closed.id).events] == before
    # Re-encrypted: Fernet ciphertexts differ each time.
    assert [row[3] for row in event_rows(closed.id) if row[3]] != [r[3] for r in stored if r[3]]


def test_send_accept_close_write_their_events(network):
    referral = operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    for action in ("receive", "accept", "start", "close"):
        operations.transition_referral(referral, network.partner, transition_request(action))
        db.session.commit()
    assert [row[1] for row in event_rows(referral.id)] == [
        "send",
        "receive",
        "accept",
        "start",
        "close",
    ]


# The rules no ORM event holds on the plain-statement path.


def test_a_plain_update_may_not_set_the_client_reference(network):
    """Its keyed hash follows it through an ORM attribute event a plain UPDATE skips."""
    referral = referral_in(network, "sent")
    for column in ("client_reference", "client_reference_hash"):
        with pytest.raises(ValueError, match="client_reference"):
            operations._update_unless_stale(referral, {column: "LAIN-1"})
    db.session.rollback()


def test_the_plain_insert_stores_the_reference_hash(network):
    referral = operations.send_referral(
        referral_draft(network, reference="HASH-77"), network.counsellor
    )
    db.session.commit()
    stored = db.session.execute(
        sql("SELECT client_reference_hash FROM referral WHERE id = :id"), {"id": referral.id}
    ).scalar_one()
    assert stored == cipher().reference_hash("HASH-77") and stored is not None
    # It survives the plain UPDATEs of the transitions.
    operations.transition_referral(referral, network.partner, transition_request("receive"))
    db.session.commit()
    assert (
        db.session.execute(
            sql("SELECT client_reference_hash FROM referral WHERE id = :id"),
            {"id": referral.id},
        ).scalar_one()
        == stored
    )


def test_the_plain_statements_write_no_table_of_the_change_log():
    """The change log follows directory records through the ORM's flush; the plain
    statements of referrals must write only tables it does not log."""
    from directory.notifications import operations as notifications

    plain = [
        operations._INSERT_REFERRAL,
        operations._UPDATE_REFERRAL,
        operations._INSERT_PROBLEM_TERMS,
        operations._INSERT_EVENT,
        operations._INSERT_VIEW,
        notifications._INSERT_NOTIFICATION,
        notifications._INSERT_EMAIL,
    ]
    logged = {model.__table__.name for model in LOGGED}
    written = {statement.table.name for statement in plain}
    assert written and not written & logged


def test_the_plain_statements_encrypt_client_data(network):
    referral = operations.send_referral(
        referral_draft(network, reference="RAHASIA-42"), network.counsellor
    )
    operations.transition_referral(
        referral, network.partner, transition_request("receive", note="Catatan RAHASIA-42")
    )
    db.session.commit()
    stored = db.session.execute(
        sql(
            "SELECT r.client_reference, e.note FROM referral r JOIN referral_event e "
            "ON e.referral_id = r.id WHERE r.id = :id AND e.action = 'receive'"
        ),
        {"id": referral.id},
    ).one()
    assert all(value and not re.search("RAHASIA", value) for value in stored)
