"""The package's house rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "django_portone_cert"


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports, relative imports resolved."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
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
