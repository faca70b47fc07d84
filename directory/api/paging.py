"""The HSDS page wrapper, written once: every list of the API answers in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from directory.api import params
from directory.extensions import db


def page_wrapper(
    contents: list[Any], *, page_number: int, total_items: int, total_pages: int
) -> dict[str, Any]:
    """``contents`` as page ``page_number`` of ``total_pages`` (HSDS 3.0)."""
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def paginated(
    statement: Select[Any], paging: params.Paging, serialize_item: Callable[[Any], Any]
) -> dict[str, Any]:
    """One page of ``statement``, each row serialized, in the page wrapper."""
    pagination: Pagination = db.paginate(
        statement, page=paging.page, per_page=paging.per_page, max_per_page=None, error_out=False
    )
    return page_wrapper(
        [serialize_item(item) for item in pagination.items],
        page_number=paging.page,
        total_items=int(pagination.total or 0),
        total_pages=pagination.pages,
    )
