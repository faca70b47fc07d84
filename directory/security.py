"""Hardening: security headers (flask-talisman) and deploy checks
that refuse to start an unsafe production configuration (like Django's ``check --deploy``).

Production mode is everything that is not a demonstration (``DIRECTORY_DEMO=1``, which a
person sets: ``make run`` does) or a test. Debugging is no way out of it: ``FLASK_DEBUG=1``
with demo mode off is production with the debugger on, which the checks refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Secret keys that are examples, not secrets.
WEAK_SECRETS = frozenset({"dev", "development", "secret", "changeme", "change-me", "test"})
MIN_SECRET_LENGTH = 32


class UnsafeConfiguration(RuntimeError):
    """The production configuration would put client data at risk; the app will not start."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            "refusing to start in production mode (DEMO_MODE off, not TESTING):\n"
            f"{lines}\nFix the configuration, or set DIRECTORY_DEMO=1 for a demonstration."
        )


def is_production(config: Mapping[str, object]) -> bool:
    return not (config.get("DEMO_MODE") or config.get("TESTING"))


def deploy_problems(config: Mapping[str, object]) -> list[str]:
    """What is unsafe in a production configuration; empty when it may start."""
    problems = []
    if config.get("DEBUG"):
        problems.append(
            "DEBUG is on (FLASK_DEBUG): the debugger would run code for anyone; "
            "set DIRECTORY_DEMO=1 to debug on a demonstration"
        )
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        problems.append("SECRET_KEY is missing (set FLASK_SECRET_KEY or instance/config.py)")
    elif len(secret) < MIN_SECRET_LENGTH or secret.lower() in WEAK_SECRETS:
        problems.append(f"SECRET_KEY is weak: use at least {MIN_SECRET_LENGTH} random characters")
    if config.get("SESSION_COOKIE_SECURE") is False:
        problems.append("SESSION_COOKIE_SECURE is off: session cookies would travel without TLS")
    if config.get("REMEMBER_COOKIE_SECURE") is False:
        problems.append("REMEMBER_COOKIE_SECURE is off")
    if not config.get("SESSION_COOKIE_HTTPONLY", True):
        problems.append("SESSION_COOKIE_HTTPONLY is off: scripts could read the session cookie")
    if not config.get("CLIENT_DATA_KEYS"):
        problems.append(
            "CLIENT_DATA_KEYS is missing: the key that encrypts client data "
            "(make one with `flask --app directory privacy generate-key`)"
        )
    if not config.get("MAX_CONTENT_LENGTH"):
        problems.append("MAX_CONTENT_LENGTH is not set: request bodies would be unbounded")
    public_url = str(config.get("PUBLIC_URL") or "")
    if not public_url.startswith("https://"):
        problems.append("PUBLIC_URL is not https: links in e-mails would go without TLS")
    return problems


def check_deployment(app: Flask) -> None:
    """:raises UnsafeConfiguration: in production mode, with every problem named."""
    if not is_production(app.config):
        return
    problems = deploy_problems(app.config)
    if problems:
        raise UnsafeConfiguration(problems)


def tile_source(tiles_url: str) -> str:
    """The CSP source of a tile URL template: ``https://{s}.tile.example/{z}/{x}/{y}.png``
    -> ``https://*.tile.example``."""
    parts = urlsplit(tiles_url.replace("{s}", "subdomain"))
    host = parts.netloc.replace("subdomain", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else "'self'"


def content_security_policy(config: Mapping[str, object]) -> dict[str, str | list[str]]:
    """Scripts from our own origin, and inline ones only with the request's nonce (the map's
    folium script carries it); map tiles from the configured tile host; no framing.

    Styles allow 'unsafe-inline': Leaflet positions tiles and markers with inline styles and
    folium emits a ``<style>`` block; styles cannot run code.
    """
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", tile_source(str(config.get("MAP_TILES_URL") or ""))],
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def init_security(app: Flask) -> None:
    """Security headers on every response; call after the session settings are final.

    One Talisman per app: a shared instance keeps only the last app's policy."""
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        frame_options="DENY",
        content_security_policy=content_security_policy(app.config),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        permissions_policy={"geolocation": "(self)", "camera": "()", "microphone": "()"},
    )


def trusted_proxies(config: Mapping[str, object]) -> int:
    """``TRUSTED_PROXIES``: how many proxies in front of the app set X-Forwarded-For and
    X-Forwarded-Proto (0: none; the headers are then ignored, so nobody can forge them).

    :raises UnsafeConfiguration: not a whole number from 0 up.
    """
    value = config.get("TRUSTED_PROXIES") or 0
    try:
        count = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        count = -1
    if count < 0 or str(value).strip() not in (str(count), f"{count}.0"):
        raise UnsafeConfiguration(
            [f"TRUSTED_PROXIES must be a whole number from 0 up, not {value!r}"]
        )
    return count


def init_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies (a TLS terminator, say), take the visitor's address
    and scheme from the headers those proxies add, so that throttling and rate limits see
    each visitor rather than the proxy, everyone sharing its one address."""
    count = trusted_proxies(app.config)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
