"""The package's house rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "django_portone_cert"


def _import_nodes(path: Path) -> list[tuple[str, list[str]]]:
    """Every import in ``path`` (at any depth) as (module, names): ``import x`` is ("x", []),
    ``from .y import z`` is ("<package>.y", ["z"]), relative imports resolved."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, [alias.name for alias in node.names]))
    return found


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports, relative imports resolved."""
    found: set[str] = set()
    for name, names in _import_nodes(path):
        found.add(name)
        found.update(f"{name}.{alias}" for alias in names)
    return found


def test_production_modules_never_import_testing() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imports(path) if name.startswith("django_portone_cert.testing")
        )
        for path in PACKAGE.rglob("*.py")
        if "testing" not in path.relative_to(PACKAGE).parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _parts(path: Path) -> tuple[str, ...]:
    return path.relative_to(PACKAGE).with_suffix("").parts


def test_one_fake_portone() -> None:
    """The sandbox and users' tests share one fake; ``testing`` adds no class of its own."""
    defined = sorted(
        "/".join(_parts(path))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef) and node.name == "FakePortOne"
    )
    assert defined == ["portone/fake/api"]


def test_only_the_sandbox_and_testing_import_the_fake() -> None:
    """The client and the flows never reach the fake, not even inside a function."""
    fake = "django_portone_cert.portone.fake"
    allowed = {("sandbox",), ("testing",), ("portone", "fake")}
    offenders = {
        "/".join(_parts(path)): sorted(
            name for name in _imports(path) if name == fake or name.startswith(fake + ".")
        )
        for path in PACKAGE.rglob("*.py")
        if not any(_parts(path)[: len(prefix)] == prefix for prefix in allowed)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _edges(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, at any depth (function-level included):
    ``from x import y`` counts as importing ``x.y`` when that is a module, else ``x``."""
    found: set[str] = set()
    for name, names in _import_nodes(path):
        for target in [f"{name}.{alias}" for alias in names] or [name]:
            if target in MODULES:
                found.add(target)
            elif name in MODULES:
                found.add(name)
    found.discard(_module_name(path))
    return found


GRAPH = {name: _edges(path) for name, path in MODULES.items()}

FLOWS = {
    "verification",
    "signup",
    "resume",
    "recovery",
    "guardians",
    "guardian_links",
    "services",
    "views",
    "serializers",
    "gates",
    "decorators",
    "mixins",
    "permissions",
    "admin",
    "receivers",
    "contrib",
    "management",
    "sandbox",
    "testing",
    "urls",
}


def test_the_core_imports_no_flow() -> None:
    """``core`` is what the flows build on: it never reaches up into one (allauth's internal/)."""
    offenders = {
        name: sorted(
            target
            for target in targets
            if target.split(".")[1] in FLOWS or target == "django_portone_cert"
        )
        for name, targets in GRAPH.items()
        if name.startswith("django_portone_cert.core")
    }
    assert {name: found for name, found in offenders.items() if found} == {}
    assert any(name.startswith("django_portone_cert.core.") for name in GRAPH)


def test_nothing_imports_in_a_circle() -> None:
    """No import cycle among the package's modules, function-level imports included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(GRAPH.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    assert cycles == []


def test_no_module_getattr_outside_the_settings() -> None:
    """Names are imported where they are used, so type checkers see every one."""
    offenders = sorted(
        "/".join(_parts(path))
        for path in PACKAGE.rglob("*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
    )
    assert offenders == []


def test_services_is_a_facade_of_eager_imports() -> None:
    from django_portone_cert import services

    tree = ast.parse((PACKAGE / "services.py").read_text())
    assert not [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    assert all(callable(getattr(services, name)) for name in services.__all__)


MODULE_LINES = 400
FUNCTION_LINES = 80


def test_modules_and_functions_stay_small() -> None:
    """A module a reader can hold (≤ 400 lines), a function that fits a screen (≤ 80);
    migrations aside, which Django writes."""
    too_big = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(PACKAGE.parent)
        if len(source.splitlines()) > MODULE_LINES:
            too_big.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    too_big.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    assert too_big == []
