"""Keeping partner-link tokens out of the logs.

The token is in the link's path, which the development server (``werkzeug``) and gunicorn
(``gunicorn.access``) write in every request line. A filter on both loggers replaces it
before any handler sees the record.
"""

from __future__ import annotations

import logging
import re

REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")
# The path, also where it is quoted in a query (``/bahasa/en?next=%2Ftautan%2F...``).
TOKEN_IN_PATH = re.compile(r"(/|%2F)tautan(/|%2F)[^/\s?&\"'%]+", re.IGNORECASE)
REDACTED = r"\1tautan\2[token]"


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if TOKEN_IN_PATH.search(message):
            record.msg = TOKEN_IN_PATH.sub(REDACTED, message)
            record.args = None
        return True


def keep_tokens_out_of_logs() -> None:
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactLinkTokens) for existing in logger.filters):
            logger.addFilter(RedactLinkTokens())
