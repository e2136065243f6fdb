"""Password reset through a real SMTP server on loopback."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.urls import reverse

NEW_PASSWORD = "tinted-lagoon-harbor-42"
RESET_LINK = re.compile(r"http://testserver(/portal/reset/[^/\s]+/[^/\s]+/)")


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_loopback_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


def _request_reset(client, email: str):
    return client.post(reverse("portal:password_reset"), {"email": email})


@pytest.mark.django_db
def test_password_reset_over_smtp_sets_new_password(client, member, smtp_inbox):
    response = _request_reset(client, "ana@bancolombia.example")

    assert response.status_code == 302
    assert response.url == reverse("portal:password_reset_done")
    assert len(smtp_inbox.messages) == 1

    message = smtp_inbox.messages[0]
    assert message["To"] == "ana@bancolombia.example"
    assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
    match = RESET_LINK.search(message.get_content())
    assert match is not None

    link_response = client.get(match.group(1))
    assert link_response.status_code == 302
    set_password_url = link_response.url

    form_response = client.get(set_password_url)
    assert form_response.context["validlink"] is True

    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert done.url == reverse("portal:password_reset_complete")

    signed_in = client.post(reverse("portal:login"), {"username": "ana", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(member.user.pk)


@pytest.mark.django_db
def test_password_reset_link_works_once(client, member, smtp_inbox):
    _request_reset(client, "ana@bancolombia.example")
    path = RESET_LINK.search(smtp_inbox.messages[0].get_content()).group(1)
    set_password_url = client.get(path).url
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(path, follow=True)

    assert response.context["validlink"] is False


@pytest.mark.django_db
def test_password_reset_email_uses_default_spanish(client, member, smtp_inbox):
    _request_reset(client, "ana@bancolombia.example")

    assert smtp_inbox.messages[0]["Content-Language"] == "es"


@pytest.mark.django_db
def test_password_reset_email_follows_chosen_language(client, member, smtp_inbox):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    _request_reset(client, "ana@bancolombia.example")
    message = smtp_inbox.messages[0]

    assert message["Content-Language"] == "en"
    assert message["Subject"] == "Reset your HexaBuilders password"
    assert "Your username is ana." in message.get_content()


@pytest.mark.django_db
def test_password_reset_unknown_address_sends_nothing(client, member, smtp_inbox):
    response = _request_reset(client, "nobody@example.com")

    assert response.status_code == 302
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_password_reset_rejects_mismatched_passwords(client, member, smtp_inbox):
    _request_reset(client, "ana@bancolombia.example")
    path = RESET_LINK.search(smtp_inbox.messages[0].get_content()).group(1)
    set_password_url = client.get(path).url

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "something-else-9"}
    )

    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD) is False
