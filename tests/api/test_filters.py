"""Each filter and ordering works, and a value a filter cannot use gets 400."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from partners import services
from partners.models import ApiKey
from tests.factories import (
    PartnerContactFactory,
    PartnerMemberFactory,
    UserFactory,
    issue_api_key,
)

CONTACTS_URL = "/api/v1/contacts/"
MEMBERS_URL = "/api/v1/members/"
API_KEYS_URL = "/api/v1/api-keys/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def contacts(partner):
    return {
        "billing": PartnerContactFactory(
            partner=partner, name="Beatriz Gómez", role="Billing", email="b@example.com"
        ),
        "legal": PartnerContactFactory(
            partner=partner, name="Luis Pérez", role="Legal", email="legal@firm.example"
        ),
        "primary": PartnerContactFactory(
            partner=partner, name="Ana Ruiz", role="CEO", email="ana@example.com", is_primary=True
        ),
    }


@pytest.mark.django_db
def test_contacts_search_matches_name_and_email(api, contacts):
    assert ids(api.get(CONTACTS_URL, {"q": "pérez"})) == [contacts["legal"].pk]
    assert ids(api.get(CONTACTS_URL, {"q": "firm.example"})) == [contacts["legal"].pk]


@pytest.mark.django_db
def test_contacts_filter_by_is_primary(api, contacts):
    assert ids(api.get(CONTACTS_URL, {"is_primary": "true"})) == [contacts["primary"].pk]
    assert contacts["primary"].pk not in ids(api.get(CONTACTS_URL, {"is_primary": "false"}))


@pytest.mark.django_db
def test_contacts_filter_by_role_ignores_case(api, contacts):
    assert ids(api.get(CONTACTS_URL, {"role": "billing"})) == [contacts["billing"].pk]


@pytest.mark.django_db
def test_contacts_ordering_by_name(api, contacts):
    ascending = ids(api.get(CONTACTS_URL, {"ordering": "name"}))
    descending = ids(api.get(CONTACTS_URL, {"ordering": "-name"}))

    assert ascending == [contacts[k].pk for k in ("primary", "billing", "legal")]
    assert descending == list(reversed(ascending))


@pytest.mark.django_db
def test_members_search_matches_email(api, partner, member):
    other = PartnerMemberFactory(partner=partner, user=UserFactory(username="zoe"))

    assert ids(api.get(MEMBERS_URL, {"q": "zoe@"})) == [other.pk]


@pytest.mark.django_db
def test_members_filter_by_role(api, partner, member):
    viewer = PartnerMemberFactory(partner=partner, role="viewer")

    assert ids(api.get(MEMBERS_URL, {"role": "viewer"})) == [viewer.pk]


@pytest.mark.django_db
def test_members_ordering_by_email(api, partner, member):
    other = PartnerMemberFactory(partner=partner, user=UserFactory(username="aaron"))

    assert ids(api.get(MEMBERS_URL, {"ordering": "email"})) == [other.pk, member.pk]
    assert ids(api.get(MEMBERS_URL, {"ordering": "-email"})) == [member.pk, other.pk]


@pytest.fixture
def keys(partner, write_key):
    revoked = issue_api_key(partner, scope="read")[0]
    services.revoke_api_key(api_key=revoked, actor=None)
    expired = issue_api_key(partner, scope="read")[0]
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    return {"usable": write_key[0], "revoked": revoked, "expired": expired}


@pytest.mark.django_db
def test_api_keys_filter_by_status(api, keys):
    for status, api_key in keys.items():
        assert ids(api.get(API_KEYS_URL, {"status": status})) == [api_key.pk], status


@pytest.mark.django_db
def test_api_keys_filter_by_scope(api, keys):
    assert ids(api.get(API_KEYS_URL, {"scope": "write"})) == [keys["usable"].pk]


@pytest.mark.django_db
def test_api_keys_search_matches_prefix(api, keys):
    prefix = keys["revoked"].prefix

    assert ids(api.get(API_KEYS_URL, {"q": prefix})) == [keys["revoked"].pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (CONTACTS_URL, {"is_primary": "maybe"}, "is_primary"),
        (CONTACTS_URL, {"q": "a\x00b"}, "q"),
        (CONTACTS_URL, {"q": "x" * 201}, "q"),
        (CONTACTS_URL, {"ordering": "name,secret"}, "ordering"),
        (MEMBERS_URL, {"role": "emperor"}, "role"),
        (MEMBERS_URL, {"ordering": "user__password"}, "ordering"),
        (API_KEYS_URL, {"scope": "admin"}, "scope"),
        (API_KEYS_URL, {"status": "lost"}, "status"),
        (API_KEYS_URL, {"ordering": "secret_hash"}, "ordering"),
    ],
)
def test_invalid_filter_value_is_bad_request(api, url, params, field):
    response = api.get(url, params)

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
