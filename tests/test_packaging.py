"""Packaging: every dependency declared and pinned, every module in the package, a plain
``pip install .`` that runs, and nothing that reads the ``shared/`` folder beside a checkout."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from directory.resources import FOLDERS

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Needed at run time although nothing imports them by name.
NOT_IMPORTED = {
    "gunicorn": "the production server (make serve, gunicorn.conf.py)",
    "rfc3339-validator": "jsonschema checks the date-time format with it",
    "rfc3986-validator": "jsonschema checks the uri format with it",
    "redis": "the rate limits' shared store: limits loads it for a redis:// storage URI",
}


def declared(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def pinned(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def python_files(*places: str) -> list[Path]:
    files = []
    for place in places:
        path = ROOT / place
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def top_level_imports(path: Path) -> set[str]:
    """Absolute imports anywhere in the file (also those inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_of_the_app_is_a_declared_dependency():
    dependencies = declared(PROJECT["dependencies"])
    distributions = importlib.metadata.packages_distributions()
    undeclared, imported = {}, set()
    for path in python_files("directory", "migrations", "gunicorn.conf.py"):
        for name in top_level_imports(path):
            if name in sys.stdlib_module_names or name == "directory":
                continue
            providers = {canonicalize_name(d) for d in distributions.get(name, [])}
            imported |= providers
            if not providers & dependencies:
                undeclared.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert undeclared == {}
    # And nothing is declared that the app does not use.
    assert dependencies - imported - set(NOT_IMPORTED) == set()


def test_every_declared_dependency_is_pinned_in_its_lock():
    runtime = pinned(ROOT / "requirements.txt")
    everything = runtime | pinned(ROOT / "requirements-dev.txt")
    extras = PROJECT["optional-dependencies"]
    assert declared(PROJECT["dependencies"] + extras["postgresql"]) - set(runtime) == set()
    tools = [line for line in extras["test"] + extras["dev"] if "jejaring-rujukan" not in line]
    assert declared(tools) - set(everything) == set()
    # A lock pins each package once, and the two locks agree.
    assert set(runtime) & set(pinned(ROOT / "requirements-dev.txt")) == set()
    for line in PROJECT["dependencies"]:
        requirement = Requirement(line)
        version = runtime[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version), (line, version)


def test_every_folder_of_modules_in_the_package_is_a_package():
    """setuptools' package discovery leaves out a folder without ``__init__.py``, so only an
    editable install would have it."""
    folders = {path.parent for path in (ROOT / "directory").rglob("*.py")}
    missing = [
        str(folder.relative_to(ROOT))
        for folder in sorted(folders)
        if "__pycache__" not in folder.parts and not (folder / "__init__.py").is_file()
    ]
    assert missing == []


# --- nothing reads ../shared --------------------------------------------------------------

# A path into the shared folder beside the checkout (../shared, /work/shared, shared/hsds...),
# or the folder's name alone as a path part (parents[2] / "shared" / ...).
SHARED_PATH = re.compile(r"(^|[/\\])shared([/\\]|$)")
SHARED_TEXT = re.compile(r"\.\./shared|/work/shared")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                found.add(id(first.value))
    return found


def shared_paths_in_code(source: str) -> list[str]:
    """The string literals of Python code that name the shared folder. Comments and
    docstrings (which may say where a file came from) are not code."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and SHARED_PATH.search(node.value)
    ]


def test_the_shared_folder_check_tells_code_from_comments():
    assert shared_paths_in_code(
        'X = Path(__file__).resolve().parents[2] / "shared" / "hsds-3.0" / "compiled"'
    ) == ["shared"]
    assert shared_paths_in_code('open("../shared/hsds-3.0/openapi.json")') == [
        "../shared/hsds-3.0/openapi.json"
    ]
    assert shared_paths_in_code('SCHEMA = f"{BASE}/shared/hsds/schema.csv"') != []
    prose = shared_paths_in_code(
        '"""Shaped after ``shared/hsds-3.0/compiled/*.json``."""\n'
        "# The contract's table (shared/docs/contract.md).\n"
        'def f():\n    """See shared/docs/style.md."""\n    return shared_stack()\n'
    )
    assert prose == []


def test_nothing_reads_the_shared_folder_beside_the_checkout():
    """The tests and the app run from a clone with no ``../shared`` beside it: the HSDS
    files the tests need are vendored in tests/vendor/hsds-3.0."""
    found = []
    code = python_files("directory", "tests", "bench", "migrations", "seed", "scripts")
    code += [ROOT / "gunicorn.conf.py", ROOT / "setup.py"]
    for path in code:
        if path == Path(__file__).resolve():
            continue  # this file: the patterns and the samples above
        for literal in shared_paths_in_code(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT)}: {literal!r}")
    settings = [ROOT / name for name in ("Makefile", "pyproject.toml", ".ci/run", "MANIFEST.in")]
    settings += [p for p in (ROOT / "scripts").iterdir() if p.suffix != ".py"]
    settings += sorted((ROOT / "migrations").glob("*.ini"))
    for path in settings:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SHARED_TEXT.search(line.split("#")[0]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


# --- a plain `pip install .` --------------------------------------------------------------

BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "directory")

SERVE_ONE_PAGE = """
import directory, directory.resources
from directory import create_app
print("package:", directory.__file__)
print("installed:", directory.resources.INSTALLED)
app = create_app()
client = app.test_client()
home = client.get("/")
english = client.get("/?lang=en")
style = client.get("/static/favicon.svg")
print("home:", home.status_code, "Langsung ke isi" in home.get_data(as_text=True))
print("english:", english.status_code, "Skip to content" in english.get_data(as_text=True))
print("static:", style.status_code)
print("instance:", app.instance_path)
"""


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_a_plain_pip_install_runs_from_anywhere(tmp_path):
    """Build and install the project (not editable) into a fresh virtual environment, then,
    from a folder outside the checkout: upgrade a new SQLite database, load the seed data
    and serve pages. Offline: the dependencies come from this test's own environment."""
    source = tmp_path / "source"
    source.mkdir()
    leave_out = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "instance")
    for name in BUILD_INPUTS + FOLDERS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=leave_out)
        else:
            shutil.copy2(ROOT / name, source / name)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies (and pip, setuptools, Babel for the build) from this environment,
    # after the new environment's own site-packages.
    Path(own_site, "test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "PYTHON", "DATABASE_URL", "DIRECTORY_", "VIRTUAL_ENV"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'directory.sqlite'}",
        "DIRECTORY_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_SEARCH_AUTO_FOLLOW": "false",
        # A demonstration: in production it would rightly refuse to start without secrets.
        "DIRECTORY_DEMO": "1",
    }

    def run(*args: str | Path) -> str:
        done = subprocess.run(
            [python, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", source)
    assert not (source / "directory" / "templates").exists()  # built, not changed in place

    run("-m", "flask", "--app", "directory", "db", "upgrade")
    loaded = run("-m", "flask", "--app", "directory", "seed", "load", "--no-demo")
    assert "regions: 7837 added" in loaded
    served = dict(line.split(": ", 1) for line in run("-c", SERVE_ONE_PAGE).splitlines())

    assert served["package"].startswith(own_site)
    assert served["installed"] == "True"
    assert served["home"] == "200 True"
    assert served["english"] == "200 True"  # the translations were compiled by the build
    assert served["static"] == "200"
    assert served["instance"] == str(tmp_path / "instance")
