"""Production stack, as processes: ``make run``'s database steps on an empty PostgreSQL,
gunicorn serving it, two app servers sharing one database, the index's single writer."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
from whoosh import index as whoosh_index

from tests.support.servers import AppServer, flask
from tests.support.stack import (
    Site,
    hsds_organization,
    only_in_postgres_pass,
    search_ids,
    shared_stack,
)

pytestmark = [pytest.mark.slow, only_in_postgres_pass]


@pytest.fixture(scope="module")
def stack():
    return shared_stack()


@pytest.fixture
def site(stack, tmp_path) -> Site:
    return stack.new_site(tmp_path)


def test_the_database_target_prepares_an_empty_postgres_and_gunicorn_serves_it(stack):
    # The stack ran `flask db upgrade`, `seed load` and `search rebuild` (the Makefile's
    # `database` target) with DATABASE_URL naming an empty database.
    engine = sa.create_engine(stack.postgres.url("prepared"))
    with engine.connect() as connection:
        head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        services = connection.execute(sa.text("SELECT count(*) FROM service")).scalar()
        demo = connection.execute(
            sa.text("SELECT count(*) FROM user_account WHERE email LIKE '%demo%'")
        ).scalar()
    engine.dispose()
    site = stack.new_site(stack.folder / "serve")
    assert head and head in flask(site.env, "db", "heads")
    assert services > 1000
    assert demo > 0
    with AppServer(site.env) as server:
        home = requests.get(server.url + "/", timeout=30)
        assert home.status_code == 200
        assert "text/html" in home.headers["Content-Type"]
        assert search_ids(server, "konseling")


def test_a_change_through_one_server_is_found_through_the_other(stack, tmp_path):
    first = stack.new_site(tmp_path / "a")
    # Server B: the same database, its own instance folder and index.
    second_instance = tmp_path / "b-instance"
    second_instance.mkdir(parents=True)
    for name in ("secret_key", "client_data_key"):
        if (first.instance / name).exists():
            (second_instance / name).write_bytes((first.instance / name).read_bytes())
    second_env = dict(first.env, DIRECTORY_INSTANCE_PATH=str(second_instance))
    flask(second_env, "search", "rebuild")
    document = hsds_organization("Pendampingan keluarga nelayan")
    path = tmp_path / "nelayan.json"
    path.write_text(json.dumps(document))
    service_id = document["services"][0]["id"]  # type: ignore[index]
    with AppServer(first.env) as a, AppServer(second_env, workers=2) as b:
        assert service_id not in search_ids(b, "nelayan")
        flask(first.env, "hsds", "import", str(path))  # against server A's instance
        deadline = time.monotonic() + 20
        found_in_a_row = 0
        # Every worker of B must see the new generation, without a restart.
        while time.monotonic() < deadline and found_in_a_row < 8:
            found_in_a_row = found_in_a_row + 1 if service_id in search_ids(b, "nelayan") else 0
            time.sleep(0.1)
        assert found_in_a_row >= 8, f"server B did not find the change within 20 s\n{b.log()}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and service_id not in search_ids(a, "nelayan"):
            time.sleep(0.2)
        assert service_id in search_ids(a, "nelayan")


def test_many_processes_updating_one_index_leave_one_consistent_index(site, tmp_path):
    engine = site.engine()
    with engine.begin() as connection:
        services = connection.execute(sa.text("SELECT count(*) FROM service")).scalar()
    engine.dispose()
    documents = [hsds_organization(f"Layanan serentak {number}") for number in range(3)]
    path = tmp_path / "organizations.json"
    path.write_text(json.dumps(documents))
    flask(site.env, "hsds", "import", str(path))

    def update(_: int) -> str:
        return flask(site.env, "search", "update").strip()

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(update, range(4)))
    # The writer lock serialises them: one applies the changes, the others find none.
    applied = [outcome for outcome in outcomes if outcome != "search index: applied 0"]
    assert len(applied) == 1, outcomes
    root = site.instance / "search-index"
    builds = list(root.glob("build-*"))
    assert len(builds) == 1
    ix = whoosh_index.open_dir(str(builds[0]))
    with ix.searcher() as searcher:
        ids = [fields["id"] for fields in searcher.all_stored_fields()]
    ix.close()
    assert len(ids) == len(set(ids)) == services + 3
