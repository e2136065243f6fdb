"""Creating POSTs with an Idempotency-Key run once and replay their first response."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from hexabuilders import idempotency
from hexabuilders.models import IdempotencyRecord
from partners.models import ApiKey, PartnerContact
from tests.api.conftest import key_client
from tests.factories import issue_api_key

CONTACTS_URL = "/api/v1/contacts/"
API_KEYS_URL = "/api/v1/api-keys/"
BODY = {"name": "Ana Ruiz", "email": "ana@example.com"}


def post(client, url: str, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers)


@pytest.mark.django_db
def test_repeated_key_replays_first_response(api):
    first = post(api, CONTACTS_URL, BODY, "key-1")
    second = post(api, CONTACTS_URL, BODY, "key-1")

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert PartnerContact.objects.count() == 1


@pytest.mark.django_db
def test_key_order_in_body_does_not_matter(api):
    post(api, CONTACTS_URL, {"name": "Ana", "email": "a@example.com"}, "key-1")

    response = post(api, CONTACTS_URL, {"email": "a@example.com", "name": "Ana"}, "key-1")

    assert response.status_code == 201
    assert PartnerContact.objects.count() == 1


@pytest.mark.django_db
def test_repeated_key_with_other_body_is_rejected(api):
    post(api, CONTACTS_URL, BODY, "key-1")

    response = post(api, CONTACTS_URL, {**BODY, "name": "Someone else"}, "key-1")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert PartnerContact.objects.count() == 1


@pytest.mark.django_db
def test_repeated_key_on_other_endpoint_is_rejected(api):
    post(api, CONTACTS_URL, BODY, "key-1")

    response = post(api, API_KEYS_URL, {"name": "CI"}, "key-1")

    assert response.status_code == 422
    assert ApiKey.objects.filter(name="CI").count() == 0


@pytest.mark.django_db
def test_requests_without_key_each_create(api):
    post(api, CONTACTS_URL, BODY, None)
    post(api, CONTACTS_URL, BODY, None)

    assert PartnerContact.objects.count() == 2


@pytest.mark.django_db
def test_same_key_of_other_partner_creates(api, other_api):
    post(api, CONTACTS_URL, BODY, "key-1")

    response = post(other_api, CONTACTS_URL, BODY, "key-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert PartnerContact.objects.count() == 2


@pytest.mark.django_db
def test_failed_request_is_not_stored(api):
    failed = post(api, CONTACTS_URL, {"name": "Ana", "phone": "12"}, "key-1")

    retried = post(api, CONTACTS_URL, BODY, "key-1")

    assert failed.status_code == 400
    assert retried.status_code == 201
    assert PartnerContact.objects.count() == 1


@pytest.mark.django_db
def test_expired_key_runs_again(api):
    post(api, CONTACTS_URL, BODY, "key-1")
    IdempotencyRecord.objects.update(
        created_at=IdempotencyRecord.objects.get().created_at - idempotency.RETENTION
    )

    response = post(api, CONTACTS_URL, BODY, "key-1")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert PartnerContact.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "   ", "k" * (idempotency.MAX_KEY_LENGTH + 1)])
def test_invalid_key_is_bad_request(api, key):
    response = post(api, CONTACTS_URL, BODY, key)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert PartnerContact.objects.count() == 0


@pytest.mark.django_db
def test_api_key_replay_hides_secret(api):
    first = post(api, API_KEYS_URL, {"name": "CI", "scope": "read"}, "key-1")
    second = post(api, API_KEYS_URL, {"name": "CI", "scope": "read"}, "key-1")

    assert first.json()["key"].startswith("hxb_")
    assert second.json()["key"] is None
    assert second.json()["id"] == first.json()["id"]
    assert first.json()["key"] not in str(IdempotencyRecord.objects.get().response_body)
    assert ApiKey.objects.filter(name="CI").count() == 1


@pytest.mark.django_db
def test_purge_expired_deletes_old_records(api):
    post(api, CONTACTS_URL, BODY, "key-1")
    record = IdempotencyRecord.objects.get()

    deleted_early = idempotency.purge_expired(now=record.created_at + dt.timedelta(hours=23))
    deleted = idempotency.purge_expired(now=record.created_at + idempotency.RETENTION)

    assert deleted_early == 0
    assert deleted == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_contact(partner):
    raw_key = issue_api_key(partner, scope="write")[1]
    threads_count = 50
    barrier = threading.Barrier(threads_count, timeout=30)
    results: list[tuple[int, dict, bool]] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            client = key_client(raw_key)
            barrier.wait()
            response = post(client, CONTACTS_URL, BODY, "same-key")
            with lock:
                replayed = response.has_header("Idempotent-Replayed")
                results.append((response.status_code, response.json(), replayed))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == threads_count
    assert {status for status, _body, _replayed in results} == {201}
    assert len({body["id"] for _status, body, _replayed in results}) == 1
    assert sum(replayed for _status, _body, replayed in results) == threads_count - 1
    assert PartnerContact.objects.filter(partner=partner).count() == 1
    assert IdempotencyRecord.objects.count() == 1
