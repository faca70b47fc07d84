"""Language choice: Bahasa Indonesia by default, English on request."""

from __future__ import annotations

from typing import Any, cast

from flask import (
    Blueprint,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """``?lang=``, then the visitor's remembered choice, then Bahasa Indonesia. Outside a
    request (commands, workers) the default."""
    if has_request_context():
        chosen = request.args.get("lang") or session.get("lang")
        if chosen in current_app.config["LANGUAGES"]:
            return cast(str, chosen)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/bahasa/<lang>")
def set_language(lang: str) -> ResponseReturnValue:
    """Remember the visitor's language and go back where they came from (on this site)."""
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.home")
    return redirect(target)


def inject_language() -> dict[str, Any]:
    return {
        "current_language": select_locale(),
        "languages": current_app.config["LANGUAGES"],
        "demo_mode": current_app.config["DEMO_MODE"],
    }
