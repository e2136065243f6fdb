"""API-key authentication: which keys get in, and the 401 they get otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners import services
from partners.models import ApiKey, Partner
from tests.api.conftest import key_client

PROFILE_URL = "/api/v1/partner/"


def assert_unauthorized(response, code: str = "authentication_failed") -> None:
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.django_db
def test_valid_key_reads_profile(api, partner):
    response = api.get(PROFILE_URL)

    assert response.status_code == 200
    assert response.json()["id"] == partner.pk


@pytest.mark.django_db
def test_valid_key_records_last_use(api, write_key):
    api.get(PROFILE_URL)

    assert ApiKey.objects.get(pk=write_key[0].pk).last_used_at is not None


@pytest.mark.django_db
def test_missing_header_is_unauthorized(partner):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    assert_unauthorized(client.get(PROFILE_URL), code="not_authenticated")


@pytest.mark.django_db
def test_other_scheme_is_unauthorized(partner):
    client = APIClient(HTTP_AUTHORIZATION="Bearer abc", HTTP_ACCEPT_LANGUAGE="en")

    assert_unauthorized(client.get(PROFILE_URL), code="not_authenticated")


@pytest.mark.django_db
def test_empty_key_is_unauthorized(partner):
    client = APIClient(HTTP_AUTHORIZATION="Api-Key   ", HTTP_ACCEPT_LANGUAGE="en")

    response = client.get(PROFILE_URL)

    assert_unauthorized(response)
    assert response.json()["error"]["message"] == "The API key is missing."


@pytest.mark.django_db
@pytest.mark.parametrize("raw_key", ["hxb_nothing", "abc", "hxb__secret", "hxb_prefix_"])
def test_malformed_key_is_unauthorized(partner, raw_key):
    assert_unauthorized(key_client(raw_key).get(PROFILE_URL))


@pytest.mark.django_db
def test_wrong_secret_is_unauthorized(write_key):
    api_key, _raw_key = write_key

    response = key_client(f"hxb_{api_key.prefix}_wrong-secret").get(PROFILE_URL)

    assert_unauthorized(response)
    assert response.json()["error"]["message"] == "The API key is invalid, expired or revoked."


@pytest.mark.django_db
def test_revoked_key_is_unauthorized(write_key):
    api_key, raw_key = write_key
    services.revoke_api_key(api_key=api_key, actor=None)

    assert_unauthorized(key_client(raw_key).get(PROFILE_URL))


@pytest.mark.django_db
def test_expired_key_is_unauthorized(write_key):
    api_key, raw_key = write_key
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert_unauthorized(key_client(raw_key).get(PROFILE_URL))


@pytest.mark.django_db
def test_key_of_suspended_partner_is_unauthorized(partner, write_key):
    services.suspend_partner(partner=partner, actor=None)

    assert_unauthorized(key_client(write_key[1]).get(PROFILE_URL))


@pytest.mark.django_db
def test_key_of_terminated_partner_is_unauthorized(partner, write_key):
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.TERMINATED)

    assert_unauthorized(key_client(write_key[1]).get(PROFILE_URL))


@pytest.mark.django_db
def test_rejected_key_changes_nothing(partner, write_key):
    api_key, raw_key = write_key
    services.revoke_api_key(api_key=api_key, actor=None)

    response = key_client(raw_key).patch(PROFILE_URL, {"city": "Cali"}, format="json")

    assert response.status_code == 401
    assert Partner.objects.get(pk=partner.pk).city == partner.city
