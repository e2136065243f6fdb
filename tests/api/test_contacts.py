"""/api/v1/contacts/: the partner's contacts, written through services."""

from __future__ import annotations

import pytest

from partners.models import PartnerContact
from tests.factories import PartnerContactFactory

CONTACTS_URL = "/api/v1/contacts/"


def detail_url(contact) -> str:
    return f"{CONTACTS_URL}{contact.pk}/"


@pytest.mark.django_db
def test_create_contact_normalises_phone(api, partner):
    body = {"name": "Ana Ruiz", "role": "Billing", "phone": "300 123 4567"}

    response = api.post(CONTACTS_URL, body, format="json")

    contact = PartnerContact.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == contact.pk
    assert response.json()["phone"] == "+573001234567"
    assert contact.partner_id == partner.pk


@pytest.mark.django_db
def test_create_primary_contact_demotes_previous(api, partner):
    previous = PartnerContactFactory(partner=partner, is_primary=True)

    response = api.post(CONTACTS_URL, {"name": "Ana", "is_primary": True}, format="json")

    previous.refresh_from_db()
    assert response.status_code == 201
    assert previous.is_primary is False


@pytest.mark.django_db
def test_list_contacts_is_paginated(api, partner):
    PartnerContactFactory.create_batch(3, partner=partner)

    body = api.get(CONTACTS_URL, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


@pytest.mark.django_db
def test_retrieve_contact(api, partner):
    contact = PartnerContactFactory(partner=partner, name="Ana")

    body = api.get(detail_url(contact)).json()

    assert body == {
        "id": contact.pk,
        "name": "Ana",
        "role": "",
        "email": contact.email,
        "phone": "",
        "is_primary": False,
    }


@pytest.mark.django_db
def test_put_contact_requires_name(api, partner):
    contact = PartnerContactFactory(partner=partner, name="Ana")

    response = api.put(detail_url(contact), {"role": "Legal"}, format="json")

    contact.refresh_from_db()
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert contact.role == ""


@pytest.mark.django_db
def test_patch_contact_changes_given_fields(api, partner):
    contact = PartnerContactFactory(partner=partner, name="Ana")

    response = api.patch(detail_url(contact), {"role": "Legal"}, format="json")

    contact.refresh_from_db()
    assert response.status_code == 200
    assert contact.role == "Legal"
    assert contact.name == "Ana"


@pytest.mark.django_db
def test_patch_contact_rejects_invalid_email(api, partner):
    contact = PartnerContactFactory(partner=partner, email="ana@example.com")

    response = api.patch(detail_url(contact), {"email": "nope"}, format="json")

    contact.refresh_from_db()
    assert response.status_code == 400
    assert contact.email == "ana@example.com"


@pytest.mark.django_db
def test_delete_contact(api, partner):
    contact = PartnerContactFactory(partner=partner)

    response = api.delete(detail_url(contact))

    assert response.status_code == 204
    assert not PartnerContact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_create_contact_rejects_number_for_name(api, partner):
    response = api.post(CONTACTS_URL, {"name": 42}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["name"]
    assert not PartnerContact.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_contact_accepts_formatted_phone(api, partner):
    body = {"name": "Ana Ruiz", "phone": "+57 (300) 123 - 45 67"}

    response = api.post(CONTACTS_URL, body, format="json")

    assert response.json()["phone"] == "+573001234567"
