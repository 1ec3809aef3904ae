# The test the README shows, as a user's project would write it (conftest.py there:
# pytest_plugins = ["django_portone_cert.testing.pytest_plugin"]).
from datetime import date

import pytest


@pytest.mark.parametrize(("born", "adult"), [(date(1990, 1, 1), True), (date(2012, 1, 1), False)])
def test_verification(client, django_user_model, portone, born, adult):
    user = django_user_model.objects.create_user("someone@example.com", password="pw")
    client.force_login(user)
    attempt = client.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(birth_date=born, merchant_uid=attempt["merchant_uid"])
    body = {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]}
    response = client.post("/portone-cert/certifications/", body, content_type="application/json")
    assert response.status_code == 201
    assert user.verified_identity.meets_age(19, rule="year") is adult
