"""The layout of ``directory/`` (ARCHITECTURE.md): no import cycle between packages or
between modules, and the layer rules, read from the source with ``ast``.

Every import counts, a deferred one inside a function too: it is a dependency all the
same, only a later one. A module also depends on its package's ``__init__`` (Python runs
it first), so a package ``__init__`` that imports its views makes every module of the
package depend on them. The root package ``directory/__init__.py`` is the app factory, the
composition root at the top: nothing imports it, and it is not counted as the parent of
the modules beside it.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "directory"

Graph = Mapping[str, Iterable[str]]


@dataclass(frozen=True)
class Import:
    """``module`` imports ``target`` (a module of ``directory``) at ``line``."""

    module: str
    target: str
    line: int
    deferred: bool


def module_files(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package ``__init__``)."""
    modules = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        modules[".".join(parts)] = (path, is_package)
    return modules


def _known(name: str, modules: Mapping[str, object]) -> str | None:
    """The module ``name`` names, or the nearest package holding it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(
    module: str, source: str, is_package: bool, modules: Mapping[str, object]
) -> list[Import]:
    """The modules of the package that ``source`` imports, absolute or relative, anywhere."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    tree = ast.parse(source)
    deferred_lines = {
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    for node in ast.walk(tree):
        targets: list[str | None] = []
        if isinstance(node, ast.Import):
            targets = [_known(alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source_module = ".".join(base + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            for alias in node.names:
                # ``from directory.x import y``: y is a module, or a name in module x.
                submodule = f"{source_module}.{alias.name}"
                targets.append(
                    submodule if submodule in modules else _known(source_module, modules)
                )
        else:
            continue
        for target in targets:
            if target and target != module and target.split(".")[0] == PACKAGE:
                found.append(Import(module, target, node.lineno, node.lineno in deferred_lines))
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    modules = module_files(root)
    found = []
    for module, (path, is_package) in modules.items():
        found += imports_of(module, path.read_text(), is_package, modules)
    return found


def package_of(module: str) -> str:
    """``directory.geo.hours`` -> ``directory.geo``; a top-level module is its own node."""
    return ".".join(module.split(".")[:2])


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in module_files(root)}
    for edge in all_imports(root):
        graph[edge.module].add(edge.target)
    for module in graph:
        parent = module.rpartition(".")[0]
        if parent and parent != PACKAGE:
            graph[module].add(parent)
    return graph


def package_graph(root: Path = ROOT) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in all_imports(root):
        source, target = package_of(edge.module), package_of(edge.target)
        graph.setdefault(source, set())
        if source != target:
            graph[source].add(target)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one node (or a node importing
    itself), each as one cycle through them: ``[a, b, c, a]``. Tarjan's algorithm,
    iterative."""
    nodes = sorted(set(graph) | {target for targets in graph.values() for target in targets})
    successors = {node: sorted(graph.get(node, ())) for node in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(successors[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in successors[node]:
                    components.append(_cycle_through(sorted(component), successors))
    return components


def _cycle_through(component: list[str], successors: Mapping[str, list[str]]) -> list[str]:
    """One closed path inside a strongly connected component, from its first node back."""
    members = set(component)
    start = component[0]
    # Breadth first from start, inside the component, until an edge comes back to start.
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        following = []
        for node in frontier:
            for child in successors[node]:
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child in members and child not in seen:
                    seen.add(child)
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"not a cycle: {component}")


def describe(found: list[list[str]]) -> str:
    return "\n".join(" -> ".join(cycle) for cycle in found)


# -- The cycle finder itself: it finds what is there, and nothing else. ------------------


def test_the_cycle_finder_finds_a_cycle_and_names_it():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]


def test_the_cycle_finder_passes_a_graph_without_cycles():
    graph = {"a": {"b", "c"}, "b": {"c", "d"}, "c": {"d"}, "d": set()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_long_cycle_among_many_nodes():
    # Deep enough that a recursive search would hit Python's recursion limit.
    graph = {f"n{i:05}": {f"n{i + 1:05}"} for i in range(5000)}
    assert cycles(graph) == []
    graph["n05000"] = {"n02500"}
    (cycle,) = cycles(graph)
    assert cycle[0] == cycle[-1] == "n02500" and len(cycle) == 2502


def test_imports_are_read_relative_deferred_and_from_packages():
    modules = dict.fromkeys(
        ["directory", "directory.a", "directory.a.x", "directory.a.y", "directory.b"]
    )
    source = (
        "from . import y\n"
        "from ..b import thing\n"
        "import directory.a.y.inner\n"
        "import os\n"
        "def later():\n"
        "    from directory.b import other\n"
    )
    found = imports_of("directory.a.x", source, False, modules)
    assert [(i.target, i.deferred) for i in found] == [
        ("directory.a.y", False),
        ("directory.b", False),
        ("directory.a.y", False),
        ("directory.b", True),
    ]


def test_a_package_init_importing_its_views_is_a_cycle(tmp_path):
    """A synthetic package laid out as map/ was: __init__ imports views at the bottom."""
    package = tmp_path / PACKAGE / "feature"
    package.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (package / "__init__.py").write_text("bp = 1\nfrom directory.feature import views\n")
    (package / "views.py").write_text("from directory.feature import bp, data\n")
    (package / "data.py").write_text("")
    found = cycles(module_graph(tmp_path))
    assert found == [["directory.feature", "directory.feature.views", "directory.feature"]]
    assert cycles(package_graph(tmp_path)) == []


# -- The layout. --------------------------------------------------------------------------


def test_no_cycle_between_packages():
    found = cycles(package_graph())
    assert not found, f"import cycles between packages:\n{describe(found)}"


def test_no_cycle_between_modules():
    found = cycles(module_graph())
    assert not found, f"import cycles between modules:\n{describe(found)}"


def test_nothing_imports_the_app_factory():
    importers = sorted(
        f"{edge.module}:{edge.line}" for edge in all_imports() if edge.target == PACKAGE
    )
    assert importers == []


def test_package_inits_hold_a_docstring_only():
    """No blueprint and no import in a package ``__init__`` (the app factory aside): a
    feature's blueprint is ``bp`` in its ``views.py``."""
    crowded = []
    for module, (path, is_package) in module_files().items():
        if not is_package or module == PACKAGE:
            continue
        body = ast.parse(path.read_text()).body
        statements = [
            node
            for node in body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        ]
        if statements:
            crowded.append(module)
    assert crowded == []


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


WEB = {"flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "wtforms", "jinja2"}
DATABASE = {"sqlalchemy", "flask_sqlalchemy", "alembic"}


def pure_modules() -> list[str]:
    """The pure domain modules: those mypy checks strictly (pyproject.toml)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    strict = next(o for o in settings["overrides"] if o.get("disallow_untyped_defs"))
    return list(strict["module"])


def test_the_strict_modules_exist():
    modules = module_files()
    assert [name for name in pure_modules() if name not in modules] == []


@pytest.mark.parametrize("module", pure_modules())
def test_pure_modules_know_no_web_and_no_database(module):
    modules = module_files()
    path, is_package = modules[module]
    assert _third_party(path) & (WEB | DATABASE) == set()
    # ... and of the package only other pure modules, or the memo helper.
    allowed = set(pure_modules()) | {"directory.memo"}
    own = {edge.target for edge in imports_of(module, path.read_text(), is_package, modules)}
    assert own - allowed == set()


@pytest.mark.parametrize("module", ["directory.database", "directory.sqltypes"])
def test_the_bottom_layer_knows_no_web(module):
    path, _ = module_files()[module]
    assert _third_party(path) & WEB == set()
    assert {edge.target for edge in all_imports() if edge.module == module} == set()


def test_models_import_no_operations_views_or_api():
    upward = [
        f"{edge.module}:{edge.line} imports {edge.target}"
        for edge in all_imports()
        if edge.module.endswith(".models")
        and (
            edge.target.rpartition(".")[2] in {"operations", "views", "forms", "commands"}
            or package_of(edge.target) == "directory.api"
        )
    ]
    assert upward == []


def test_no_module_imports_another_features_views():
    """Views are the top of a feature: only the app factory, and the feature's own route
    modules, import them."""
    reaching = [
        f"{edge.module}:{edge.line} imports {edge.target}"
        for edge in all_imports()
        if edge.target.endswith(".views")
        and edge.module != PACKAGE
        and package_of(edge.module) != package_of(edge.target)
    ]
    assert reaching == []


# -- Names. -------------------------------------------------------------------------------


def test_no_two_classes_share_a_name():
    """A class name says which thing it is: ``OpeningHours`` is the domain's weekly hours,
    not also a form's row; an exception is named for its refusal."""
    defined: dict[str, list[str]] = {}
    for module, (path, _) in module_files().items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, []).append(module)
    assert {name: where for name, where in defined.items() if len(where) > 1} == {}


def test_command_modules_are_named_commands():
    """A feature's ``flask`` commands live in its ``commands.py`` (the app-wide ones, and
    the registry, in ``directory/commands.py``); the worker is ``directory/worker.py``."""
    misnamed = []
    for module, (path, _) in module_files().items():
        source = path.read_text()
        name = module.rpartition(".")[2]
        defines_commands = "AppGroup(" in source or ".cli.command(" in source
        if name in {"cli", "seeding"} or (defines_commands and name != "commands"):
            misnamed.append(module)
    assert misnamed == []
