"""The README's first tour as one story, through the same HTTP endpoints people use.

Staff import the mixed spreadsheet, which is rejected with nothing written. They
import the valid one, activate a partner and invite a member. The member chooses a
password from the e-mail, signs in to the portal, creates an API key and reads the
profile with it.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from hexabuilders.models import OutboxEvent
from partners.models import ApiKey, Partner
from tests.fixtures.partner_spreadsheets import MIXED, VALID, fixture_bytes

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = reverse("admin:partners_partner_import")
PROCESS_IMPORT = reverse("admin:partners_partner_process_import")
CHANGELIST = reverse("admin:partners_partner_changelist")
MEMBER_EMAIL = "alianzas@bancolombia.example"
PASSWORD = "una-clave-larga-y-segura"


def _upload(client, name):
    return client.post(
        IMPORT,
        {"format": "0", "resource": "0", "import_file": _file(name)},
        HTTP_ACCEPT_LANGUAGE="es",
    )


def _file(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, fixture_bytes(name))


@pytest.fixture
def tour(client, staff_user):
    """Run the whole tour once and return what each step produced."""
    client.force_login(staff_user)
    steps = {}

    mixed = _upload(client, MIXED)
    steps["mixed_has_confirm_form"] = "confirm_form" in mixed.context
    steps["partners_after_mixed"] = Partner.objects.count()

    preview = _upload(client, VALID)
    client.post(PROCESS_IMPORT, dict(preview.context["confirm_form"].initial), follow=True)
    steps["partners_after_valid"] = Partner.objects.count()

    partner = Partner.objects.get(tax_id="8909039388")
    client.post(CHANGELIST, {"action": "activate", "_selected_action": [partner.pk]})
    partner.refresh_from_db()
    steps["status"] = partner.status

    mail.outbox.clear()
    client.post(
        reverse("admin:partners_partner_invite_member", args=[partner.pk]),
        {"email": MEMBER_EMAIL, "role": "owner"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    steps["invitation"] = mail.outbox[0]
    client.logout()

    link = re.search(r"https?://[^/\s]+(/portal/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    client.post(reverse("portal:login"), {"username": MEMBER_EMAIL, "password": PASSWORD})

    keys_page = client.get(reverse("portal:api_keys")).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', keys_page).group(1)
    created = client.post(
        reverse("portal:api_key_create"),
        {"name": "Integración", "scope": "read", "form_token": token},
    ).content.decode()
    steps["raw_key"] = re.search(r"hxb_[0-9a-f]+_[A-Za-z0-9_-]+", created).group(0)
    steps["partner"] = partner

    api = client.__class__()
    steps["profile"] = api.get("/api/v1/partner/", HTTP_AUTHORIZATION=f"Api-Key {steps['raw_key']}")
    return steps


def test_tour_mixed_file_offers_no_confirmation(tour):
    assert tour["mixed_has_confirm_form"] is False


def test_tour_mixed_file_writes_nothing(tour):
    assert tour["partners_after_mixed"] == 0


def test_tour_valid_file_imports_every_row(tour):
    assert tour["partners_after_valid"] == 9


def test_tour_activates_the_partner(tour):
    assert tour["status"] == Partner.Status.ACTIVE


def test_tour_invitation_is_written_in_spanish(tour):
    assert tour["invitation"].subject == "Su acceso al portal de socios para Bancolombia"


def test_tour_member_key_is_stored_for_the_partner(tour):
    assert ApiKey.objects.filter(partner=tour["partner"]).count() == 1


def test_tour_api_answers_with_the_partners_profile(tour):
    assert tour["profile"].json()["legal_name"] == "Bancolombia S.A."


def test_tour_publishes_activation_event(tour):
    assert OutboxEvent.objects.filter(
        type="partner.activated", aggregate_id=str(tour["partner"].pk)
    ).exists()
