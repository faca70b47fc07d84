"""Built-in defaults. Overridden, in order, by ``instance/config.py``, ``FLASK_*``
environment variables, ``DATABASE_URL`` and the test configuration."""

from datetime import timedelta

DEFAULTS: dict[str, object] = {
    # SQLite under the instance folder unless DATABASE_URL says otherwise.
    "SQLALCHEMY_DATABASE_URI": None,
    # hide_parameters: SQL parameters (client data among them) never reach a log or an error.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
    # Write transactions take turns in a queue (directory.writer_queue): across processes
    # on SQLite, within each process on PostgreSQL. False: the database's own locks alone.
    "WRITER_QUEUE": True,
    # A GET (HEAD, OPTIONS) view that writes without @writes_on_get raises: None means on
    # when testing or debugging, off in production (directory.request_transactions).
    "STRICT_GET_READS": None,
    # Demo mode is turned on by a person (DIRECTORY_DEMO=1; `make run` does), never by
    # default and never by what a database holds. Off, the app runs as production.
    "DEMO_MODE": False,
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
    "LANGUAGES": {"id": "Bahasa Indonesia", "en": "English"},
    # Where "Keluar cepat" (and the Escape key) takes a visitor of the public pages: a
    # neutral page that says nothing of why they left (templates/_quick_exit.html).
    "QUICK_EXIT_URL": "https://www.google.com/search?q=cuaca+hari+ini",
    "API_MAX_PER_PAGE": 100,
    "API_DEFAULT_PER_PAGE": 20,
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    # Spreadsheet onboarding (/admin/impor): write the confirmed rows in a thread of the
    # worker while the page shows progress; off, in the request that confirms.
    "SHEET_IMPORT_BACKGROUND": True,
    # A JSON body of the API: at most this many bytes (413) and levels of nesting (400).
    "API_MAX_JSON_BYTES": 64 * 1024,
    "API_MAX_JSON_DEPTH": 20,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Accounts (directory/auth). None: secure cookies unless debugging, testing or in demo
    # mode (see directory.auth.sessions.configure_sessions). Sessions end after 8 idle hours and 12
    # hours after signing in at most.
    "SESSION_COOKIE_SECURE": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "SESSION_MAX_HOURS": 12,
    "PASSWORD_MIN_LENGTH": 12,
    # Sign-in slows down, never locks out (directory.auth.throttle): after the free failures
    # (per account, and per address), each failure doubles the wait before the next
    # attempt, from LOGIN_DELAY_SECONDS up to LOGIN_MAX_DELAY_SECONDS; an attempt made too
    # early gets 429 and Retry-After. Failures older than the window no longer count.
    "LOGIN_FREE_FAILURES_PER_ACCOUNT": 3,
    "LOGIN_FREE_FAILURES_PER_ADDRESS": 10,
    "LOGIN_DELAY_SECONDS": 1,
    "LOGIN_MAX_DELAY_SECONDS": 60,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "API_TOKEN_LIFETIME_HOURS": 12,
    # Proxies in front of the app (TLS terminator, load balancer) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: 0 believes none. Behind one nginx: 1.
    "TRUSTED_PROXIES": 0,
    # Sign-in attempts (addresses, and whatever was typed as an e-mail address) are
    # deleted this long after they were made (the notifications worker's round, and
    # `flask user purge-attempts`).
    "LOGIN_ATTEMPT_RETENTION_HOURS": 24,
    # Rate limits per visitor address (directory.ratelimits), in the `limits` notation.
    # Counted in memory per worker process unless RATELIMIT_STORAGE_URI is a Redis
    # (redis://host:6379/0), which counts across every worker and server.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_KEY_PREFIX": "jejaring",
    "RATELIMIT_SIGN_IN": "30 per minute",
    "RATELIMIT_SEARCH": "120 per minute",
    "RATELIMIT_MAP": "60 per minute",
    # The page and answers of a partner link (/tautan/<token>), per address.
    "RATELIMIT_PARTNER_LINK": "30 per minute",
    # Whole lists streamed (format=ndjson), all lists together.
    "RATELIMIT_BULK": "20 per minute",
    # Client data encryption keys (Fernet), newest first: a list or a comma-separated string,
    # from the environment (CLIENT_DATA_KEYS) or instance/config.py, never the repository.
    # Outside production one is made in instance/client_data_key. See directory.privacy.
    "CLIENT_DATA_KEYS": None,
    # Client details of a referral are purged this many days after it was closed, declined
    # or withdrawn, unless under a legal hold.
    "RETENTION_DAYS": 730,
    # Break-glass (directory.referrals.break_glass): an administrator's stated purpose opens
    # one referral's client data for this many minutes; more grants than this in an hour
    # are refused and flagged to the other administrators.
    "BREAK_GLASS_MINUTES": 15,
    "BREAK_GLASS_MAX_PER_HOUR": 5,
    # Referrals: the time a receiver has to accept or decline, by urgency. Working days are
    # Monday to Friday, less REFERRAL_HOLIDAYS (ISO dates), in the receiver's time zone.
    "REFERRAL_RESPONSE_DEADLINES": {
        "emergency": {"hours": 4},
        "high": {"working_days": 1},
        "normal": {"working_days": 3},
    },
    "REFERRAL_HOLIDAYS": [],
    # Notification e-mail: through SMTP when MAIL_SERVER is set, else into instance/mail/.
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Jejaring Rujukan <noreply@localhost>",
    # The address links in e-mails point to.
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "JSON_SORT_KEYS": False,
    # The Whoosh index lives here, relative to the instance folder.
    "SEARCH_INDEX_DIR": "search-index",
    # Keep the index current from the change log in a background thread of the app:
    # None means on, except when TESTING. At most one check every SEARCH_FOLLOW_SECONDS.
    "SEARCH_AUTO_FOLLOW": None,
    "SEARCH_FOLLOW_SECONDS": 2.0,
    # A rebuild writes its segment with the bulk writer (directory.search.bulk_writer,
    # fenced by a check of the pinned Whoosh release); False: Whoosh's public writer,
    # the same index, about twice as slow.
    "SEARCH_BULK_WRITER": True,
    # A rebuild of at least 5,000 services writes its segment in a worker process while
    # the app's process reads the database (directory.search.parallel_build); False:
    # everything in the rebuilding process, the same index.
    "SEARCH_PARALLEL_BUILD": True,
    # Search answers each worker process keeps (directory.search_cache); 0 turns it off.
    # An answer is one page (about 10 to 60 kB), so this bounds a worker to a few MB.
    "SEARCH_RESULT_CACHE_ENTRIES": 256,
    # Map tiles: OpenStreetMap's standard tiles unless configured.
    "MAP_TILES_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "MAP_TILES_ATTRIBUTION": (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    ),
    # Online geocoding through geopy's Nominatim: off unless a user agent is configured.
    "GEOCODER_NOMINATIM_USER_AGENT": None,
}
