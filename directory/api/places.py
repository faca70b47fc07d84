"""``GET /api/v1/places?search=serang``: the gazetteer, for place boxes and clients.

Answers the HSDS page wrapper over the candidates, best first, each with ``code``,
``name``, ``level``, ``latitude``, ``longitude`` and ``context`` (the parents' names,
"Kota Serang, Banten").
"""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.blueprint import bp
from directory.api.caching import public_json
from directory.api.openapi import PARAMETERS, describe, json_response, page_of, params
from directory.api.paging import page_wrapper
from directory.errors import ApiError
from directory.geo.geocoding import gazetteer
from directory.querystring import QueryReader

MAX_PLACES = 20
MAX_PLACE_QUERY = 100


@bp.get("/places")
def places() -> ResponseReturnValue:
    reader = QueryReader(request.args)
    text = reader.value("search")
    limit = reader.integer("per_page", default=10, minimum=1, maximum=MAX_PLACES)
    if text is None and "search" not in reader.errors:
        reader.errors["search"] = _("Wajib: nama tempat yang dicari.")
    elif text is not None and len(text) > MAX_PLACE_QUERY:
        reader.errors["search"] = _(
            "Terlalu panjang: paling banyak %(count)d karakter.", count=MAX_PLACE_QUERY
        )
    reader.refuse_unknown()
    if reader.errors:
        raise ApiError(
            _("Parameter tidak valid."), code="invalid_parameter", fields=dict(reader.errors)
        )
    found = gazetteer().search(text or "", limit=limit)
    contents = [
        {
            "code": candidate.region.code,
            "name": candidate.region.name,
            "level": candidate.region.level,
            "latitude": candidate.region.latitude,
            "longitude": candidate.region.longitude,
            "context": candidate.label,
        }
        for candidate in found
    ]
    return public_json(
        page_wrapper(
            contents, page_number=1, total_items=len(contents), total_pages=1 if contents else 0
        )
    )


PLACE_SCHEMA = {
    "type": "object",
    "required": ["code", "name", "level", "latitude", "longitude"],
    "properties": {
        "code": {"type": "string", "description": "Kemendagri code, e.g. `36.73`."},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": ["provinsi", "kabupaten", "kota", "kecamatan"]},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
        "context": {"type": "string", "description": "Name with its parents' names."},
    },
}

PARAMETERS["place_search"] = {
    "name": "search",
    "in": "query",
    "required": True,
    "description": "A place name, forgiving: `Kab. Serang`, `kota serang`, `serang`, typos. "
    "A name several places share answers all of them, best first.",
    "schema": {"type": "string", "maxLength": MAX_PLACE_QUERY},
}
PARAMETERS["place_per_page"] = {
    "name": "per_page",
    "in": "query",
    "required": False,
    "description": f"How many places at most (default 10, at most {MAX_PLACES}).",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PLACES},
}

describe(
    {
        "GET /places": {
            "summary": "Gazetteer look-up: provinces, regencies/cities and districts by name.",
            "tags": ["directory"],
            "parameters": params("place_search", "place_per_page"),
            "responses": {
                "200": json_response("Matching places, best first.", page_of(PLACE_SCHEMA)),
                "400": {"$ref": "#/components/responses/BadRequest"},
            },
        }
    }
)
