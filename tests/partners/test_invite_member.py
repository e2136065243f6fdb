"""Inviting a member: the service, the e-mail sent through the outbox, and the admin view."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from hexabuilders.models import OutboxEvent
from partners import services
from partners.models import PartnerMember
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invite(partner, email="nuevo@andina.example", language="es", **kwargs):
    return services.invite_member(
        partner=partner, email=email, role="owner", actor=None, language=language, **kwargs
    )


def test_invite_member_creates_user_without_usable_password():
    member = _invite(PartnerFactory())
    assert not member.user.has_usable_password()


def test_invite_member_normalises_email_to_lower_case():
    member = _invite(PartnerFactory(), email="Nuevo@Andina.EXAMPLE")
    assert member.user.email == "nuevo@andina.example"


def test_invite_member_publishes_invited_event():
    member = _invite(PartnerFactory())
    assert OutboxEvent.objects.filter(type="member.invited", aggregate_id=str(member.pk)).exists()


def test_invite_member_links_existing_user_without_partner():
    user = UserFactory(email="libre@example.com")
    member = _invite(PartnerFactory(), email="libre@example.com")
    assert member.user == user


def test_invite_member_rejects_member_of_another_partner(member):
    with pytest.raises(services.PartnerError):
        _invite(PartnerFactory(), email=member.user.email)
    assert PartnerMember.objects.count() == 1


def test_invite_member_rejects_staff_account(staff_user):
    with pytest.raises(services.PartnerError):
        _invite(PartnerFactory(), email=staff_user.email)
    assert not PartnerMember.objects.exists()


def test_invite_member_rejects_terminated_partner():
    with pytest.raises(services.PartnerError):
        _invite(PartnerFactory(status="terminated"))
    assert not get_user_model().objects.filter(email="nuevo@andina.example").exists()


def test_invitation_email_is_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(PartnerFactory())
    assert mail.outbox[0].to == ["nuevo@andina.example"]


def test_invitation_email_is_written_in_requested_language(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(PartnerFactory(display_name="Andina"), language="en")
    assert mail.outbox[0].subject == "Your access to the Andina partner portal"


def test_invitation_link_lets_member_choose_password_and_sign_in(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(PartnerFactory(status="active"))
    link = re.search(r"http://[^/\s]+(/portal/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url,
        {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"},
    )
    signed_in = client.login(username="nuevo@andina.example", password="a-long-new-passphrase")
    assert signed_in


def test_admin_invite_view_creates_membership(client, staff_user):
    partner = PartnerFactory()
    client.force_login(staff_user)
    client.post(
        f"/admin/partners/partner/{partner.pk}/invite-member/",
        {"email": "persona@andina.example", "role": "admin"},
    )
    assert PartnerMember.objects.filter(partner=partner, role="admin").exists()


def test_admin_invite_view_shows_error_for_taken_email(client, staff_user, member):
    client.force_login(staff_user)
    response = client.post(
        f"/admin/partners/partner/{PartnerFactory().pk}/invite-member/",
        {"email": member.user.email, "role": "owner"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "This person already has portal access." in response.content.decode()


def test_admin_change_form_links_to_invite_view(client, staff_user, partner):
    client.force_login(staff_user)
    response = client.get(f"/admin/partners/partner/{partner.pk}/change/")
    assert f"/admin/partners/partner/{partner.pk}/invite-member/" in response.content.decode()


def test_admin_invite_view_aligns_fields_like_admin_forms(client, staff_user, partner):
    client.force_login(staff_user)

    html = client.get(f"/admin/partners/partner/{partner.pk}/invite-member/").content.decode()

    assert "admin/css/forms.css" in html
    assert '<div class="form-row field-email">' in html
    assert '<label for="id_email" class="required">' in html
