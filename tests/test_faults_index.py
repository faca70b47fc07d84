"""Faults of the search index, on real processes: its writer killed while writing, a
corrupted index file under a running server, and the disk holding the index full."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from whoosh import index as whoosh_index

from tests.support.servers import BIN, PROJECT_ROOT, AppServer, flask
from tests.support.stack import (
    Site,
    hsds_organization,
    only_in_postgres_pass,
    referral_actors,
    referral_body,
    search_ids,
    shared_stack,
)

pytestmark = [pytest.mark.slow, only_in_postgres_pass]


def current_build(root: Path) -> str:
    return (root / "CURRENT").read_text().strip()


def wait_until_found(server: AppServer, text: str, service_id: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service_id in search_ids(server, text):
            return True
        time.sleep(0.2)
    return False


def import_service(site: Site, folder: Path, name: str) -> str:
    document = hsds_organization(name)
    path = folder / "import.json"
    path.write_text(json.dumps(document))
    flask(site.env, "hsds", "import", str(path))
    return str(document["services"][0]["id"])  # type: ignore[index]


def test_the_index_writer_killed_while_writing_leaves_search_answering_and_heals(tmp_path):
    site = shared_stack().new_site(tmp_path)
    root = site.instance / "search-index"
    live = current_build(root)
    with AppServer(site.env, workers=2) as server:
        writer = subprocess.Popen(
            [str(BIN / "flask"), "--app", "directory", "search", "rebuild"],
            env=site.env,
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and writer.poll() is None:
            if [path for path in root.glob("build-*") if path.name != live]:
                break
            time.sleep(0.02)
        time.sleep(0.3)  # into the writing of the new build
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
        # The half-written build never became the live one; search answers as before.
        assert current_build(root) == live
        assert search_ids(server, "konseling")
        # The dead writer's lock is gone with it: the keeper applies the next change.
        service_id = import_service(site, tmp_path, "Pendampingan keluarga nelayan")
        assert wait_until_found(server, "nelayan", service_id, 30), server.log()


def overwrite(path: Path) -> None:
    """Garbage over the whole file, in place (its size kept, as a bad disk block would)."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.write((b"\xde\xad\xbe\xef" * (size // 4 + 1))[:size])


def test_a_corrupt_index_file_degrades_search_then_heals_and_referrals_go_on(tmp_path):
    site = shared_stack().new_site(tmp_path)
    root = site.instance / "search-index"
    corrupted = current_build(root)
    with AppServer(site.env, workers=2) as server:
        healthy = search_ids(server, "konseling")
        assert healthy
        for segment in (root / corrupted).glob("*.seg"):
            overwrite(segment)
        # Search keeps answering (from the database while the index is unreadable).
        for word in ("lansia", "disabilitas", "bantuan hukum", "konseling", "perceraian"):
            assert requests.get(
                f"{server.url}/api/v1/services", params={"search": word}, timeout=30
            ).ok
        actors = referral_actors(site, server.url)
        sent = requests.post(
            f"{server.url}/api/v1/referrals",
            json=referral_body(actors, "INDEKS-RUSAK-1"),
            headers=actors.counsellor,
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        # The keeper rebuilds it: a new build replaces the corrupt one.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and current_build(root) == corrupted:
            search_ids(server, "konseling")
            time.sleep(0.3)
        assert current_build(root) != corrupted, server.log()
        assert not (root / corrupted).exists()
        assert search_ids(server, "konseling") == healthy
        accepted = requests.post(
            f"{server.url}/api/v1/referrals/{sent.json()['id']}/transitions",
            json={"action": "accept"},
            headers=actors.partner,
            timeout=30,
        )
        assert accepted.status_code == 200, accepted.text


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def document_ids(build: Path) -> list[str]:
    ix = whoosh_index.open_dir(str(build))
    with ix.searcher() as searcher:
        ids = [fields["id"] for fields in searcher.all_stored_fields()]
    ix.close()
    return ids


def test_a_full_disk_under_the_index_fails_clearly_without_corruption(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root, and this process is not root")
    site = shared_stack().new_site(tmp_path)
    small = tmp_path / "small-disk"
    small.mkdir()
    # Room for the index as it is, not for a second build next to it.
    size = folder_bytes(site.instance / "search-index") + 256 * 1024
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(small)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        root = small / "search-index"
        shutil.copytree(site.instance / "search-index", root)
        env = dict(site.env, FLASK_SEARCH_INDEX_DIR=str(root))
        live = current_build(root)
        before = sorted(document_ids(root / live))
        rebuild = subprocess.run(
            [str(BIN / "flask"), "--app", "directory", "search", "rebuild"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rebuild.returncode != 0
        assert "No space left on device" in rebuild.stdout + rebuild.stderr
        # No corruption: the live build is untouched and whole, the partial one removed.
        assert current_build(root) == live
        assert [path.name for path in root.glob("build-*")] == [live]
        assert sorted(document_ids(root / live)) == before
        assert f"index: {root / live}" in flask(env, "search", "status")
    finally:
        subprocess.run(["umount", str(small)], check=True)
