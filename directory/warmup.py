"""A served worker's preparation before it takes requests (gunicorn's ``post_worker_init``
in ``gunicorn.conf.py``): open the search index snapshot and read its lexicon, load the
gazetteer and build the map document, each once per process, so no visitor waits for
them and concurrent first requests do not each do the same work. A step that fails is
logged and left to the first request that needs it, as without warming.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from directory.extensions import db
from directory.geo.geocoding import gazetteer
from directory.map.document import map_document
from directory.search.service import lexicon_of, state_of

log = logging.getLogger(__name__)


def _open_search(app: Flask) -> None:
    """The index snapshot, and the lexicon of lay words read against it."""
    state = state_of(app)
    lexicon_of(state, state.reader.snapshot().generation)


def warm_up(app: Flask) -> list[str]:
    """Runs the steps in an app context; returns the names of those that failed."""
    steps: dict[str, Callable[[], object]] = {
        "search index": lambda: _open_search(app),
        "gazetteer": lambda: gazetteer(app),
        "map document": map_document,
    }
    failed = []
    with app.app_context():
        for name, step in steps.items():
            try:
                step()
            except Exception:
                log.warning("warm-up of the %s failed", name, exc_info=True)
                failed.append(name)
                db.session.rollback()
        db.session.remove()
    return failed
