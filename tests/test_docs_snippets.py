"""Every code block of the README and the docs runs as shown, in a fresh Django project.

Each page gets its own project (``django-admin startproject mysite``, or the project
docs/install.md builds), its blocks written where they say, then one process runs the checks,
``migrate``, its scripts and templates, and another the page's tests with pytest. Nothing
reaches the network. The conventions are in tests/snippets.py and docs/development.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import django_portone_cert

from .snippets import (
    INSTALL_PAGE,
    KEYS_NOT_SET,
    Project,
    apply,
    blocks,
    pages,
    shell_problems,
    starts_from_scratch,
)

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = Path(django_portone_cert.__file__).resolve().parent.parent
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
NODE = shutil.which("node")
SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
RUNNABLE = {"files", "script", "template", "shell"}


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PORTONE_", "PYTEST_", "COV_")) and k != "PYTHONPATH"
    }
    env.update(
        PYTHONPATH=str(PACKAGE_ROOT),
        PYTHONDONTWRITEBYTECODE="1",
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def _run(args: list[str], cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``django-admin startproject mysite``, as a newcomer starts."""
    path = tmp_path_factory.mktemp("bare")
    made = _run([sys.executable, "-m", "django", "startproject", "mysite", str(path)], path)
    if made.returncode:
        pytest.skip(f"startproject failed: {made.stderr[-500:]}")
    return path


@pytest.fixture(scope="module")
def installed(bare: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project docs/install.md builds, migrated: where the other pages start."""
    project = apply(blocks(INSTALL_PAGE), bare, tmp_path_factory.mktemp("install") / "p")
    assert not project.problems
    migrated = _run([sys.executable, "manage.py", "migrate", "-v0"], project.path)
    assert migrated.returncode == 0, migrated.stderr
    return project.path


def _drive(project: Project) -> dict[str, Any]:
    tasks = {
        "scripts": project.scripts,
        "templates": project.templates,
        "commands": project.commands,
    }
    (project.path / "tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    ran = _run([sys.executable, "snippets_driver.py", "tasks.json"], project.path)
    report_file = project.path / "report.json"
    assert report_file.exists(), ran.stderr[-3000:]
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    return report


def _lint(project: Project) -> str:
    """Undefined names (a missing import) in the files and scripts the page wrote."""
    if not Path(RUFF).exists():
        return ""
    scripts = project.path / "_scripts"
    scripts.mkdir()
    files = [str(p) for p in project.written if p.suffix == ".py"]
    for number, (_, code) in enumerate(project.scripts):
        (scripts / f"block_{number}.py").write_text(code, encoding="utf-8")
        files.append(str(scripts / f"block_{number}.py"))
    if not files:
        return ""
    args = [RUFF, "check", "--isolated", "--no-cache", "--select", "F821", "-q", *files]
    linted = _run(args, project.path)
    return linted.stdout if linted.returncode else ""


def _check_scripts_in_html(project: Project) -> list[str]:
    if not NODE:
        return []
    found = []
    for number, (where, source) in enumerate(project.templates):
        for part, script in enumerate(SCRIPT.findall(source)):
            js = project.path / f"_script_{number}_{part}.js"
            js.write_text(script, encoding="utf-8")
            checked = _run([NODE, "--check", str(js)], project.path)
            if checked.returncode:
                found.append(f"{where}: {checked.stderr.strip()[-500:]}")
    return found


def _page_ids() -> list[Path]:
    return [page for page in pages() if any(block.kind in RUNNABLE for block in blocks(page))]


def _start_tests(project: Project) -> subprocess.Popen[str] | None:
    """The page's tests with pytest, started now (they run while the driver works)."""
    if not project.tests or importlib.util.find_spec("pytest_django") is None:
        return None
    # Only the plugins a newcomer's project has (the dev environment has many more), and
    # tables made without running each migration: a few seconds less per page.
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-migrations"]
    args += ["-p", "pytest_django.plugin", "-p", "snippets_driver"]
    args += [str(p) for p in project.tests]
    return subprocess.Popen(
        args,
        cwd=project.path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _check_report(report: dict[str, Any]) -> None:
    assert report["setup"] is None, report["setup"]
    checks = report["checks"]
    errors = [c for c in checks if c["level"] >= 40 and c["id"] not in KEYS_NOT_SET]
    assert errors == [], "the system checks fail"
    assert not [c for c in checks if c["id"] == "portone_cert.W002"], "an unknown key"
    assert report["migrate"] is None, report["migrate"]
    assert report["missing"] == [], "manage.py commands that do not exist"
    assert report["scripts"] == {}, "\n".join(report["scripts"].values())
    assert report["templates"] == {}, "\n".join(report["templates"].values())
    assert report["login"] in (None, 200), report["login"]


@pytest.mark.parametrize("page", _page_ids(), ids=str)
def test_code_blocks_run_as_shown(page: Path, bare: Path, installed: Path, tmp_path: Path) -> None:
    page_blocks = blocks(page)
    start = bare if starts_from_scratch(page_blocks) else installed
    project = apply(page_blocks, start, tmp_path / "project")
    assert project.problems == []
    shutil.copy(HERE / "snippets_driver.py", project.path)
    tests = _start_tests(project)
    try:
        if project.scripts or project.templates or project.commands or project.written:
            _check_report(_drive(project))
        assert _lint(project) == ""
        assert _check_scripts_in_html(project) == []
        if tests:
            output, _ = tests.communicate(timeout=300)
            assert tests.returncode == 0, output[-5000:]
            assert re.search(r"\d+ passed", output)
            assert "skipped" not in output
    finally:
        if tests and tests.poll() is None:
            tests.kill()
            tests.communicate()
    if project.tests and not tests:
        pytest.skip("pytest-django is not installed: the page's tests did not run")


def test_every_block_is_runnable_or_marked() -> None:
    """A block's language is one the test knows; shell blocks have form; fragments are few."""
    every = [block for page in pages() for block in blocks(page)]
    assert [b.where for b in every if b.kind == "unknown"] == []
    problems = [p for b in every if b.kind == "shell" for p in shell_problems(b)[0]]
    assert problems == []
    fragments = [b.where for b in every if b.kind == "fragment"]
    runnable = [b for b in every if b.kind in RUNNABLE]
    assert len(fragments) * 10 <= len(runnable), fragments


def test_the_readme_settings_without_keys_end_in_a_check_message(
    bare: Path, tmp_path: Path
) -> None:
    """No keys, DEBUG off (production, CI): ``check`` and ``migrate`` name the missing key."""
    settings = next(b for b in blocks(Path("README.md")) if b.kind == "files")
    assert settings.files()[0][0] == "mysite/settings.py"
    project = apply([settings], bare, tmp_path / "project")
    path = project.path / "mysite" / "settings.py"
    path.write_text(path.read_text().replace("DEBUG = True", "DEBUG = False"))
    for command in ("check", "migrate"):
        ran = _run([sys.executable, "manage.py", command], project.path)
        assert ran.returncode == 1
        assert "portone_cert.E002" in ran.stderr
        assert 'settings.PORTONE_CERT["IMP_KEY"] is not set.' in ran.stderr
        assert "Traceback" not in ran.stderr
