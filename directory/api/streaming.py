"""HSDS ``format=ndjson``: every result of a list, one JSON document per line, streamed.

No paging: the whole list goes out as it is read. Memory stays flat whatever the size of
the directory: rows come from the database ``BATCH`` at a time (``yield_per``, a
server-side cursor on PostgreSQL), each batch's children are loaded by the statement's
loader options, its lines are written, and its records are let go before the next batch
is read. The stream reads through a session of its own, read-only (a SQLite read does not
queue behind writers), closed when the last line is out or the client goes away.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from directory.database import declare_write_intent, reset_write_intent
from directory.extensions import db

NDJSON = "application/x-ndjson"
# Rows read, serialized and let go at a time.
BATCH = 500


def line(document: Any) -> str:
    """One NDJSON line: compact JSON, then a newline (JSON escapes every newline inside)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def statement_lines(
    session: Session,
    statement: Select[Any],
    serialize_item: Callable[[Any], Any],
    batch: int = BATCH,
) -> Iterator[str]:
    """Every row of ``statement``, serialized, one line each, ``batch`` rows at a time."""
    result = session.scalars(statement.execution_options(yield_per=batch))
    for rows in result.partitions():
        chunk = "".join(line(serialize_item(row)) for row in rows)
        del rows
        # The records of this batch are done with: let the identity map drop them.
        session.expunge_all()
        yield chunk


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
        try:
            with Session(engine) as session:
                yield from produce(session)
        finally:
            # A stream closed by the server from elsewhere cannot reset: nothing to undo.
            with suppress(ValueError):
                reset_write_intent(token)

    response = Response(stream_with_context(generate()), mimetype=NDJSON)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
