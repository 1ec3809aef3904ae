"""One person, one account: the CI says who a result is; a result without one replaces no one."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, verify


def test_one_account_per_person(api_version: str, make_user: Any, portone: FakePortOne) -> None:
    first, second = make_user(), make_user()
    assert verify(client_for(first), portone).status_code == 201
    response = verify(client_for(second), portone)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This person is already verified on another account.",
        "code": "identity_in_use",
    }
    assert first.get_username() not in response.content.decode()
    assert not VerifiedIdentity.objects.filter(user=second).exists()


def test_several_accounts_when_allowed(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)
    users = [make_user() for _ in range(3)]
    for user in users:
        assert verify(client_for(user), portone).status_code == 201
    identities = VerifiedIdentity.objects.all()
    assert len({i.ci_hash for i in identities}) == 1
    assert {i.unique_ci_hash for i in identities} == {None}
    # The admin shows them together.
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/portone_cert/verifiedidentity/").content.decode()
    link = f"?ci_hash={identities[0].ci_hash}"
    assert link in listing
    same = browser.get("/admin/portone_cert/verifiedidentity/" + link).content.decode()
    assert same.count('class="action-select"') == 3


def test_without_ci_refused_by_default(user: Any, portone: FakePortOne, settings: Any) -> None:
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 400 and response.json()["code"] == "ci_missing"
    configure(settings, REQUIRE_CI=False)
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.ci == "" and identity.ci_hash == "" and identity.unique_ci_hash is None


def test_a_ci_less_result_cannot_replace_the_person(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, REQUIRE_CI=False)
    minor = {"name": "김미성", "birth_date": date(2012, 6, 1)}
    assert verify(client_for(user), portone, **minor).status_code == 201
    adult = {"name": "김성인", "birth_date": date(1980, 1, 1)}
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **adult)
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.name, identity.birth_date) == (minor["name"], minor["birth_date"])
    assert identity.ci  # the CI stays


def test_a_ci_less_result_never_stands_for_a_person_stored_with_a_ci(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    """Not even with the same name and birth date: namesakes share both, and it would refresh
    the verification (step-up, REVERIFY_AFTER) of someone it does not prove to be."""
    configure(settings, REQUIRE_CI=False)
    assert verify(client_for(user), portone).status_code == 201
    before = VerifiedIdentity.objects.get(user=user)
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"
    after = VerifiedIdentity.objects.get(user=user)
    assert (after.ci_hash, after.verified_at) == (before.ci_hash, before.verified_at)


def test_without_a_ci_on_either_side_the_name_and_birth_date_decide(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, REQUIRE_CI=False)
    person = {**PERSON, "ci": None, "provider": "inicis_unified"}
    assert verify(client_for(user), portone, **person).status_code == 201
    assert verify(client_for(user), portone, **person).status_code == 201
    other = {**person, "name": "김다른"}
    response = verify(client_for(user), portone, **other)
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"


def test_a_ci_less_namesake_does_not_overwrite_the_phone(
    settings: Any, portone: FakePortOne, user: Any
) -> None:
    configure(settings, REQUIRE_CI=False, STORE_PHONE=True)
    client = client_for(user)
    first = verify(client, portone, provider="kcp_v2", phone="01011112222", **PERSON)
    assert first.status_code == 201
    before = VerifiedIdentity.objects.get(user=user)
    assert before.phone == "01011112222" and before.ci_hash
    # Another person of the same name and birth date (common in Korea), through a
    # method that gives no CI, verifies on this account (a shared or stolen session).
    response = verify(client, portone, provider="kcp_v2", phone="01099998888", ci=None, **PERSON)
    after = VerifiedIdentity.objects.get(user=user)
    assert response.status_code == 409
    assert after.phone == "01011112222"
