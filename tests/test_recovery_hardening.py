"""Account recovery under attack (issue 17, items 3 and 7), V1 and V2.

A stranger holding the admin's phone passes 본인인증 as the admin: recovery must not hand them
the admin's password. An account without a usable password gets no link either, as Django's own
reset form. A result typed into the sandbox names no one outside sandbox mode, and neither does an
identity stored from one.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from django_portone_cert import recovery
from django_portone_cert.checks import check_recovery
from django_portone_cert.masking import mask_username
from django_portone_cert.models import SANDBOX_PROVIDER, CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, configure
from tests.test_recovery import (  # noqa: F401  (_recovery_on: the module's autouse fixture)
    PAGE,
    _recovery_on,
    account_of,
    recover,
)


def links(response: Any) -> list[str | None]:
    """Each account's reset link (or None), in the order the accounts were created."""
    assert response.status_code == 200, response.content
    return [a["password_reset_url"] for a in response.json()["accounts"]]


@pytest.fixture
def one_person_many_accounts(settings: Any, make_user: Any, portone: FakePortOne) -> list[Any]:
    """One person (PERSON) with a plain account, a staff account and a superuser's."""
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)
    plain = account_of(make_user, portone)
    staff = account_of(make_user, portone)
    boss = account_of(make_user, portone)
    type(staff)._default_manager.filter(pk=staff.pk).update(is_staff=True)
    type(boss)._default_manager.filter(pk=boss.pk).update(is_superuser=True)
    return [plain, staff, boss]


def test_staff_and_superusers_are_listed_without_a_reset_link(
    one_person_many_accounts: list[Any], portone: FakePortOne
) -> None:
    response = recover(APIClient(), portone)
    names = [a["username"] for a in response.json()["accounts"]]
    assert names == [mask_username(u.get_username()) for u in one_person_many_accounts]
    plain, staff, boss = links(response)
    assert plain is not None and staff is None and boss is None


def test_recovery_include_staff_gives_them_links(
    settings: Any, one_person_many_accounts: list[Any], portone: FakePortOne
) -> None:
    configure(settings, RECOVERY_INCLUDE_STAFF=True)
    found = links(recover(APIClient(), portone))
    assert len(found) == 3 and all(found)
    # Only exactly True opens it: a check says what else is wrong (E042).
    configure(settings, RECOVERY_INCLUDE_STAFF="yes")
    found = links(recover(APIClient(), portone))
    assert [url is None for url in found] == [False, True, True]


def test_an_account_without_a_usable_password_never_gets_a_link(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    configure(settings, RECOVERY_INCLUDE_STAFF=True)
    owner = account_of(make_user, portone)
    owner.set_unusable_password()
    owner.save()
    response = recover(APIClient(), portone)
    assert links(response) == [None]
    # 아이디 찾기 still finds it.
    assert response.json()["accounts"][0]["username"] == mask_username(owner.get_username())


def test_the_page_explains_an_account_without_a_link(db: None) -> None:
    messages = Client().get(PAGE, HTTP_ACCEPT_LANGUAGE="ko").context["config"]["messages"]
    assert messages["no_reset_link"] == (
        "이 계정의 비밀번호는 여기서 재설정할 수 없습니다. 고객센터에 문의해 주세요."
    )


def test_check_e042(settings: Any) -> None:
    configure(settings, RECOVERY_INCLUDE_STAFF=1)
    assert [m.id for m in check_recovery()] == ["portone_cert.E042"]
    configure(settings, ACCOUNT_RECOVERY=False)
    assert [m.id for m in check_recovery()] == ["portone_cert.E042"]
    configure(settings, RECOVERY_INCLUDE_STAFF=False, ACCOUNT_RECOVERY=True)
    assert check_recovery() == []


def test_a_sandbox_result_outside_sandbox_mode_is_refused(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    # SANDBOX set, DEBUG off (a deploy that kept the flag; check E014): every result the server
    # reads is marked as typed into the sandbox.
    configure(settings, SANDBOX=True)
    settings.DEBUG = False
    account_of(make_user, portone)
    response = recover(APIClient(), portone)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "test_channel" and "accounts" not in response.json()
    assert CertificationAttempt.objects.get(purpose="recovery").failure_code == "test_channel"
    # In sandbox mode (SANDBOX and DEBUG) the sandbox's own accounts are found, as before.
    settings.DEBUG = True
    assert len(links(recover(APIClient(), portone))) == 1


def test_accounts_of_sandbox_identities_are_not_listed_outside_sandbox_mode(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    owner = account_of(make_user, portone)
    VerifiedIdentity.objects.filter(user=owner).update(provider=SANDBOX_PROVIDER)
    assert links(recover(APIClient(), portone)) == []
    assert recovery.find_accounts(portone.person_ci(**PERSON)) == []
    configure(settings, SANDBOX=True)
    settings.DEBUG = True
    assert recovery.find_accounts(portone.person_ci(**PERSON)) == [owner]
