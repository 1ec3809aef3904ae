"""Runs one page's code blocks inside the page's fresh Django project.

Copied into the project by tests/test_docs_snippets.py and run there as a script
(``python snippets_driver.py tasks.json``): it sets Django up with the project's settings, runs
the system checks and ``migrate``, runs each script block and renders each template block, and
writes what happened to ``report.json``. Loaded as a pytest plugin (``-p snippets_driver``) it
only keeps the project's own tests off the network.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str) and host != "localhost":
        try:
            local = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            local = False
        if not local:
            raise OSError(f"the docs' code tried to reach the network ({host!r})")
    return _connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


def _failure() -> str:
    return traceback.format_exc(limit=-8)


def _render_templates(report: dict[str, Any], templates: list[list[str]]) -> None:
    from django.template import engines
    from django.test import RequestFactory

    engine = engines["django"]
    for where, source in templates:
        try:
            template = engine.from_string(source)
            if "{% extends" not in source:
                template.render({}, request=RequestFactory().get("/"))
        except Exception:
            report["templates"][where] = _failure()


def _login_page(report: dict[str, Any]) -> None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("login")
    except NoReverseMatch:
        return
    try:
        report["login"] = Client().get(url).status_code
    except Exception:
        report["login"] = _failure()


def main(tasks_file: str) -> None:
    tasks = json.loads(Path(tasks_file).read_text(encoding="utf-8"))
    report: dict[str, Any] = {"setup": None, "checks": [], "migrate": None, "missing": []}
    report.update(scripts={}, templates={}, login=None)
    out = Path("report.json")
    os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
    sys.path.insert(0, os.getcwd())
    try:
        import django

        django.setup()
        from django.core import checks
        from django.core.management import call_command, get_commands
        from django.test.utils import setup_test_environment
    except Exception:
        report["setup"] = _failure()
        out.write_text(json.dumps(report), encoding="utf-8")
        return
    report["checks"] = [
        {"id": m.id, "level": m.level, "msg": str(m.msg)} for m in checks.run_checks()
    ]
    try:
        call_command("migrate", verbosity=0, skip_checks=True)
    except Exception:
        report["migrate"] = _failure()
    report["missing"] = [name for name in tasks["commands"] if name not in get_commands()]
    setup_test_environment()
    for where, code in tasks["scripts"]:
        try:
            exec(compile(code, where, "exec"), {"__name__": "__snippet__"})  # noqa: S102
        except Exception:
            report["scripts"][where] = _failure()
    _render_templates(report, tasks["templates"])
    _login_page(report)
    out.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
