"""HSDS ``format=ndjson``: every result of a list, one JSON document per line, streamed.

No paging: the whole list goes out as it is read. Memory stays flat whatever the size of
the directory: the ids, in the list's order, come from the database ``BATCH`` at a time
(``yield_per``, a server-side cursor on PostgreSQL); each batch's records are then loaded
with their children by the loader options, written, and let go (the session's identity
map emptied) before the next batch is read. The stream reads through a session of its
own, read-only (a SQLite read does not queue behind writers), closed when the last line
is out or the client goes away.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import Select, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from directory.database import declare_write_intent, reset_write_intent
from directory.extensions import db

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
# Rows read, serialized and let go at a time.
BATCH = 500
# The first batch is small, so that the first lines leave at once.
FIRST_BATCH = 20


def line(document: Any) -> str:
    """One NDJSON line: compact JSON, then a newline (JSON escapes every newline inside)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def statement_lines(
    session: Session,
    statement: Select[Any],
    options: Iterable[Any],
    serialize_item: Callable[[Any], Any],
    batch: int = BATCH,
) -> Iterator[str]:
    """Every record ``statement`` selects (one model, without loader options), in its
    order, loaded with ``options`` and serialized, one line each, ``batch`` at a time."""
    model = statement.column_descriptions[0]["entity"]
    ids = session.execute(
        statement.with_only_columns(model.id).execution_options(yield_per=batch)
    ).scalars()
    options = list(options)
    size = min(FIRST_BATCH, batch)
    while chunk_ids := ids.fetchmany(size):
        yield from ordered_lines(session, model, chunk_ids, options, serialize_item, batch=batch)
        size = batch


def ordered_lines(
    session: Session,
    model: type[Any],
    ids: Sequence[str],
    options: Iterable[Any],
    serialize_item: Callable[[Any], Any],
    decorate: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
    batch: int = BATCH,
) -> Iterator[str]:
    """The records with ``ids``, in that order (a ranking), ``batch`` at a time."""
    options = list(options)
    for start in range(0, len(ids), batch):
        chunk_ids = list(ids[start : start + batch])
        found = {
            record.id: record
            for record in session.scalars(
                select(model).where(model.id.in_(chunk_ids)).options(*options)
            ).unique()
        }
        parts = []
        for record_id in chunk_ids:
            record = found.get(record_id)
            if record is None:  # deleted since the index last followed the log
                continue
            document = serialize_item(record)
            parts.append(line(decorate(record_id, document) if decorate else document))
        found.clear()
        session.expunge_all()
        yield "".join(parts)


def ndjson_response(produce: Callable[[Session], Iterator[str]]) -> Response:
    """A streamed NDJSON answer: ``produce`` writes the lines from the stream's session.

    Not cached by shared caches: a stream is long and its end is not known in advance.
    """
    engine = db.engine

    def generate() -> Iterator[str]:
        token = declare_write_intent(False)
        session = Session(engine)
        try:
            yield from produce(session)
        finally:
            try:
                session.close()
            except DBAPIError as error:
                # The client went away and the connection with it: nothing left to answer.
                log.warning("NDJSON stream ended on a lost connection: %s", type(error).__name__)
            # A stream closed by the server from elsewhere cannot reset: nothing to undo.
            with suppress(ValueError):
                reset_write_intent(token)

    response = Response(stream_with_context(generate()), mimetype=NDJSON)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
