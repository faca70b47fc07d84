"""Keeping client data out of the logs.

SQLAlchemy can log every statement's parameters (INFO) and every fetched row (DEBUG) of
``sqlalchemy.engine``; rows and parameters of the referral tables hold client data. The
engine option ``hide_parameters`` (in the config's defaults) hides the parameters; the
filter below drops the rows, whatever level or ``echo`` an operator turns on.
"""

from __future__ import annotations

import logging

ENGINE_LOGGER = "sqlalchemy.engine.Engine"
ROW_MESSAGE = "Row %r"


class DropResultRows(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != ROW_MESSAGE


def keep_rows_out_of_logs() -> None:
    logger = logging.getLogger(ENGINE_LOGGER)
    if not any(isinstance(existing, DropResultRows) for existing in logger.filters):
        logger.addFilter(DropResultRows())
