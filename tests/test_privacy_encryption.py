"""Client data is encrypted at rest: a canary client reference is nowhere in plain text,
not in the database (the raw SQLite file, the raw column text on PostgreSQL), not in the
search index, not in a directory export; and keys rotate without losing a row."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.commands import SEED_DIR
from directory.crypto import EXTENSION, ClientDataCipher, ClientDataKeyError
from directory.extensions import db
from directory.geo.regions import load_regions
from directory.privacy.subject import referrals_about
from directory.referrals import operations
from directory.referrals.models import Referral, ReferralEvent
from directory.security import UnsafeConfiguration
from tests.conftest import BACKEND, base_test_config
from tests.support.referral_network import (
    build_network,
    referral_draft,
    referral_in,
    transition_request,
)

CANARY = "KANARI-b6d147c8"
CLIENT_FIELDS = ("client_reference", "client_contact", "client_safe_contact", "reason")


def canary_referral(network) -> Referral:
    """A referral whose every client field and free text carries the canary, declined with
    a note and a reason text that carry it too."""
    referral = operations.send_referral(
        referral_draft(
            network,
            reference=CANARY,
            initials="K.N.",
            contact=f"0812 {CANARY}",
            safe_contact=f"Kode {CANARY}",
        ),
        network.counsellor,
    )
    referral.reason = f"Alasan {CANARY}"
    db.session.flush()
    operations.transition_referral(
        referral,
        network.partner,
        transition_request("decline", reason_code="other", reason_text=CANARY, note=CANARY),
    )
    db.session.commit()
    return referral


def raw_rows_text() -> str:
    """Every row of every table, as the database returns it without the app's types."""
    parts = []
    with db.engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            if table in ("region", "alembic_version"):
                continue
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts)


def test_the_canary_is_not_in_any_raw_column(app):
    network = build_network()
    referral = canary_referral(network)
    assert CANARY not in raw_rows_text()
    # ...while the app reads it back.
    db.session.expire_all()
    stored = db.session.get(Referral, referral.id)
    assert stored.client_reference == CANARY
    assert stored.client_safe_contact == f"Kode {CANARY}"
    assert [event.reason_text for event in stored.events if event.action == "decline"] == [CANARY]


@pytest.mark.sqlite_only
def test_the_canary_is_not_in_the_sqlite_files(app):
    canary_referral(build_network())
    db.session.remove()
    path = Path(db.engine.url.database)
    data = b"".join(
        candidate.read_bytes()
        for candidate in (path, path.with_name(path.name + "-wal"))
        if candidate.exists()
    )
    assert b"K.N." not in data and CANARY.encode() not in data
    # The check can fail: the sending organization's name is stored in plain text.
    assert b"LK3 Kota Serang (uji)" in data


def test_the_canary_is_not_in_the_logs_the_search_index_nor_an_export(
    app, runner, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    canary_referral(build_network())
    rebuilt = runner.invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    index_dir = Path(app.instance_path) / app.config["SEARCH_INDEX_DIR"]
    index_bytes = b"".join(f.read_bytes() for f in index_dir.rglob("*") if f.is_file())
    assert index_bytes, "the index was built"
    assert CANARY.encode() not in index_bytes
    exported = runner.invoke(args=["hsds", "export", str(tmp_path / "export.json")])
    assert exported.exit_code == 0, exported.output
    export_bytes = b"".join(f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())
    assert b"Pendampingan korban KDRT (uji)" in export_bytes
    assert CANARY.encode() not in export_bytes
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    assert "INSERT INTO referral" in logged  # the engine did log its statements
    assert CANARY not in logged and "K.N." not in logged


def test_client_references_are_found_by_keyed_hash(app):
    network = build_network()
    referral = referral_in(network, "sent", client_reference="LK3-SRG-0042")
    referral_in(network, "sent", client_reference="LK3-SRG-0043")
    assert referrals_about(" lk3-srg-0042 ") == [referral]
    assert referrals_about("LK3-SRG-0044") == []
    digest = referral.client_reference_hash
    assert digest and "0042" not in digest and len(digest) == 64
    # Changing the reference keeps the hash in step.
    referral.client_reference = "LK3-SRG-0099"
    db.session.commit()
    assert referrals_about("LK3-SRG-0099") == [referral]
    assert referrals_about("LK3-SRG-0042") == []


def _use_keys(app, keys: list[str]) -> None:
    app.config["CLIENT_DATA_KEYS"] = keys
    app.extensions[EXTENSION] = ClientDataCipher(tuple(keys))


def test_rotate_key_re_encrypts_every_row(app, runner):
    network = build_network()
    old_key = app.config["CLIENT_DATA_KEYS"][0]
    referral = canary_referral(network)
    referral_id = referral.id
    new_key = Fernet.generate_key().decode()
    _use_keys(app, [new_key, old_key])
    result = runner.invoke(args=["privacy", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted" in result.output
    db.session.remove()

    # The old key alone reads nothing any more; the new key alone reads everything.
    with db.engine.connect() as connection:
        # The network's only referral.
        token = connection.execute(sa.text("SELECT client_reference FROM referral")).scalar_one()
        notes = connection.execute(
            sa.text("SELECT note FROM referral_event WHERE note IS NOT NULL")
        ).scalars()
        note_tokens = list(notes)
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == CANARY
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(token.encode())
    assert [Fernet(new_key.encode()).decrypt(t.encode()).decode() for t in note_tokens] == [CANARY]
    _use_keys(app, [new_key])
    stored = db.session.get(Referral, referral_id)
    assert stored.client_contact == f"0812 {CANARY}"
    assert referrals_about(CANARY) == [stored]
    events = db.session.scalars(sa.select(ReferralEvent).where(ReferralEvent.note.is_not(None)))
    assert [event.note for event in events] == [CANARY]


def test_a_wrong_key_fails_loudly_instead_of_showing_ciphertext(app):
    referral = referral_in(build_network(), "sent", client_reference=CANARY)
    _use_keys(app, [Fernet.generate_key().decode()])
    db.session.expire_all()
    with pytest.raises(ClientDataKeyError):
        db.session.get(Referral, referral.id).client_reference  # noqa: B018


def test_keys_come_from_the_environment(tmp_path, monkeypatch, database_url):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    monkeypatch.setenv("CLIENT_DATA_KEYS", ",".join(keys))
    app = create_app(base_test_config(tmp_path / "instance", database_url))
    assert app.config["CLIENT_DATA_KEYS"] == keys
    assert not (tmp_path / "instance" / "client_data_key").exists()


def test_development_makes_a_key_in_the_instance_folder(tmp_path, database_url):
    first = create_app(base_test_config(tmp_path / "instance", database_url))
    again = create_app(base_test_config(tmp_path / "instance", database_url))
    key_file = tmp_path / "instance" / "client_data_key"
    assert key_file.read_text().strip() == first.config["CLIENT_DATA_KEYS"][0]
    assert again.config["CLIENT_DATA_KEYS"] == first.config["CLIENT_DATA_KEYS"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_a_key(tmp_path, database_url):
    config = {
        **base_test_config(tmp_path / "instance", database_url),
        "TESTING": False,
        "SECRET_KEY": "x" * 48,
        "PUBLIC_URL": "https://rujukan.example.id",
    }
    with pytest.raises(UnsafeConfiguration, match="CLIENT_DATA_KEYS"):
        create_app(config)
    assert not (tmp_path / "instance" / "client_data_key").exists()
    app = create_app({**config, "CLIENT_DATA_KEYS": Fernet.generate_key().decode()})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_a_malformed_key_is_refused(tmp_path, database_url):
    config = {**base_test_config(tmp_path / "instance", database_url), "CLIENT_DATA_KEYS": "abc"}
    with pytest.raises(ClientDataKeyError, match="not a Fernet key"):
        create_app(config)


def _empty_database_url(tmp_path, request) -> str:
    if BACKEND != "postgresql":
        return f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    admin = sa.create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP DATABASE IF EXISTS privacy_migration WITH (FORCE)")
        connection.exec_driver_sql("CREATE DATABASE privacy_migration")
    admin.dispose()
    return server.url("privacy_migration")


def test_migration_0003_encrypts_existing_rows_and_0002_decrypts_them(tmp_path, request):
    app = create_app(
        base_test_config(tmp_path / "instance", _empty_database_url(tmp_path, request))
    )
    with app.app_context():
        upgrade()
        load_regions(db.session, SEED_DIR / "regions.csv")
        network = build_network()
        referral_id = canary_referral(network).id
        db.session.remove()
        downgrade(revision="0002")
        with db.engine.connect() as connection:
            plain = connection.execute(
                sa.text("SELECT client_reference, client_initials FROM referral")
            ).one()
        assert tuple(plain) == (CANARY, "K.N.")
        upgrade()
        assert CANARY not in raw_rows_text()
        stored = db.session.get(Referral, referral_id)
        assert stored.client_reference == CANARY
        assert referrals_about(CANARY) == [stored]
        db.session.remove()
        db.engine.dispose()
