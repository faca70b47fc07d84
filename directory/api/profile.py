"""The directory's HSDS profile, served: a page of documentation and one JSON schema per
extended object (the schemas are built by :mod:`directory.hsds.profile`)."""

from __future__ import annotations

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api import params
from directory.api.blueprint import bp
from directory.api.openapi import describe, ref
from directory.errors import ApiError
from directory.hsds import profile

SCHEMA_MEDIA_TYPE = "application/schema+json"
# Schemas change only with a release: caches may keep them for a day.
SCHEMA_MAX_AGE = 86_400


def profile_url() -> str:
    """Where ``/`` points ``profile``: the page documenting this directory's profile."""
    return url_for("api.profile_page", _external=True)


def schema_url(name: str) -> str:
    return url_for("api.profile_schema", name=name, _external=True)


@bp.get("/profile")
def profile_page() -> ResponseReturnValue:
    params.parse_item(request.args)
    return render_template(
        "api/profile.html",
        extensions=profile.EXTENSIONS,
        page_fields=profile.PAGE_FIELDS,
        unsupported=profile.UNSUPPORTED_PARAMETERS,
        schemas=[(name, schema_url(name)) for name in profile.served_names()],
        hsds_schemas=profile.HSDS_SCHEMAS,
        profile_name=profile.PROFILE_NAME,
        profile_version=profile.PROFILE_VERSION,
        openapi_url=url_for("api.openapi", _external=True),
    )


@bp.get("/profile/<name>.json")
def profile_schema(name: str) -> ResponseReturnValue:
    document = profile.object_schema(name, schema_url(name))
    if document is None:
        raise ApiError(
            _(
                "Skema profil tidak ditemukan. Yang tersedia: %(names)s.",
                names=", ".join(profile.served_names()),
            ),
            status=404,
            code="not_found",
        )
    response = jsonify(document)
    response.mimetype = SCHEMA_MEDIA_TYPE
    response.cache_control.public = True
    response.cache_control.max_age = SCHEMA_MAX_AGE
    return response


describe(
    {
        "GET /profile": {
            "summary": "This directory's HSDS profile: its fields added to the standard, "
            "in Indonesian and English, with links to the schemas.",
            "tags": ["directory"],
            "responses": {
                "200": {
                    "description": "The profile's documentation.",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                "400": ref("responses", "BadRequest"),
            },
        },
        "GET /profile/{name}.json": {
            "summary": "The JSON schema of one object of the profile (the standard's schema "
            "of the object and the fields added here).",
            "tags": ["directory"],
            "responses": {
                "200": {
                    "description": "A JSON schema (draft 2020-12).",
                    "content": {SCHEMA_MEDIA_TYPE: {"schema": {"type": "object"}}},
                },
                "404": ref("responses", "NotFound"),
            },
        },
    }
)
