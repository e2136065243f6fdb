"""Portal sign-in, sign-out, who may enter, throttling and the language switch."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from hexabuilders import login_throttle
from partners import services
from tests.conftest import PASSWORD

LOGIN_URL = "/portal/login/"
PROFILE_URL = "/portal/"


def _sign_in(client, username: str, password: str, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def _error_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].non_field_errors().as_data()]


def _signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_sign_in_redirects_member_to_profile(client, member):
    response = _sign_in(client, "ana", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("portal:profile")
    assert _signed_in_user_id(client) == str(member.user.pk)


@pytest.mark.django_db
def test_sign_in_rejects_wrong_password(client, member):
    response = _sign_in(client, "ana", "wrong-password")

    assert response.status_code == 200
    assert _error_codes(response) == ["invalid_login"]
    assert _signed_in_user_id(client) is None


@pytest.mark.django_db
def test_sign_in_accepts_email_in_other_case(client, member):
    response = _sign_in(client, " Ana@Bancolombia.EXAMPLE ", PASSWORD)

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(member.user.pk)


@pytest.mark.django_db
def test_sign_in_labels_field_email(english):
    form = english.get(LOGIN_URL).context["form"]

    assert form.fields["username"].label == "E-mail"


@pytest.mark.django_db
def test_sign_in_error_names_email_not_username(english, member):
    response = _sign_in(english, "ana@bancolombia.example", "wrong-password")

    assert "e-mail" in response.context["form"].non_field_errors()[0]
    assert "username" not in response.context["form"].non_field_errors()[0]


@pytest.mark.django_db
def test_sign_out_ends_session(client, member):
    client.force_login(member.user)

    response = client.post(reverse("portal:logout"))

    assert response.status_code == 302
    assert response.url == reverse("portal:login")
    assert _signed_in_user_id(client) is None


@pytest.mark.django_db
def test_portal_redirects_anonymous_to_sign_in(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={PROFILE_URL}"


@pytest.mark.django_db
def test_root_redirects_to_profile(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == PROFILE_URL


@pytest.mark.django_db
def test_staff_without_membership_gets_explanation(english, staff_user):
    english.force_login(staff_user)

    response = english.get(PROFILE_URL)
    html = response.content.decode()

    assert response.status_code == 403
    assert "The portal is for partners" in html
    assert 'id="admin-link" href="/admin/"' in html


@pytest.mark.django_db
def test_user_without_membership_gets_explanation(english, django_user_model):
    user = django_user_model.objects.create_user("walter", "walter@example.com", PASSWORD)
    english.force_login(user)

    response = english.get(PROFILE_URL)
    html = response.content.decode()

    assert response.status_code == 403
    assert "Your account is not linked to a partner" in html
    assert 'id="admin-link"' not in html


@pytest.mark.django_db
def test_sign_in_rejects_member_of_suspended_partner(client, member, partner):
    services.suspend_partner(partner=partner, actor=None)

    response = _sign_in(client, "ana", PASSWORD)

    assert response.status_code == 200
    assert _error_codes(response) == ["partner_closed"]
    assert _signed_in_user_id(client) is None


@pytest.mark.django_db
def test_portal_rejects_session_after_suspension(english, member, partner):
    english.force_login(member.user)
    services.suspend_partner(partner=partner, actor=None)

    response = english.get(PROFILE_URL)

    assert response.status_code == 403
    assert "is suspended, so the portal is closed" in response.content.decode()


@pytest.mark.django_db
def test_portal_rejects_terminated_partner_member(english, member, partner):
    english.force_login(member.user)
    services.terminate_partner(partner=partner, actor=None)

    response = english.get(reverse("portal:api_keys"))

    assert response.status_code == 403
    assert "has been terminated" in response.content.decode()


@pytest.mark.django_db
def test_sign_in_locks_after_repeated_failures(client, member):
    for _attempt in range(login_throttle.MAX_FAILURES - 1):
        assert _error_codes(_sign_in(client, "ana", "wrong-password")) == ["invalid_login"]

    fifth = _sign_in(client, "ana", "wrong-password")
    with_right_password = _sign_in(client, "ana", PASSWORD)

    assert _error_codes(fifth) == ["throttled"]
    assert _error_codes(with_right_password) == ["throttled"]
    assert _signed_in_user_id(client) is None


@pytest.mark.django_db
def test_sign_in_lock_counts_case_variants_together(client, member):
    for typed in ("ANA@bancolombia.example", "Ana@Bancolombia.Example", "ana@BANCOLOMBIA.example"):
        _sign_in(client, typed, "wrong-password")
    for _attempt in range(login_throttle.MAX_FAILURES - 3):
        _sign_in(client, "ana@bancolombia.example", "wrong-password")

    response = _sign_in(client, "ana@bancolombia.example", PASSWORD)

    assert _error_codes(response) == ["throttled"]


@pytest.mark.django_db
def test_sign_in_lock_message_names_minutes(english, member):
    for _attempt in range(login_throttle.MAX_FAILURES):
        _sign_in(english, "ana", "wrong-password")

    response = _sign_in(english, "ana", PASSWORD)

    assert "Too many failed sign-in attempts. Try again in 15 minutes." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_sign_in_lock_ignores_other_ip(client, member):
    for _attempt in range(login_throttle.MAX_FAILURES):
        _sign_in(client, "ana", "wrong-password")

    response = _sign_in(client, "ana", PASSWORD, REMOTE_ADDR="127.0.0.2")

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(member.user.pk)


@pytest.mark.django_db
def test_sign_in_lock_ignores_other_username(client, member, other_member):
    for _attempt in range(login_throttle.MAX_FAILURES):
        _sign_in(client, "ana", "wrong-password")

    response = _sign_in(client, "otto", PASSWORD)

    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(other_member.user.pk)


@pytest.mark.django_db
def test_successful_sign_in_resets_failures(client, member):
    for _attempt in range(login_throttle.MAX_FAILURES - 1):
        _sign_in(client, "ana", "wrong-password")
    _sign_in(client, "ana", PASSWORD)
    client.logout()

    for _attempt in range(login_throttle.MAX_FAILURES - 1):
        _sign_in(client, "ana", "wrong-password")
    response = _sign_in(client, "ana", PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_sign_in_lock_expires(client, member, monkeypatch):
    for _attempt in range(login_throttle.MAX_FAILURES):
        _sign_in(client, "ana", "wrong-password")
    later = login_throttle.timezone.now() + login_throttle.LOCKOUT
    monkeypatch.setattr(login_throttle.timezone, "now", lambda: later)

    response = _sign_in(client, "ana", PASSWORD)

    assert response.status_code == 302


@pytest.mark.django_db
def test_pages_default_to_spanish(client):
    response = client.get(LOGIN_URL)

    assert '<html lang="es">' in response.content.decode()


@pytest.mark.django_db
def test_language_switch_sets_cookie_and_page_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(LOGIN_URL).content.decode()


@pytest.mark.django_db
def test_language_switch_keeps_member_on_page(client, member):
    client.force_login(member.user)
    api_keys_url = reverse("portal:api_keys")

    response = client.post(reverse("set_language"), {"language": "en", "next": api_keys_url})

    assert response.url == api_keys_url
    assert '<html lang="en">' in client.get(api_keys_url).content.decode()


@pytest.mark.django_db
def test_layout_shows_language_form_with_current_page(client, member):
    client.force_login(member.user)

    html = client.get(reverse("portal:api_keys")).content.decode()

    assert '<input type="hidden" name="next" value="/portal/api-keys/">' in html
    assert 'id="language-es" lang="es" aria-pressed="true"' in html
