"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.extensions import db
from directory.referrals import guards
from tests.conftest import BACKEND, base_test_config


def event_guard_definitions() -> dict[str, str]:
    """The triggers on referral_event (and PostgreSQL's trigger function), by name."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'referral_event'"
            )
            return dict(rows.all())
        found = dict(
            connection.exec_driver_sql(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = 'referral_event'::regclass AND NOT tgisinternal"
            ).all()
            if sa.inspect(connection).has_table("referral_event")
            else []
        )
        body = connection.exec_driver_sql(
            "SELECT prosrc FROM pg_proc WHERE proname = 'referral_event_immutable'"
        ).scalar()
        if body is not None:
            found["referral_event_immutable()"] = body.strip()
        return found


def expected_event_guard() -> dict[str, str]:
    """What ``directory.referrals.guards`` creates (through create_all)."""
    if BACKEND != "postgresql":
        return {statement.split()[2]: statement for statement in guards.SQLITE_CREATE}
    function = guards.POSTGRESQL_CREATE[0]
    return {
        "referral_event_immutable": "CREATE TRIGGER referral_event_immutable BEFORE DELETE OR "
        "UPDATE ON public.referral_event FOR EACH ROW EXECUTE FUNCTION referral_event_immutable()",
        "referral_event_no_truncate": "CREATE TRIGGER referral_event_no_truncate BEFORE TRUNCATE "
        "ON public.referral_event FOR EACH STATEMENT EXECUTE FUNCTION referral_event_immutable()",
        "referral_event_immutable()": function.split("$$")[1].strip(),
    }


def test_create_all_makes_the_same_event_guard(app):
    """The test databases (create_all) carry the triggers the migrations make."""
    assert event_guard_definitions() == expected_event_guard()


def test_upgrade_from_empty_matches_the_models(tmp_path, request):
    if BACKEND == "postgresql":
        server = request.getfixturevalue("postgres_server")
        admin = sa.create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS migrations_check WITH (FORCE)")
            connection.exec_driver_sql("CREATE DATABASE migrations_check")
        admin.dispose()
        url = server.url("migrations_check")
    else:
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    app = create_app(base_test_config(tmp_path / "instance", url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        # Triggers are beyond compare_metadata: the head has the ones create_all makes.
        assert event_guard_definitions() == expected_event_guard()
        downgrade(revision="0004")
        assert event_guard_definitions() == {}
        upgrade()
        assert event_guard_definitions() == expected_event_guard()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()
