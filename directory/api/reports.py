"""``GET /api/v1/reports/referrals``: the network's referral figures, for administrators.

Aggregates only (definitions and suppression: :mod:`directory.reports.figures`). 401
without credentials, 403 for anyone but an administrator, 400 naming each bad parameter.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.auth import api_report_reader
from directory.api.blueprint import bp
from directory.api.openapi import describe, json_response, ref
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import db
from directory.referrals.vocabulary import CLOSE_RESULTS, DECLINE_REASONS, URGENCIES
from directory.reports import figures
from directory.reports.filters import read_filters
from directory.reports.presentation import report_to_json


@bp.get("/reports/referrals")
def referral_report() -> ResponseReturnValue:
    api_report_reader()
    filters, errors = read_filters(request.args)
    if errors:
        raise ApiError(_("Parameter tidak valid."), code="invalid_parameter", fields=errors)
    report = figures.compute_report(db.session, filters, utcnow(), with_trend=False)
    return jsonify(report_to_json(report))


COUNT: dict[str, Any] = {
    "oneOf": [{"type": "integer", "minimum": 5}, {"const": figures.SUPPRESSED}],
    "description": 'A count; below 5 it is the string "<5".',
}
NULLABLE_NUMBER: dict[str, Any] = {"type": ["number", "null"]}


def _counts_by(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict.fromkeys(codes, COUNT),
        "additionalProperties": COUNT,
    }


FIGURES: dict[str, Any] = {
    "sent": COUNT,
    "accepted": {**COUNT, "description": "Accepted, including those now in progress or closed."},
    "declined": COUNT,
    "declined_by_reason": _counts_by(list(DECLINE_REASONS)),
    "withdrawn": COUNT,
    "closed": COUNT,
    "closed_by_outcome": _counts_by(list(CLOSE_RESULTS)),
    "acceptance_rate": {
        **NULLABLE_NUMBER,
        "minimum": 0,
        "maximum": 1,
        "description": "accepted / (accepted + declined); null when either is below 5.",
    },
    "median_hours_to_response": {
        **NULLABLE_NUMBER,
        "description": "From sent to accepted or declined; null over fewer than 5.",
    },
    "p90_hours_to_response": NULLABLE_NUMBER,
    "median_days_to_close": {
        **NULLABLE_NUMBER,
        "description": "From sent to closed; null over fewer than 5.",
    },
    "p90_days_to_close": NULLABLE_NUMBER,
    "overdue": {**COUNT, "description": "Awaiting an answer past the response deadline now."},
}
FIGURES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": list(FIGURES),
    "properties": FIGURES,
}
NULLABLE_TEXT = {"type": ["string", "null"]}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["group_by", "from", "to", "filters", "generated_at", "groups", "total"],
    "properties": {
        "group_by": {"enum": list(figures.GROUP_BYS)},
        "from": NULLABLE_TEXT,
        "to": NULLABLE_TEXT,
        "filters": {"type": "object"},
        "generated_at": {"type": "string", "format": "date-time"},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "label", *FIGURES],
                "properties": {
                    "key": {
                        **NULLABLE_TEXT,
                        "description": "Region code, term id, urgency or YYYY-MM; null for "
                        "unknown.",
                    },
                    "label": {"type": "string"},
                    **FIGURES,
                },
            },
        },
        "total": FIGURES_SCHEMA,
    },
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


DAY = {"type": "string", "format": "date"}
UUID = {"type": "string", "format": "uuid"}

describe(
    {
        "GET /reports/referrals": {
            "summary": "Referral figures per group, for administrators: sent, accepted, "
            "declined (by reason), withdrawn, closed (by outcome), acceptance rate, times to "
            'response and closure, overdue now. Aggregates only; a count below 5 is "<5". '
            "Regions are the sending organization's; organization types the receiving one's; "
            "a referral counts once per problem; months and days are Asia/Jakarta.",
            "tags": ["reports"],
            "parameters": [
                _query(
                    "group_by",
                    "What a group is (default `month`).",
                    {"enum": list(figures.GROUP_BYS)},
                ),
                _query("from", "First day sent (inclusive, Asia/Jakarta).", DAY),
                _query("to", "Last day sent (inclusive, Asia/Jakarta).", DAY),
                _query(
                    "province",
                    "Sending organization's province code (`36`).",
                    {"type": "string", "pattern": r"^\d{2}$"},
                ),
                _query(
                    "regency",
                    "Sending organization's regency/city code (`36.73`).",
                    {"type": "string", "pattern": r"^\d{2}\.\d{2}$"},
                ),
                _query("organization_type", "Receiving organization's type (term id).", UUID),
                _query("problem", "Only referrals with this problem (term id).", UUID),
                _query("urgency", "Only this urgency.", {"enum": list(URGENCIES)}),
            ],
            "responses": {
                "200": json_response("The figures.", REPORT_SCHEMA),
                "400": ref("responses", "BadRequest"),
                "401": json_response("No or bad credentials.", ref("schemas", "Error")),
                "403": json_response("Not an administrator.", ref("schemas", "Error")),
            },
        }
    }
)
