"""Client data encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256, from
``cryptography``), and a keyed hash for equality look-ups by client reference.

Keys come from ``CLIENT_DATA_KEYS``: a list (or a comma-separated string) of Fernet keys,
newest first. The newest encrypts; every key decrypts, so a key can be rotated in
(``flask privacy rotate-key``) while old rows are still readable. The cipher lives on the
app (``app.extensions["client_data"]``), so the column type works wherever an app context
is: requests, commands, workers and migrations.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

EXTENSION = "client_data"
KEY_FILE = "client_data_key"
# Distinct purposes of one key: a hash key is derived, never the encryption key itself.
_INDEX_PURPOSE = b"jejaring-rujukan/client-reference-index/v1"


class ClientDataKeyError(RuntimeError):
    """No usable client-data key is configured."""


def parse_keys(raw: object) -> list[str]:
    """``CLIENT_DATA_KEYS`` as a list: a list or tuple, or one string of comma-separated keys."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, (list, tuple)):
        return [str(part).strip() for part in raw if str(part).strip()]
    raise ClientDataKeyError("CLIENT_DATA_KEYS must be a list or a comma-separated string")


class ClientDataCipher:
    """Encrypts with the newest key, decrypts with any; hashes references for look-ups."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ClientDataKeyError("no client-data key")
        try:
            fernets = [Fernet(key.encode()) for key in keys]
        except (ValueError, TypeError) as error:
            raise ClientDataKeyError(
                "a CLIENT_DATA_KEYS entry is not a Fernet key (make one with "
                "`flask --app directory privacy generate-key`)"
            ) from error
        self.keys = keys
        self._fernet = MultiFernet(fernets)
        self._index_key = hmac.new(keys[0].encode(), _INDEX_PURPOSE, hashlib.sha256).digest()

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def reference_hash(self, reference: str | None) -> str | None:
        """A keyed hash (HMAC-SHA256) of a client reference, for equality look-ups.

        Case and surrounding spaces do not count: ``ab-12`` finds ``AB-12``.
        """
        if reference is None or not reference.strip():
            return None
        normalized = reference.strip().casefold().encode()
        return hmac.new(self._index_key, normalized, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def instance_key(instance: Path) -> str:
    """A key kept in the instance folder, for development and demonstration only."""
    key_file = instance / KEY_FILE
    if not key_file.exists():
        key_file.write_text(generate_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def init_client_data(app: Flask, *, production: bool) -> None:
    """Read the keys; outside production, make one in ``instance/`` when none is set.

    In production a missing key is left for the deploy checks to report (with the rest).

    :raises ClientDataKeyError: a configured key is malformed.
    """
    keys = parse_keys(app.config.get("CLIENT_DATA_KEYS"))
    if not keys and not production:
        keys = [instance_key(Path(app.instance_path))]
    app.config["CLIENT_DATA_KEYS"] = keys
    if keys:
        app.extensions[EXTENSION] = ClientDataCipher(tuple(keys))


def cipher() -> ClientDataCipher:
    try:
        return current_app.extensions[EXTENSION]
    except KeyError:
        raise ClientDataKeyError("no client-data key is configured (CLIENT_DATA_KEYS)") from None


class EncryptedText(TypeDecorator[str]):
    """Text stored as a Fernet token: never the plaintext in the database.

    Encryption is not deterministic, so a column of this type cannot be compared with a
    value in SQL; look up by a keyed hash column instead (see ``reference_hash``).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return cipher().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return cipher().decrypt(value)
        except InvalidToken as error:
            raise ClientDataKeyError(
                "client data cannot be decrypted with the configured CLIENT_DATA_KEYS"
            ) from error
