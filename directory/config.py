"""Built-in defaults. Overridden, in order, by ``instance/config.py``, ``FLASK_*``
environment variables, ``DATABASE_URL`` and the test configuration."""

DEFAULTS: dict[str, object] = {
    # SQLite under the instance folder unless DATABASE_URL says otherwise.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "DEMO_MODE": True,
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
    "LANGUAGES": {"id": "Bahasa Indonesia", "en": "English"},
    "API_MAX_PER_PAGE": 100,
    "API_DEFAULT_PER_PAGE": 20,
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "JSON_SORT_KEYS": False,
    # The Whoosh index lives here, relative to the instance folder.
    "SEARCH_INDEX_DIR": "search-index",
    # Map tiles: OpenStreetMap's standard tiles unless configured.
    "MAP_TILES_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_TILES_ATTRIBUTION": (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ),
    # Online geocoding through geopy's Nominatim: off unless a user agent is configured.
    "GEOCODER_NOMINATIM_USER_AGENT": None,
}
