"""/api/v1/api-keys/: list, create (the secret shown once) and revoke."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from partners.models import ApiKey
from tests.api.conftest import key_client

API_KEYS_URL = "/api/v1/api-keys/"
PROFILE_URL = "/api/v1/partner/"


@pytest.mark.django_db
def test_create_key_returns_full_key_once(api, partner):
    response = api.post(API_KEYS_URL, {"name": "CI", "scope": "read"}, format="json")

    body = response.json()
    api_key = ApiKey.objects.get(pk=body["id"])
    assert response.status_code == 201
    assert body["key"].startswith(f"hxb_{api_key.prefix}_")
    assert "key" not in api.get(f"{API_KEYS_URL}{api_key.pk}/").json()
    assert api_key.partner_id == partner.pk


@pytest.mark.django_db
def test_created_key_authenticates(api, partner):
    raw_key = api.post(API_KEYS_URL, {"name": "CI"}, format="json").json()["key"]

    response = key_client(raw_key).get(PROFILE_URL)

    assert response.status_code == 200


@pytest.mark.django_db
def test_create_key_defaults_to_read_scope(api):
    body = api.post(API_KEYS_URL, {"name": "CI"}, format="json").json()

    assert body["scope"] == "read"


@pytest.mark.django_db
def test_create_key_records_key_creator(api, member):
    body = api.post(API_KEYS_URL, {"name": "CI"}, format="json").json()

    assert ApiKey.objects.get(pk=body["id"]).created_by == member.user


@pytest.mark.django_db
def test_create_key_rejects_past_expiry(api):
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    count = ApiKey.objects.count()

    response = api.post(API_KEYS_URL, {"name": "CI", "expires_at": past}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["expires_at"]
    assert ApiKey.objects.count() == count


@pytest.mark.django_db
def test_create_key_rejects_expiry_beyond_five_years(api):
    count = ApiKey.objects.count()

    response = api.post(
        API_KEYS_URL, {"name": "CI", "expires_at": "9999-12-31T23:59:59Z"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["expires_at"]
    assert ApiKey.objects.count() == count


@pytest.mark.django_db
def test_create_key_rejects_datetime_out_of_range(api):
    count = ApiKey.objects.count()

    response = api.post(
        API_KEYS_URL, {"name": "CI", "expires_at": "0001-01-01T00:00:00+14:00"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["expires_at"]
    assert ApiKey.objects.count() == count


@pytest.mark.django_db
def test_create_key_rejects_number_for_name(api):
    count = ApiKey.objects.count()

    response = api.post(API_KEYS_URL, {"name": 2024}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert ApiKey.objects.count() == count


@pytest.mark.django_db
def test_list_keys_shows_no_secret(api, write_key):
    body = api.get(API_KEYS_URL).json()

    row = body["results"][0]
    assert row["prefix"] == write_key[0].prefix
    assert "key" not in row
    assert "secret_hash" not in row
    assert write_key[0].secret_hash not in str(body)
    assert write_key[1] not in str(body)


@pytest.mark.django_db
def test_revoke_key(api, read_key):
    api_key, raw_key = read_key

    response = api.post(f"{API_KEYS_URL}{api_key.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["is_usable"] is False
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is not None
    assert key_client(raw_key).get(PROFILE_URL).status_code == 401


@pytest.mark.django_db
def test_revoke_revoked_key_changes_nothing(api, read_key):
    api_key = read_key[0]
    first = api.post(f"{API_KEYS_URL}{api_key.pk}/revoke/").json()

    second = api.post(f"{API_KEYS_URL}{api_key.pk}/revoke/")

    assert second.status_code == 200
    assert second.json()["revoked_at"] == first["revoked_at"]


@pytest.mark.django_db
def test_revoke_own_key_ends_its_access(api, write_key):
    response = api.post(f"{API_KEYS_URL}{write_key[0].pk}/revoke/")

    assert response.status_code == 200
    assert api.get(PROFILE_URL).status_code == 401
