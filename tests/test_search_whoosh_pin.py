"""The fence around Whoosh's private internals: any release but the pinned one stops the
app at start-up, and an index open, loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3LeafMatcher

from directory import create_app
from directory.search import index, whoosh_pin
from tests.conftest import base_test_config
from tests.test_search_build import synthetic_records


@pytest.fixture
def unchecked(monkeypatch):
    """Forget that this process already checked (the check is remembered)."""
    monkeypatch.setattr(whoosh_pin, "_checked", False)


def test_the_installed_whoosh_is_the_pinned_release(unchecked):
    whoosh_pin.check_whoosh()
    requirements = Path(__file__).resolve().parents[1] / "requirements.txt"
    pins = requirements.read_text().splitlines()
    assert f"{whoosh_pin.PINNED_DISTRIBUTION}=={whoosh_pin.PINNED_VERSION}" in pins


@pytest.mark.parametrize("installed", ["2.7.6", "2.8.0", None])
def test_another_release_stops_the_app_at_start_up(unchecked, monkeypatch, tmp_path, installed):
    monkeypatch.setattr(whoosh_pin, "installed_version", lambda: installed)
    config = base_test_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'app.sqlite'}")
    with pytest.raises(whoosh_pin.WhooshVersionError, match="Whoosh-Reloaded==2.7.5"):
        create_app(config)


def test_a_missing_private_name_stops_the_index_build_and_open(unchecked, monkeypatch, tmp_path):
    folder = index.IndexFolder(tmp_path)
    index.build(folder, synthetic_records(5), cursor=1)
    monkeypatch.setattr(whoosh_pin, "_checked", False)
    monkeypatch.delattr(W3LeafMatcher, "_next_block")
    with pytest.raises(whoosh_pin.WhooshVersionError, match="_next_block"):
        index.Reader(folder).snapshot()
    with pytest.raises(whoosh_pin.WhooshVersionError):
        index.build(folder, synthetic_records(5), cursor=2)
    assert folder.cursor() == 1  # the live build is left alone


def test_the_check_is_made_once_per_process(unchecked, monkeypatch):
    calls = []
    monkeypatch.setattr(whoosh_pin, "installed_version", lambda: calls.append(1) or "2.7.5")
    whoosh_pin.check_whoosh()
    whoosh_pin.check_whoosh()
    assert calls == [1]


def test_only_the_search_engine_modules_import_whoosh():
    """The engine stays behind its small interface (``directory.search.index``)."""
    import ast

    root = Path(__file__).resolve().parents[1]
    importers = set()
    for path in sorted((root / "directory").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "whoosh" or name.startswith("whoosh.") for name in names):
                importers.add(path.relative_to(root).as_posix())
    assert importers == {
        "directory/search/analyzer.py",
        "directory/search/bulk_writer.py",
        "directory/search/index.py",
        "directory/search/whoosh_pin.py",
    }


def test_a_segment_writer_without_the_attributes_used_is_refused(tmp_path):
    from whoosh import index as whoosh_index

    from directory.search import bulk_writer

    class Lacking:
        """Whoosh's writer as another release might make it: no ``perdocwriter``."""

        def __init__(self, writer):
            self.writer = writer

        def __getattr__(self, name):
            if name == "perdocwriter":
                raise AttributeError(name)
            return getattr(self.writer, name)

    ix = whoosh_index.create_in(str(tmp_path), index.build_schema())
    writer = ix.writer(codec=bulk_writer.build_codec())
    try:
        with pytest.raises(whoosh_pin.WhooshVersionError, match="perdocwriter"):
            bulk_writer.BulkWriter(Lacking(writer))
    finally:
        writer.cancel()
