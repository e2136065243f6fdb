"""Events the partners app publishes."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hexabuilders.events import EventType, declare, subscribe

logger = logging.getLogger(__name__)

PARTNER_CREATED = declare(
    EventType(
        name="partner.created",
        version=1,
        aggregate_type="partner",
        fields={
            "partner_id": "int",
            "legal_name": "str",
            "kind": "str",
            "country": "str",
            "status": "str",
            "actor_id": "int?",
        },
        description="A partner record was created by staff, an import or an application.",
    )
)
PARTNER_ONBOARDING_STARTED = declare(
    EventType(
        name="partner.onboarding_started",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "actor_id": "int?"},
        description="An applicant moved into onboarding.",
    )
)
PARTNER_ACTIVATED = declare(
    EventType(
        name="partner.activated",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "previous_status": "str", "actor_id": "int?"},
        description="A partner became active, for the first time or after a suspension.",
    )
)
PARTNER_SUSPENDED = declare(
    EventType(
        name="partner.suspended",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "reason": "str", "actor_id": "int?"},
        description="An active partner was suspended; its links and keys stop working.",
    )
)
PARTNER_TERMINATED = declare(
    EventType(
        name="partner.terminated",
        version=1,
        aggregate_type="partner",
        fields={"partner_id": "int", "previous_status": "str", "reason": "str", "actor_id": "int?"},
        description="The relationship with a partner ended; this status is final.",
    )
)
API_KEY_CREATED = declare(
    EventType(
        name="api_key.created",
        version=1,
        aggregate_type="api_key",
        fields={
            "api_key_id": "int",
            "partner_id": "int",
            "prefix": "str",
            "scope": "str",
            "actor_id": "int?",
        },
        description="A partner API key was issued.",
    )
)
API_KEY_REVOKED = declare(
    EventType(
        name="api_key.revoked",
        version=1,
        aggregate_type="api_key",
        fields={"api_key_id": "int", "partner_id": "int", "prefix": "str", "actor_id": "int?"},
        description="A partner API key was revoked and no longer authenticates.",
    )
)
MEMBER_INVITED = declare(
    EventType(
        name="member.invited",
        version=1,
        aggregate_type="partner_member",
        fields={
            "member_id": "int",
            "partner_id": "int",
            "user_id": "int",
            "email": "str",
            "language": "str",
            "actor_id": "int?",
        },
        description="Staff invited a person to a partner's portal; they receive a link to "
        "choose a password.",
    )
)


@subscribe("member.invited")
def send_member_invitation(event) -> None:
    """E-mail the invited member a link to choose a password, in the staff's language.

    NOTE: the e-mail leaves before the delivery is marked done, so a crash between the
    two sends it again on retry. Both copies carry a working link, so the repeat is harmless.
    """
    user = get_user_model().objects.filter(pk=event.payload["user_id"]).first()
    if user is None or user.has_usable_password():
        # Deleted since, or the person already set a password: nothing to send.
        return
    from partners.models import Partner

    partner = Partner.objects.get(pk=event.payload["partner_id"])
    path = reverse(
        "portal:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "partner": partner, "link": f"{settings.PUBLIC_URL}{path}"}
    with translation.override(event.payload["language"]):
        subject = " ".join(
            render_to_string("partners/email/invitation_subject.txt", context).split()
        )
        body = render_to_string("partners/email/invitation.txt", context)
        language = translation.get_language()
    message = EmailMessage(subject, body, to=[user.email], headers={"Content-Language": language})
    message.send()
    logger.info("invitation for partner %s sent to user %s", partner.pk, user.pk)
