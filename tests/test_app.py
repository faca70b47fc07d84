import pytest
from sqlalchemy.exc import OperationalError, PendingRollbackError

from directory import create_app


def test_config_layers_test_config_over_defaults(app):
    assert app.config["TESTING"] is True
    assert app.config["BABEL_DEFAULT_LOCALE"] == "id"


def test_instance_config_file_overrides_defaults(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('API_MAX_PER_PAGE = 7\nMAP_TILES_URL = "x"\n')
    monkeypatch.setenv("FLASK_MAP_TILES_URL", "from-env")
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "k", "TESTING": True})
    assert app.config["API_MAX_PER_PAGE"] == 7
    assert app.config["MAP_TILES_URL"] == "from-env"


def test_home_page_is_in_indonesian(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="id">' in response.data


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_unknown_page_answers_html_404(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("raised", ["operational", "pending_rollback"])
def test_a_lost_database_connection_is_a_503_with_retry_after(app, raised):
    """A connection lost earlier in the same request surfaces as a pending rollback on
    the next query: the same 503 as the database being down, never a 500."""

    def fail():  # type: ignore[no-untyped-def]
        if raised == "operational":
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")

    app.add_url_rule("/_test/database-lost", "database_lost", fail)
    response = app.test_client().get("/_test/database-lost", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_a_connection_lost_after_the_last_query_does_not_turn_the_answer_into_a_500(
    tmp_path, monkeypatch
):
    """Ending the session rolls back on a connection the database may have just dropped
    (a restart): the answer already made stands, and the dead session is dropped."""
    from directory.extensions import db
    from tests.conftest import base_test_config

    # An app of its own, no context pushed: each request gets its own, as under gunicorn.
    app = create_app(base_test_config(tmp_path / "instance", f"sqlite:///{tmp_path}/x.sqlite"))
    app.add_url_rule("/_test/answered", "answered", lambda: type(db.session.registry()).__name__)
    remove = db.session.remove
    failed = []

    def dropped_once() -> None:
        if not failed:
            failed.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))
        remove()

    monkeypatch.setattr(db.session, "remove", dropped_once)
    response = app.test_client().get("/_test/answered")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Session"
    assert failed == [True]
    with app.app_context():
        assert not db.session.registry.has()
