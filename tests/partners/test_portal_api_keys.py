"""The portal's API-key pages: list, create with the secret shown once, and revoke."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from hexabuilders.models import IdempotencyRecord
from partners.forms import ApiKeyCreateForm
from partners.models import ApiKey
from partners.services import parse_raw_key
from tests.factories import PartnerMemberFactory, UserFactory, issue_api_key

KEYS_URL = "/portal/api-keys/"
CREATE_URL = "/portal/api-keys/new/"
RAW_KEY = re.compile(r'<code class="secret__value" id="new-api-key">(hxb_[^<]+)</code>')


def _token() -> str:
    """Return a fresh one-time form token, as the keys page puts in its form."""
    return secrets.token_urlsafe(24)


def _revoke_url(api_key: ApiKey) -> str:
    return f"/portal/api-keys/{api_key.pk}/revoke/"


@pytest.fixture
def viewer(partner):
    user = UserFactory(username="vera", email="vera@bancolombia.example")
    return PartnerMemberFactory(partner=partner, user=user, role="viewer")


@pytest.fixture
def api_key(partner):
    key, _raw_key = issue_api_key(partner)
    return key


@pytest.mark.django_db
def test_api_keys_lists_partner_keys(client, member, api_key):
    client.force_login(member.user)

    html = client.get(KEYS_URL).content.decode()

    assert f'<tr id="api-key-{api_key.pk}">' in html
    assert f"<code>hxb_{api_key.prefix}_…</code>" in html
    assert 'data-status="active"' in html
    assert f'id="revoke-{api_key.pk}"' in html


@pytest.mark.django_db
def test_api_keys_title_capitalised_in_spanish(client, member):
    client.force_login(member.user)

    html = client.get(KEYS_URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Claves de API</h1>" in html
    assert (
        '<a id="nav-api-keys" href="/portal/api-keys/" aria-current="page">Claves de API</a>'
        in html
    )
    assert "<title>Claves de API · HexaBuilders</title>" in html


@pytest.mark.django_db
def test_api_keys_hides_other_partner_keys(client, other_member, api_key):
    client.force_login(other_member.user)

    html = client.get(KEYS_URL).content.decode()

    assert api_key.prefix not in html


@pytest.mark.django_db
def test_api_keys_marks_expired_key(client, member, api_key):
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(member.user)

    html = client.get(KEYS_URL).content.decode()

    assert 'data-status="expired"' in html


@pytest.mark.django_db
def test_create_api_key_shows_secret_once(client, member, partner):
    client.force_login(member.user)

    response = client.post(
        CREATE_URL, {"form_token": _token(), "name": "Online shop", "scope": "write"}
    )
    match = RAW_KEY.search(response.content.decode())

    assert response.status_code == 200
    assert match is not None
    prefix, secret = parse_raw_key(match.group(1))
    api_key = ApiKey.objects.get(partner=partner)
    assert api_key.prefix == prefix
    assert api_key.secret_hash == ApiKey.hash_secret(secret)
    assert api_key.name == "Online shop"
    assert api_key.scope == "write"
    assert api_key.created_by == member.user
    assert api_key.expires_at is None


@pytest.mark.django_db
def test_create_api_key_forbids_caching(client, member):
    client.force_login(member.user)

    response = client.post(
        CREATE_URL, {"form_token": _token(), "name": "Online shop", "scope": "read"}
    )

    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_create_api_key_keeps_secret_out_of_session(client, member):
    client.force_login(member.user)

    response = client.post(
        CREATE_URL, {"form_token": _token(), "name": "Online shop", "scope": "read"}
    )
    raw_key = RAW_KEY.search(response.content.decode()).group(1)
    _prefix, secret = parse_raw_key(raw_key)

    session_values = [str(value) for value in client.session.values()]
    assert all(secret not in value for value in session_values)
    assert secret not in client.get(KEYS_URL).content.decode()


@pytest.mark.django_db
def test_create_api_key_expires_at_end_of_day(client, member, partner):
    client.force_login(member.user)
    expires_on = timezone.localdate() + dt.timedelta(days=30)

    client.post(
        CREATE_URL,
        {
            "form_token": _token(),
            "name": "Campaign",
            "scope": "read",
            "expires_on": expires_on.isoformat(),
        },
    )

    api_key = ApiKey.objects.get(partner=partner)
    next_midnight = dt.datetime.combine(
        expires_on + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo("America/Bogota")
    )
    assert api_key.expires_at == next_midnight


@pytest.mark.django_db
def test_create_api_key_rejects_past_date(client, member, partner):
    client.force_login(member.user)
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    response = client.post(
        CREATE_URL,
        {
            "form_token": _token(),
            "name": "Old",
            "scope": "read",
            "expires_on": yesterday.isoformat(),
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expires_on"]
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_api_key_rejects_year_9999_expiry(client, member, partner):
    client.force_login(member.user)

    response = client.post(
        CREATE_URL,
        {"form_token": _token(), "name": "Forever", "scope": "read", "expires_on": "9999-12-31"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expires_on"]
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_api_key_rejects_expiry_beyond_five_years(client, member, partner):
    client.force_login(member.user)
    too_late = ApiKeyCreateForm.latest_expiry_date() + dt.timedelta(days=1)

    response = client.post(
        CREATE_URL,
        {
            "form_token": _token(),
            "name": "Long",
            "scope": "read",
            "expires_on": too_late.isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    errors = response.context["form"].errors.as_data()["expires_on"]
    assert errors[0].code == "too_far"
    assert "at most 5 years" in errors[0].messages[0]
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_api_key_accepts_last_allowed_day(client, member, partner):
    client.force_login(member.user)
    last_day = ApiKeyCreateForm.latest_expiry_date()

    client.post(
        CREATE_URL,
        {
            "form_token": _token(),
            "name": "Long",
            "scope": "read",
            "expires_on": last_day.isoformat(),
        },
    )

    assert ApiKey.objects.filter(partner=partner).count() == 1


@pytest.mark.django_db
def test_create_api_key_requires_name(client, member, partner):
    client.force_login(member.user)

    response = client.post(CREATE_URL, {"form_token": _token(), "name": "", "scope": "read"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_api_key_rejects_unknown_scope(client, member, partner):
    client.force_login(member.user)

    response = client.post(CREATE_URL, {"form_token": _token(), "name": "Shop", "scope": "admin"})

    assert list(response.context["form"].errors) == ["scope"]
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_api_keys_form_token_changes_per_visit(client, member):
    client.force_login(member.user)

    first = client.get(KEYS_URL).context["form"]["form_token"].value()
    second = client.get(KEYS_URL).context["form"]["form_token"].value()

    assert first
    assert first != second


@pytest.mark.django_db
def test_create_api_key_resubmission_creates_no_second_key(client, member, partner):
    client.force_login(member.user)
    data = {"form_token": _token(), "name": "Online shop", "scope": "read"}
    client.post(CREATE_URL, data)

    response = client.post(CREATE_URL, data, follow=True)

    assert ApiKey.objects.filter(partner=partner).count() == 1
    assert response.redirect_chain == [(KEYS_URL, 302)]
    assert [message.level_tag for message in response.context["messages"]] == ["info"]
    assert RAW_KEY.search(response.content.decode()) is None


@pytest.mark.django_db
def test_create_api_key_without_form_token_creates_nothing(client, member, partner):
    client.force_login(member.user)

    response = client.post(CREATE_URL, {"name": "Online shop", "scope": "read"})

    assert response.status_code == 302
    assert response.url == KEYS_URL
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_create_api_key_token_reusable_after_errors(client, member, partner):
    client.force_login(member.user)
    token = _token()
    client.post(CREATE_URL, {"form_token": token, "name": "", "scope": "read"})

    response = client.post(CREATE_URL, {"form_token": token, "name": "Shop", "scope": "read"})

    assert RAW_KEY.search(response.content.decode()) is not None
    assert ApiKey.objects.filter(partner=partner).count() == 1


@pytest.mark.django_db
def test_create_api_key_record_has_no_secret(client, member):
    client.force_login(member.user)

    response = client.post(CREATE_URL, {"form_token": _token(), "name": "Shop", "scope": "read"})
    _prefix, secret = parse_raw_key(RAW_KEY.search(response.content.decode()).group(1))

    stored = [str(record.response_body) for record in IdempotencyRecord.objects.all()]
    assert len(stored) == 1
    assert secret not in stored[0]


@pytest.mark.django_db
def test_create_api_key_get_redirects_to_list(client, member):
    client.force_login(member.user)

    response = client.get(CREATE_URL)

    assert response.status_code == 302
    assert response.url == KEYS_URL


@pytest.mark.django_db
def test_viewer_sees_keys_without_actions(client, viewer, api_key):
    client.force_login(viewer.user)

    html = client.get(KEYS_URL).content.decode()

    assert f'<tr id="api-key-{api_key.pk}">' in html
    assert 'id="api-key-form"' not in html
    assert f'id="revoke-{api_key.pk}"' not in html


@pytest.mark.django_db
def test_viewer_cannot_create_key(client, viewer, partner):
    client.force_login(viewer.user)

    response = client.post(CREATE_URL, {"form_token": _token(), "name": "Sneaky", "scope": "write"})

    assert response.status_code == 403
    assert not ApiKey.objects.filter(partner=partner).exists()


@pytest.mark.django_db
def test_viewer_cannot_revoke_key(client, viewer, api_key):
    client.force_login(viewer.user)

    response = client.post(_revoke_url(api_key))

    assert response.status_code == 403
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


@pytest.mark.django_db
def test_revoke_asks_for_confirmation(client, member, api_key):
    client.force_login(member.user)

    response = client.get(_revoke_url(api_key))

    assert response.status_code == 200
    assert 'id="api-key-revoke-confirm"' in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


@pytest.mark.django_db
def test_revoke_marks_key_revoked(client, member, api_key):
    client.force_login(member.user)

    response = client.post(_revoke_url(api_key))

    assert response.status_code == 302
    assert response.url == KEYS_URL
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert 'data-status="revoked"' in client.get(KEYS_URL).content.decode()


@pytest.mark.django_db
def test_revoke_twice_keeps_first_time(client, member, api_key):
    client.force_login(member.user)
    client.post(_revoke_url(api_key))
    api_key.refresh_from_db()
    first_revoked_at = api_key.revoked_at

    response = client.post(_revoke_url(api_key))

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at == first_revoked_at


@pytest.mark.django_db
def test_other_partner_cannot_see_revoke_page(client, other_member, api_key):
    client.force_login(other_member.user)

    response = client.get(_revoke_url(api_key))

    assert response.status_code == 404


@pytest.mark.django_db
def test_other_partner_cannot_revoke_key(client, other_member, api_key):
    client.force_login(other_member.user)

    response = client.post(_revoke_url(api_key))

    assert response.status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
