from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from rest_framework.test import APIClient

from django_portone_cert import portone as client_module
from django_portone_cert.exceptions import PortOneCertError
from django_portone_cert.testing import ISSUED_PERSONAL_DATA

pytest_plugins = ["django_portone_cert.testing.pytest_plugin", "tests.versions"]

#: The test modules a swapped user model changes: `make test` runs them a second time with
#: TEST_AUTH_USER_MODEL=custom_user.EmailUser (an e-mail login, no username, no permission
#: tables), selected by the ``user_model`` marker. What they reach that depends on the user
#: model: the foreign keys to AUTH_USER_MODEL and their migration, USERNAME_FIELD at sign-up,
#: get_username() in recovery, the admin's search fields and permissions, deleting a user
#: (tombstones), a user's identity read by the gates, the README's example. The browser tests
#: serve the example project, whose user model is Django's own, and most others never look at
#: a user beyond its primary key.
USER_MODEL_MODULES = frozenset(
    {
        "test_access_report.py",
        "test_admin.py",
        "test_admin_statistics.py",
        "test_api.py",
        "test_compiled.py",
        "test_encryption.py",
        "test_flow_edges.py",
        "test_gates.py",
        "test_guardian_hardening.py",
        "test_guardians.py",
        "test_hash_keys.py",
        "test_models.py",
        "test_one_person.py",
        "test_readme_example.py",
        "test_recovery.py",
        "test_recovery_hardening.py",
        "test_recovery_pages.py",
        "test_retention.py",
        "test_reverification.py",
        "test_signup.py",
    }
)


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in USER_MODEL_MODULES:
            item.add_marker(pytest.mark.user_model)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(host: Any) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local(host):
        pytest.fail(f"a test tried to reach the network ({host!r})", pytrace=False)


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _guard(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _guard(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, bytes):
        host = host.decode()
    _guard((host,))
    return _real_getaddrinfo(host, *args, **kwargs)


#: The test running now, so that a leak names the test it happened in.
_current_test = ["(outside a test)"]


class _Collector(logging.Handler):
    """Keeps the text of every log record of the run (message and traceback), with its test."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[tuple[str, str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append((_current_test[0], self.format(record)))


_collector = _Collector()
_exceptions: list[tuple[str, PortOneCertError]] = []


@pytest.fixture(autouse=True)
def _name_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    _current_test[0] = request.node.nodeid
    yield
    _current_test[0] = "(outside a test)"


@pytest.fixture(autouse=True, scope="session")
def _collect_logs_and_exception_texts() -> Iterator[None]:
    """Feeds the check in pytest_sessionfinish: no fake person's data in any of them."""
    root = logging.getLogger()
    root.addHandler(_collector)
    previous = root.level
    root.setLevel(logging.DEBUG)
    original_init = PortOneCertError.__init__

    def recording_init(self: PortOneCertError, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        _exceptions.append((_current_test[0], self))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PortOneCertError, "__init__", recording_init)
        yield
    root.removeHandler(_collector)
    root.setLevel(previous)


#: What each pytest-xdist worker found (``make test`` runs the suite on every core): the
#: controller reports them together, and fails the run on any leak.
_worker_findings: list[dict[str, Any]] = []


def found_in(value: str, text: str) -> bool:
    """Whether a fake person's ``value`` is in ``text``. A value of digits only (an SMS code,
    the birth date and 7th digit, a phone) counts as a number of its own, not as a run inside
    a longer one: a code's six digits turn up by chance inside a random ``imp_`` id, a port or
    a token in some test's log, and that is not the code leaking."""
    if not value.isdigit():
        return value in text
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", text) is not None


def _findings() -> dict[str, Any]:
    """This process's check: which tests put a fake person's value in which kind of text."""
    _exception_texts = [(test, f"{error!s} {error!r}") for test, error in _exceptions]
    # A one-letter value (a test's person named "가") is in ordinary Korean text ("…습니다"):
    # too short to tell a leak from a message. Tests name people as people are named.
    values = [value for value in ISSUED_PERSONAL_DATA if len(value) >= 2]
    leaks = sorted(
        {
            (test, kind)
            for value in values
            for kind, texts in (("log", _collector.texts), ("exception", _exception_texts))
            for test, text in texts
            if found_in(value, text)
        }
    )
    return {
        "leaks": leaks,
        "values": len(values),
        "logs": len(_collector.texts),
        "exceptions": len(_exception_texts),
    }


def _print_matches() -> None:
    """``PERSONAL_DATA_DEBUG=1`` (one process, ``WORKERS=0``): each fake value and the text it
    was found in, to tell a leak from a coincidence. The values are the fake's, never real."""
    values = [value for value in ISSUED_PERSONAL_DATA if len(value) >= 2]
    for test, text in _collector.texts:
        for value in values:
            if found_in(value, text):
                print(f"\n{test}: {value!r} in {text!r}")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: a worker ended; keep what its check found."""
    found = getattr(node, "workeroutput", {}).get("personal_data")
    if found is not None:
        _worker_findings.append(found)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = _findings()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput["personal_data"] = found
        return
    every = [found, *_worker_findings]
    leaks = sorted({tuple(leak) for each in every for leak in each["leaks"]})
    values, logs, exceptions = (
        sum(each[k] for each in every) for k in ("values", "logs", "exceptions")
    )
    if leaks and os.environ.get("PERSONAL_DATA_DEBUG"):
        _print_matches()
    if leaks:
        session.exitstatus = 1
        print(f"\nPERSONAL DATA LEAKED into logs or exception texts in {len(leaks)} places:")
        for test, kind in leaks:
            print(f"  {test}: a fake person's value in a {kind} text")
    elif values and logs + exceptions:
        print(
            f"\npersonal data check: {values} fake values, "
            f"{logs} log records, {exceptions} exception texts: clean"
        )


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Any attempt to leave the machine fails the test (loopback is allowed)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect)
        mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
        mp.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)
        yield


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Each test starts with no pooled connection (and leaves none to a stopped server)."""
    yield
    with client_module._clients_lock:
        for client in client_module._clients.values():
            client.close()
        client_module._clients.clear()


@pytest.fixture(autouse=True)
def _clear_caches() -> Iterator[None]:
    """Every cache empty, including local-memory ones a test configured under another name
    (their storage outlives the test's settings)."""
    from django.core.cache.backends import locmem

    def clear() -> None:
        for cache in caches.all():
            cache.clear()
        for store in locmem._caches.values():
            store.clear()
        for expiry in locmem._expire_info.values():
            expiry.clear()

    clear()
    yield
    clear()


_user_numbers = count(1)


@pytest.fixture
def make_user(db: None) -> Any:
    def make(**extra: Any) -> Any:
        user_model = get_user_model()
        n = next(_user_numbers)
        fields = {user_model.USERNAME_FIELD: f"user{n}@example.com", **extra}
        return user_model.objects.create_user(password="pw-12345-secret", **fields)

    return make


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user()


@pytest.fixture
def visitor(settings: Any, db: None) -> APIClient:
    """A client that is not logged in, on a site that lets visitors verify before sign-up."""
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ANONYMOUS_VERIFICATION": True}
    return APIClient()


@pytest.fixture
def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def calls(portone: Any) -> Iterator[Any]:
    """What reached the fake PortOne, as ``responses`` saw it (headers, body, timeouts)."""
    import responses

    from django_portone_cert.portone.fake.responses_adapter import activate

    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
        activate(portone, mock=rsps),
    ):
        yield rsps.calls


@pytest.fixture
def sent_otp_requests(portone: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The person (``OtpRequest``) of every code the app has the client send; each send goes on."""
    seen: list[Any] = []
    client_class = type(client_module.get_client())
    original = client_class.send_otp

    def spy(self: Any, attempt_id: str, request: Any, **kwargs: Any) -> Any:
        seen.append(request)
        return original(self, attempt_id, request, **kwargs)

    monkeypatch.setattr(client_class, "send_otp", spy)
    return seen


@pytest.fixture(params=["one statement", "step by step"])
def lookup_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, api_version: str
) -> str:
    """The test twice: with the one-statement lookup (core/lookups.py) and with the
    step-by-step path other databases take; both must refuse and count alike."""
    from django_portone_cert.core import lookups

    if request.param == "step by step":
        monkeypatch.setattr(lookups, "returns_from_update", lambda connection: False)
    return str(request.param)
