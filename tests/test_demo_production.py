"""Production is production: demo mode is turned on by a person, a production start
refuses while demo accounts or demonstration institutions are active, ``flask seed
remove-demo`` removes them, and ``seed load`` brings no demonstration into production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from directory import create_app
from directory.auth.demo import DEMO_PASSWORD, create_demo_accounts
from directory.auth.models import User
from directory.demonstration import REMOVE_COMMAND, DemoDataInProduction, find_demo_data
from directory.extensions import db
from directory.institutions.models import TERM_DEMONSTRATION_DATA, Organization, Service
from directory.referrals.models import Referral
from directory.security import UnsafeConfiguration
from tests.conftest import base_test_config
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
    UserFactory,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def production_config(tmp_path: Path, database_url: str) -> dict[str, object]:
    return {
        **base_test_config(tmp_path / "production", database_url),
        "TESTING": False,
        "DEMO_MODE": False,
        "SECRET_KEY": "k" * 48,
        "CLIENT_DATA_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_URL": "https://rujukan.example.id",
    }


def close(app) -> None:
    """Close the connections of an app made in a test (besides the ``app`` fixture's)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def demonstration_organization(name: str) -> Organization:
    """An organization of the demonstration directory, with a service at a location."""
    term = db.session.get(TaxonomyTermFactory._meta.model, TERM_DEMONSTRATION_DATA)
    if term is None:
        term = TaxonomyTermFactory(id=TERM_DEMONSTRATION_DATA, name="Data demonstrasi")
    organization = OrganizationFactory(name=name)
    AttributeFactory(link_entity="organization", link_id=organization.id, taxonomy_term=term)
    service = ServiceFactory(organization=organization, name=f"Layanan {name}")
    location = LocationFactory(organization=organization)
    ServiceAtLocationFactory(service=service, location=location)
    return organization


def test_demo_mode_is_off_unless_a_person_turns_it_on(tmp_path, monkeypatch):
    monkeypatch.delenv("DIRECTORY_DEMO", raising=False)
    bare = {"INSTANCE_PATH": tmp_path / "instance"}
    # Nothing set: production, which refuses to start without its settings.
    with pytest.raises(UnsafeConfiguration):
        create_app(bare)
    monkeypatch.setenv("DIRECTORY_DEMO", "1")
    assert create_app(bare).config["DEMO_MODE"] is True


def test_the_makefile_turns_demo_mode_on_for_make_run():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    done = subprocess.run(
        ["make", "-n", "-p", "run"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert "run serve database bench: export DIRECTORY_DEMO ?= 1" in makefile
    assert "run: DIRECTORY_DEMO = 1" in done.stdout or "run: DIRECTORY_DEMO ?= 1" in done.stdout


def test_a_production_start_refuses_active_demo_accounts(app, tmp_path, database_url):
    create_demo_accounts()
    db.session.commit()
    with pytest.raises(DemoDataInProduction) as refused:
        create_app(production_config(tmp_path, database_url))
    message = str(refused.value)
    assert "admin.demo@example.org" in message
    assert "active demo account(s)" in message
    assert REMOVE_COMMAND in message


def test_a_production_start_refuses_demonstration_institutions(app, tmp_path, database_url):
    for n in range(7):
        demonstration_organization(f"LK3 Demonstrasi {n}")
    OrganizationFactory(name="Lembaga sungguhan", email="info@lembaga.id")
    db.session.commit()
    with pytest.raises(DemoDataInProduction) as refused:
        create_app(production_config(tmp_path, database_url))
    message = str(refused.value)
    assert "7 active demonstration institution(s): LK3 Demonstrasi 0" in message
    assert "Lembaga sungguhan" not in message
    assert REMOVE_COMMAND in message


def test_production_starts_on_a_database_without_demonstration_data(app, tmp_path, database_url):
    UserFactory(email="konselor@lk3-serang.id", organization__email="info@lk3-serang.id")
    db.session.commit()
    production = create_app(production_config(tmp_path, database_url))
    assert production.config["DEMO_MODE"] is False
    close(production)


def test_other_commands_may_run_where_serving_may_not(app, tmp_path, database_url):
    """``flask seed remove-demo`` must be able to load the app it cleans; ``flask run``
    and WSGI servers (no command at all) may not."""
    create_demo_accounts()
    db.session.commit()
    config = production_config(tmp_path, database_url)
    with click.Context(click.Command("remove-demo"), info_name="remove-demo"):
        create_app(config)
    with (
        click.Context(click.Command("run"), info_name="run"),
        pytest.raises(DemoDataInProduction),
    ):
        create_app(config)


def test_remove_demo_deletes_what_nothing_refers_to_and_deactivates_the_rest(app, runner):
    create_demo_accounts()
    idle = demonstration_organization("LK3 Demonstrasi tanpa rujukan")
    busy = demonstration_organization("LK3 Demonstrasi dengan rujukan")
    real = OrganizationFactory(name="Lembaga sungguhan", email="info@lembaga.id")
    real_user = UserFactory(email="staf@lembaga.id", organization=real)
    demo_counsellor = UserFactory(email="konselor.lain@example.org", organization=real)
    referral = ReferralFactory(counsellor=demo_counsellor, service=busy.services[0])
    db.session.commit()
    idle_id, busy_id, referral_id = idle.id, busy.id, referral.id

    result = runner.invoke(args=["seed", "remove-demo"])
    assert result.exit_code == 0, result.output
    assert "demo accounts: 1 deleted, 1 deactivated" in result.output
    assert "demonstration institutions: 1 deleted, 1 deactivated" in result.output

    db.session.expire_all()
    assert db.session.get(Organization, idle_id) is None
    assert (
        db.session.scalar(select(func.count(Service.id)).where(Service.organization_id == idle_id))
        == 0
    )
    assert db.session.get(Organization, busy_id).active is False
    assert {s.status for s in db.session.get(Organization, busy_id).services} == {"inactive"}
    assert db.session.get(Referral, referral_id) is not None
    assert db.session.scalar(select(User).where(User.email == "admin.demo@example.org")) is None
    kept = db.session.scalar(select(User).where(User.email == "konselor.lain@example.org"))
    assert kept is not None and kept.active is False
    assert db.session.get(User, real_user.id).active is True
    assert db.session.get(Organization, real.id).active is True
    assert not find_demo_data()
    # Safe to run again.
    assert runner.invoke(args=["seed", "remove-demo"]).exit_code == 0


def test_after_removal_the_published_password_gets_nothing(app, runner, tmp_path, database_url):
    """The review's finding: in production mode the demo admin got a token."""
    create_demo_accounts()
    db.session.commit()
    assert runner.invoke(args=["seed", "remove-demo"]).exit_code == 0
    production = create_app(production_config(tmp_path, database_url))
    answer = production.test_client().post(
        "/api/v1/auth/token", json={"email": "admin.demo@example.org", "password": DEMO_PASSWORD}
    )
    assert answer.status_code == 401
    close(production)


def test_seed_load_brings_no_demonstration_into_production(app, runner, tmp_path, monkeypatch):
    from directory import commands as seed_commands

    folder = tmp_path / "seed"
    folder.mkdir()
    (folder / "regions.csv").write_text((seed_commands.SEED_DIR / "regions.csv").read_text())
    (folder / "taxonomy_terms.json").write_text("[]")
    (folder / "organizations.json").write_text("[]")
    monkeypatch.setattr(seed_commands, "SEED_DIR", folder)

    result = runner.invoke(args=["seed", "load"])
    assert result.exit_code == 0, result.output
    assert "organizations.json: demonstration institutions skipped" in result.output
    assert "demo account" not in result.output
    result = runner.invoke(args=["seed", "load", "--no-demo", "--demo-institutions"])
    assert "organizations.json: 0 of 0 records" in result.output


def test_seed_load_refuses_demo_accounts_in_production(tmp_path, database_url):
    production = create_app(production_config(tmp_path, database_url))
    result = production.test_cli_runner().invoke(args=["seed", "load", "--demo"])
    assert result.exit_code != 0
    assert "not in production mode" in result.output
    with production.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
    close(production)


def test_flask_run_refuses_and_remove_demo_runs(app, tmp_path, database_url):
    """The real commands, as an operator would type them, in production mode."""
    create_demo_accounts()
    db.session.commit()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "DIRECTORY_", "TEST_"))
    }
    env.update(
        DATABASE_URL=database_url,
        DIRECTORY_INSTANCE_PATH=str(tmp_path / "served"),
        FLASK_SECRET_KEY="s" * 48,
        CLIENT_DATA_KEYS=Fernet.generate_key().decode(),
        FLASK_PUBLIC_URL="https://rujukan.example.id",
        PYTHONWARNINGS="error",
    )
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "directory"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*flask, *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
        )

    refused = run("run", "--port", "1")
    assert refused.returncode != 0
    assert "admin.demo@example.org" in refused.stderr and REMOVE_COMMAND in refused.stderr
    removed = run("seed", "remove-demo")
    assert removed.returncode == 0, removed.stderr
    assert "demo accounts: 1 deleted" in removed.stdout
