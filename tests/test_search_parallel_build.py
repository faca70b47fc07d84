"""A rebuild whose segment a worker process writes (``SEARCH_PARALLEL_BUILD``) gives the
index a rebuild in one process gives, and leaves nothing behind when it fails."""

from __future__ import annotations

import subprocess
import sys

import pytest

from directory.search import index, parallel_build
from directory.search.service import Query, find_services, keep_current, state_of
from tests.factories import OrganizationFactory, ServiceFactory
from tests.test_search_build import answers, read_all, synthetic_records


@pytest.mark.parametrize("bulk", [True, False])
def test_the_worker_writes_the_index_a_build_in_process_writes(tmp_path, bulk):
    records = synthetic_records(1200)  # several batches, blocks of several postings
    plain = index.IndexFolder(tmp_path / "plain")
    worker = index.IndexFolder(tmp_path / "worker")
    index.build(plain, records, cursor=5, bulk=bulk)
    index.build(worker, records, cursor=5, bulk=bulk, parallel=True)

    ours, theirs = read_all(worker.current()), read_all(plain.current())
    assert len(ours["documents"]) == 1200
    assert len(ours["postings"]) > 1200  # every id, and the words
    assert ours == theirs
    assert (worker.current() / "words.txt").read_text() == (
        plain.current() / "words.txt"
    ).read_text()
    assert worker.cursor() == 5
    assert index.IndexFolder.damaged_files(worker.current()) == []
    found = answers(worker)
    assert sum(1 for ids, _, _ in found if ids) >= 7
    assert found == answers(plain)


def spy_on_workers(monkeypatch) -> list:
    started = []
    start = parallel_build.start_worker

    def spied(path, *, bulk):
        process = start(path, bulk=bulk)
        started.append(process)
        return process

    monkeypatch.setattr(parallel_build, "start_worker", spied)
    return started


@pytest.mark.parametrize("error", [RuntimeError("database went away"), KeyboardInterrupt()])
def test_a_failed_or_cancelled_read_stops_the_worker(tmp_path, monkeypatch, error):
    folder = index.IndexFolder(tmp_path)
    live = index.build(folder, synthetic_records(20), cursor=1)
    started = spy_on_workers(monkeypatch)

    def failing():
        yield from synthetic_records(1100)  # the worker has two batches by then
        raise error

    with pytest.raises(type(error)):
        index.build(folder, failing(), cursor=2, parallel=True)
    [process] = started
    assert process.returncode is not None  # killed and reaped, not left running
    assert process.stdin.closed and process.stdout.closed
    assert folder.current() == live
    assert folder.cursor() == 1
    assert [path.name for path in tmp_path.glob("build-*")] == [live.name]


def test_a_failing_worker_fails_the_build_and_leaves_the_live_index(tmp_path, monkeypatch):
    folder = index.IndexFolder(tmp_path)
    live = index.build(folder, synthetic_records(20), cursor=1)
    start = parallel_build.start_worker
    # The worker cannot create the index: its folder is not there.
    monkeypatch.setattr(
        parallel_build, "start_worker", lambda path, *, bulk: start(path / "absent", bulk=bulk)
    )

    with pytest.raises(parallel_build.WorkerFailed, match="FileNotFoundError"):
        index.build(folder, synthetic_records(3000), cursor=2, parallel=True)
    assert folder.current() == live
    assert [path.name for path in tmp_path.glob("build-*")] == [live.name]


def test_a_killed_worker_fails_the_build(tmp_path, monkeypatch):
    folder = index.IndexFolder(tmp_path)
    started = spy_on_workers(monkeypatch)

    def killing():
        for number, record in enumerate(synthetic_records(3000)):
            if number == 1000:
                started[0].kill()
                started[0].wait()
            yield record

    with pytest.raises(parallel_build.WorkerFailed):
        index.build(folder, killing(), cursor=2, parallel=True)
    assert folder.current() is None
    assert list(tmp_path.glob("build-*")) == []


def test_the_setting_chooses_a_worker_for_a_large_directory(app, db, monkeypatch):
    organization = OrganizationFactory(name="Biro Harapan")
    ServiceFactory(organization=organization, name="Konseling keluarga")
    ServiceFactory(organization=organization, name="Mediasi keluarga")
    db.session.commit()
    started = spy_on_workers(monkeypatch)
    state = state_of(app)
    assert state.parallel_build is True  # the default

    assert keep_current(state, blocking=True) == "rebuilt"
    assert started == []  # two services: below MIN_SERVICES, built in-process

    monkeypatch.setattr(parallel_build, "MIN_SERVICES", 2)
    state.needs_rebuild = True
    assert keep_current(state, blocking=True) == "rebuilt"
    assert len(started) == 1 and started[0].returncode == 0
    answer = find_services(Query(text="keluarga"))
    assert not answer.degraded
    assert answer.page.total == 2

    app.config["SEARCH_PARALLEL_BUILD"] = False
    app.extensions.pop("search")
    state = state_of(app)
    state.needs_rebuild = True
    assert keep_current(state, blocking=True) == "rebuilt"
    assert len(started) == 1  # the setting off: no worker
    assert find_services(Query(text="keluarga")).page.total == 2


def test_the_worker_starts_without_the_app():
    """Only the search modules: no Flask, no SQLAlchemy, no database (and no second of
    imports)."""
    start = "raise SystemExit(main(sys.argv[2:]))"
    assert start in parallel_build._BOOTSTRAP
    probe = parallel_build._BOOTSTRAP.replace(
        start, "print(sorted({'flask', 'sqlalchemy', 'directory.extensions'} & set(sys.modules)))"
    )
    package = str(parallel_build._PACKAGE_ROOT / "directory")
    shown = subprocess.run(
        [sys.executable, "-c", probe, package], capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "[]"


def test_without_a_worker_the_build_runs_in_process(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(parallel_build.sys, "executable", str(tmp_path / "no-python"))
    folder = index.IndexFolder(tmp_path / "index")

    built = index.build(folder, synthetic_records(600), cursor=4, parallel=True)

    assert folder.current() == built
    assert len(read_all(built)["documents"]) == 600
    assert "no index worker" in caplog.text
