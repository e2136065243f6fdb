"""The portal's profile page: what members see and what owners and admins may change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from partners.models import Partner
from tests.factories import PartnerContactFactory, PartnerMemberFactory, UserFactory

PROFILE_URL = "/portal/"


@pytest.fixture
def viewer(partner):
    user = UserFactory(username="vera", email="vera@bancolombia.example")
    return PartnerMemberFactory(partner=partner, user=user, role="viewer")


@pytest.fixture
def admin_member(partner):
    user = UserFactory(username="adan", email="adan@bancolombia.example")
    return PartnerMemberFactory(partner=partner, user=user, role="admin")


def _profile_data(partner: Partner, **changes) -> dict:
    data = {
        "display_name": partner.display_name,
        "email": partner.email,
        "phone": partner.phone,
        "city": partner.city,
        "website": partner.website,
        "payout_method": partner.payout_method,
        "iban": partner.iban,
        "bic": partner.bic,
        "paypal_email": partner.paypal_email,
        "bank_name": partner.bank_name,
        "bank_account_number": partner.bank_account_number,
        "bank_account_type": partner.bank_account_type,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_profile_shows_partner_facts(client, member, partner):
    PartnerContactFactory(partner=partner, name="Lucía Gómez", role="Billing")
    client.force_login(member.user)

    response = client.get(PROFILE_URL)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Bancolombia S.A." in html
    assert '<dd id="partner-tax-id">890.903.938-8</dd>' in html
    assert "Lucía Gómez" in html
    assert "COP · " in html
    assert 'id="nav-profile" href="/portal/" aria-current="page"' in html


@pytest.mark.django_db
def test_profile_formats_joined_date_in_spanish(client, member, partner):
    Partner.objects.filter(pk=partner.pk).update(joined_on=dt.date(2024, 3, 5))
    client.force_login(member.user)

    html = client.get(PROFILE_URL).content.decode()

    assert ">5 de marzo de 2024</time>" in html


@pytest.mark.django_db
def test_profile_formats_joined_date_in_english(client, member, partner):
    Partner.objects.filter(pk=partner.pk).update(joined_on=dt.date(2024, 3, 5))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(member.user)

    html = client.get(PROFILE_URL).content.decode()

    assert ">March 5, 2024</time>" in html


@pytest.mark.django_db
def test_profile_formats_commission_in_locale(client, member, partner):
    Partner.objects.filter(pk=partner.pk).update(commission_rate="12.50")
    client.force_login(member.user)

    html = client.get(PROFILE_URL).content.decode()

    assert "12,50 %" in html


@pytest.mark.django_db
def test_profile_owner_updates_fields(client, member, partner):
    client.force_login(member.user)

    response = client.post(
        PROFILE_URL, _profile_data(partner, city="Medellín", phone="604 510 9000")
    )

    assert response.status_code == 302
    assert response.url == PROFILE_URL
    partner.refresh_from_db()
    assert partner.city == "Medellín"
    assert partner.phone == "+576045109000"


@pytest.mark.django_db
def test_profile_admin_updates_fields(client, admin_member, partner):
    client.force_login(admin_member.user)

    response = client.post(PROFILE_URL, _profile_data(partner, display_name="Bancolombia"))

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.display_name == "Bancolombia"


@pytest.mark.django_db
def test_profile_shows_invalid_phone_next_to_field(client, member, partner):
    client.force_login(member.user)
    before = Partner.objects.values().get(pk=partner.pk)

    response = client.post(PROFILE_URL, _profile_data(partner, phone="12", city="Cali"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    assert 'id="id_phone_error"' in response.content.decode()
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_requires_iban_for_bank_transfer(client, member, partner):
    client.force_login(member.user)
    before = Partner.objects.values().get(pk=partner.pk)

    response = client.post(PROFILE_URL, _profile_data(partner, payout_method="iban"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["iban"]
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_rejects_invalid_email(client, member, partner):
    client.force_login(member.user)
    before = Partner.objects.values().get(pk=partner.pk)

    response = client.post(PROFILE_URL, _profile_data(partner, email="not-an-address"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_reports_every_field_error_at_once(client, member, partner):
    client.force_login(member.user)
    before = Partner.objects.values().get(pk=partner.pk)
    data = _profile_data(partner, email="x@", phone="abc", payout_method="iban", iban="DE00")

    response = client.post(PROFILE_URL, data)

    assert sorted(response.context["form"].errors) == ["email", "iban", "phone"]
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_accepts_formatted_phone(client, member, partner):
    client.force_login(member.user)

    client.post(PROFILE_URL, _profile_data(partner, phone="+57 (604) 510 - 90 00"))

    assert Partner.objects.get(pk=partner.pk).phone == "+576045109000"


@pytest.mark.django_db
def test_profile_without_changes_saves_nothing(client, member, partner):
    client.force_login(member.user)
    before = Partner.objects.values().get(pk=partner.pk)

    response = client.post(PROFILE_URL, _profile_data(partner))

    assert response.status_code == 302
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_ignores_fields_members_cannot_edit(client, member, partner):
    client.force_login(member.user)

    client.post(PROFILE_URL, _profile_data(partner, legal_name="Hijacked", tier="platinum"))

    partner.refresh_from_db()
    assert partner.legal_name == "Bancolombia S.A."
    assert partner.tier == "standard"


@pytest.mark.django_db
def test_profile_viewer_sees_no_form(client, viewer):
    client.force_login(viewer.user)

    html = client.get(PROFILE_URL).content.decode()

    assert 'id="profile-form"' not in html
    assert 'id="partner-details"' in html


IBAN = "DE89370400440532013000"


@pytest.mark.parametrize(
    ("details", "hidden", "shown"),
    [
        ({"payout_method": "iban", "iban": IBAN}, IBAN, "*" * 18 + "3000"),
        (
            {"payout_method": "paypal", "paypal_email": "payments@bancolombia.example"},
            "payments@",
            "p***@bancolombia.example",
        ),
        (
            {
                "payout_method": "local_bank",
                "bank_name": "Bancolombia",
                "bank_account_number": "1234567890",
                "bank_account_type": "savings",
            },
            "1234567890",
            "******7890",
        ),
    ],
)
@pytest.mark.django_db
def test_profile_viewer_sees_payout_details_masked(client, viewer, partner, details, hidden, shown):
    Partner.objects.filter(pk=partner.pk).update(**details)
    client.force_login(viewer.user)

    html = client.get(PROFILE_URL).content.decode()

    assert hidden not in html
    assert shown in html


@pytest.mark.django_db
def test_profile_owner_form_shows_full_iban(client, member, partner):
    Partner.objects.filter(pk=partner.pk).update(payout_method="iban", iban=IBAN)
    client.force_login(member.user)

    html = client.get(PROFILE_URL).content.decode()

    assert f'value="{IBAN}"' in html


@pytest.mark.django_db
def test_profile_viewer_cannot_post(client, viewer, partner):
    client.force_login(viewer.user)
    before = Partner.objects.values().get(pk=partner.pk)

    response = client.post(PROFILE_URL, _profile_data(partner, city="Cali"))

    assert response.status_code == 403
    assert Partner.objects.values().get(pk=partner.pk) == before


@pytest.mark.django_db
def test_profile_shows_only_own_partner(client, other_member):
    client.force_login(other_member.user)

    html = client.get(reverse("portal:profile")).content.decode()

    assert "Ecopetrol S.A." in html
    assert "Bancolombia" not in html


@pytest.mark.django_db
def test_profile_forbids_caching(client, member):
    client.force_login(member.user)

    response = client.get(PROFILE_URL)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
