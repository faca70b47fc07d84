from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from directory.api import bp

HSDS_PROFILE = "https://docs.openreferral.org/en/latest/hsds/"


@bp.get("/")
def root() -> ResponseReturnValue:
    return jsonify(
        version="3.0",
        profile=HSDS_PROFILE,
        openapi_url=url_for("api.openapi", _external=True),
    )


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    from directory.api.openapi import build_openapi

    return jsonify(build_openapi())
