"""The migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.extensions import db
from tests.conftest import BACKEND, base_test_config


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
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()
