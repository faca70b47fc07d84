"""Where the app's folders of files are: in a checkout, or inside an installed package.

A checkout keeps ``templates/``, ``static/``, ``translations/``, ``migrations/`` and
``seed/`` beside the package, where ``make run`` and the tests use them. A built package
(``pip install .``) carries copies of them inside ``directory/``, with the translations
compiled (see ``setup.py``); the package's own copy wins when it is there.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
FOLDERS = ("templates", "static", "translations", "migrations", "seed")
# True when this is a built package: setup.py copied the folders into it.
INSTALLED = (PACKAGE_DIR / "templates").is_dir()


def resource_dir(name: str) -> Path:
    """One of :data:`FOLDERS`, from the package if it carries them, else from the checkout."""
    if name not in FOLDERS:
        raise ValueError(f"not one of the app's folders: {name!r}")
    return (PACKAGE_DIR if INSTALLED else PROJECT_ROOT) / name


def default_instance_path() -> str | None:
    """``instance/`` of the checkout; for an installed package, None: Flask's own default
    (``<prefix>/var/directory-instance``), never a folder inside site-packages."""
    return None if INSTALLED else str(PROJECT_ROOT / "instance")
