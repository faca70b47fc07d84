"""A served worker's preparation before it takes requests (gunicorn's ``post_worker_init``
in ``gunicorn.conf.py``): open the search index snapshot, load the gazetteer and build
the map document, each once per process, so no visitor waits for them and concurrent
first requests do not each do the same work. A step that fails is logged and left to the
first request that needs it, as without warming.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from directory.extensions import db
from directory.geo.geocoding import gazetteer
from directory.map.views import map_document
from directory.search.service import state_of

log = logging.getLogger(__name__)


def warm_up(app: Flask) -> list[str]:
    """Runs the steps in an app context; returns the names of those that failed."""
    steps: dict[str, Callable[[], object]] = {
        "search index": lambda: state_of(app).reader.snapshot(),
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
