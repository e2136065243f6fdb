"""GET and PATCH /api/v1/partner/: the caller's own profile."""

from __future__ import annotations

import pytest

from partners.models import Partner

PROFILE_URL = "/api/v1/partner/"
IBAN = "DE89370400440532013000"


@pytest.fixture
def paid_partner(partner):
    Partner.objects.filter(pk=partner.pk).update(
        payout_method="iban",
        iban=IBAN,
        bic="COBADEFFXXX",
        paypal_email="payments@bancolombia.example",
        bank_account_number="1234567890",
    )
    return Partner.objects.get(pk=partner.pk)


@pytest.mark.django_db
def test_profile_shows_formatted_tax_id(api, partner):
    body = api.get(PROFILE_URL).json()

    assert body["tax_id"] == "890.903.938-8"
    assert body["legal_name"] == "Bancolombia S.A."
    assert body["country"] == "CO"


@pytest.mark.django_db
def test_profile_masks_payout_details(api, paid_partner):
    body = api.get(PROFILE_URL).json()

    assert body["iban"] == "*" * (len(IBAN) - 4) + "3000"
    assert body["bank_account_number"] == "******7890"
    assert body["paypal_email"] == "p***@bancolombia.example"
    assert IBAN not in str(body)


@pytest.mark.django_db
def test_profile_patch_changes_editable_fields(api, partner):
    response = api.patch(PROFILE_URL, {"city": "Medellín", "phone": "604 510 9000"}, format="json")

    partner.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["city"] == "Medellín"
    assert partner.city == "Medellín"
    assert partner.phone == "+576045109000"


@pytest.mark.django_db
def test_profile_patch_masks_new_iban(api, partner):
    response = api.patch(
        PROFILE_URL, {"payout_method": "iban", "iban": "DE89 3704 0044 0532 0130 00"}, format="json"
    )

    partner.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["iban"].endswith("3000")
    assert response.json()["iban"].startswith("*")
    assert partner.iban == IBAN


@pytest.mark.django_db
def test_profile_patch_rejects_read_only_fields(api, partner):
    before = Partner.objects.filter(pk=partner.pk).values().get()

    response = api.patch(
        PROFILE_URL,
        {"legal_name": "X", "status": "active", "commission_rate": "50", "city": "Cali"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"legal_name", "status", "commission_rate"}
    assert Partner.objects.filter(pk=partner.pk).values().get() == before


@pytest.mark.django_db
def test_profile_patch_rejects_unknown_fields(api, partner):
    response = api.patch(PROFILE_URL, {"colour": "blue"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["colour"]


@pytest.mark.django_db
def test_profile_patch_rejects_invalid_iban(api, partner):
    before = Partner.objects.filter(pk=partner.pk).values().get()

    response = api.patch(PROFILE_URL, {"payout_method": "iban", "iban": "DE00"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["iban"]
    assert Partner.objects.filter(pk=partner.pk).values().get() == before


@pytest.mark.django_db
def test_profile_patch_requires_details_of_payout_method(api, partner):
    response = api.patch(PROFILE_URL, {"payout_method": "paypal"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["paypal_email"]
    assert Partner.objects.get(pk=partner.pk).payout_method == ""


@pytest.mark.django_db
def test_profile_patch_reports_every_field_error_at_once(api, partner):
    before = Partner.objects.filter(pk=partner.pk).values().get()
    body = {"email": "x@", "phone": "abc", "payout_method": "iban", "iban": "DE00"}

    response = api.patch(PROFILE_URL, body, format="json")

    assert response.status_code == 400
    assert sorted(response.json()["error"]["fields"]) == ["email", "iban", "phone"]
    assert Partner.objects.filter(pk=partner.pk).values().get() == before


@pytest.mark.django_db
def test_profile_patch_reports_unknown_and_invalid_fields_together(api, partner):
    response = api.patch(PROFILE_URL, {"colour": "red", "email": "x@"}, format="json")

    assert sorted(response.json()["error"]["fields"]) == ["colour", "email"]


@pytest.mark.parametrize("value", [123, 12.5, True, ["Bancolombia"], {"name": "Bancolombia"}])
@pytest.mark.django_db
def test_profile_patch_rejects_non_string_display_name(api, partner, value):
    before = Partner.objects.filter(pk=partner.pk).values().get()

    response = api.patch(PROFILE_URL, {"display_name": value}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["display_name"]
    assert Partner.objects.filter(pk=partner.pk).values().get() == before


@pytest.mark.django_db
def test_profile_patch_rejects_number_for_phone(api, partner):
    response = api.patch(PROFILE_URL, {"phone": 3105550101}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["phone"]


@pytest.mark.django_db
def test_profile_patch_accepts_formatted_phone(api, partner):
    response = api.patch(PROFILE_URL, {"phone": "+57 (604) 510 - 90 00"}, format="json")

    assert response.json()["phone"] == "+576045109000"


@pytest.mark.django_db
def test_profile_patch_leaves_other_partner_alone(api, other_partner):
    before = Partner.objects.filter(pk=other_partner.pk).values().get()

    api.patch(PROFILE_URL, {"city": "Cali"}, format="json")

    assert Partner.objects.filter(pk=other_partner.pk).values().get() == before


@pytest.mark.django_db
def test_other_partners_key_sees_its_own_profile(other_api, other_partner):
    assert other_api.get(PROFILE_URL).json()["id"] == other_partner.pk
