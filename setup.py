"""One build step beyond pyproject.toml (which holds the metadata).

A checkout keeps the app's folders (templates, static files, translations, migrations, seed
data) beside the package. A built package carries copies of them inside ``directory/``,
with the translations compiled, so that ``pip install .`` (not editable) gives an app that
runs anywhere; ``directory/resources.py`` finds them in either place. An editable install
reads the checkout's own folders and copies nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# The same names as directory.resources.FOLDERS (setup.py cannot import the package).
FOLDERS = ("templates", "static", "translations", "migrations", "seed")
LEAVE_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", ".*")


def compile_catalogs(translations: Path) -> list[Path]:
    """``pybabel compile --use-fuzzy -d translations``, as the Makefile does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_file in sorted(translations.glob("*/LC_MESSAGES/*.po")):
        with po_file.open("rb") as source:
            catalog = read_po(source, locale=po_file.parents[1].name)
        mo_file = po_file.with_suffix(".mo")
        with mo_file.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)
        written.append(mo_file)
    return written


class BuildWithAppFolders(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "directory"
        for name in FOLDERS:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / name, target, ignore=LEAVE_OUT)
        compile_catalogs(package / "translations")


setup(cmdclass={"build_py": BuildWithAppFolders})
