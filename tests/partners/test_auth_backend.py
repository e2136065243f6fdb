"""Sign-in by username or e-mail in any letter case, for the portal and the admin."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import authenticate

from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carlos():
    # Invitations create users whose username is their lower-cased e-mail.
    return UserFactory(
        username="carlos.perez@bancolombia.example", email="carlos.perez@bancolombia.example"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "carlos.perez@bancolombia.example",
        "Carlos.Perez@Bancolombia.Example",
        "CARLOS.PEREZ@BANCOLOMBIA.EXAMPLE",
    ],
)
def test_authenticate_matches_email_in_any_case(carlos, typed):
    assert authenticate(username=typed, password=PASSWORD) == carlos


def test_authenticate_matches_username_in_any_case():
    user = UserFactory(username="ana", email="ana.rojas@andina.example")

    assert authenticate(username="ANA", password=PASSWORD) == user


def test_authenticate_matches_email_of_user_with_other_username():
    user = UserFactory(username="ana", email="ana.rojas@andina.example")

    assert authenticate(username="Ana.Rojas@Andina.Example", password=PASSWORD) == user


def test_authenticate_rejects_wrong_password(carlos):
    assert authenticate(username="Carlos.Perez@bancolombia.example", password="wrong") is None


def test_authenticate_prefers_exact_username_over_case_variant():
    UserFactory(username="Ana", email="ana.upper@example.com")
    lower = UserFactory(username="ana", email="ana.lower@example.com")

    assert authenticate(username="ana", password=PASSWORD) == lower


def test_authenticate_rejects_username_matching_two_users_by_case():
    UserFactory(username="Ana", email="ana.upper@example.com")
    UserFactory(username="ana", email="ana.lower@example.com")

    assert authenticate(username="ANA", password=PASSWORD) is None


def test_authenticate_rejects_email_shared_by_two_users():
    UserFactory(username="first", email="shared@example.com")
    UserFactory(username="second", email="Shared@example.com")

    assert authenticate(username="shared@example.com", password=PASSWORD) is None


def test_authenticate_rejects_inactive_user(carlos):
    carlos.is_active = False
    carlos.save()

    assert authenticate(username="carlos.perez@bancolombia.example", password=PASSWORD) is None


def test_backend_is_the_only_one_configured():
    assert settings.AUTHENTICATION_BACKENDS == ["partners.backends.UsernameOrEmailBackend"]


def test_admin_sign_in_ignores_username_case(client, staff_user):
    client.post("/admin/login/", {"username": "STAFF", "password": PASSWORD})

    assert client.session.get("_auth_user_id") == str(staff_user.pk)


def test_admin_sign_in_keeps_username_label(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    form = client.get("/admin/login/").context["form"]

    assert form.fields["username"].label == "Username"
