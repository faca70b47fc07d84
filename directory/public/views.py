from flask import render_template
from flask.typing import ResponseReturnValue

from directory.public import bp


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("public/home.html")
