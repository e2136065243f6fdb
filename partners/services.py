"""Commands that change partners; each runs in one transaction and publishes events."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hexabuilders.errors import DomainError
from hexabuilders.events import publish
from hexabuilders.services import actor_id, apply_transition
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember

logger = logging.getLogger(__name__)


class PartnerError(DomainError):
    """A partner command that breaks a business rule."""


# Fields a partner member may change on its own profile; everything else is staff-only.
PARTNER_EDITABLE_FIELDS = (
    "display_name",
    "email",
    "phone",
    "city",
    "website",
    "payout_method",
    "iban",
    "bic",
    "paypal_email",
    "bank_name",
    "bank_account_number",
    "bank_account_type",
)


def _validation_errors(instance) -> dict[str, list[str]]:
    try:
        instance.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


def partner_errors(*, partner: Partner, data: dict[str, Any]) -> dict[str, list[str]]:
    """Return the errors ``update_partner`` would raise for ``data``, saving nothing.

    Forms and serializers call this when some of their own fields failed, so the
    model's checks (phone, tax id, payout details) are reported in the same response.
    """
    candidate = Partner.objects.get(pk=partner.pk)
    for name, value in data.items():
        setattr(candidate, name, value)
    return _validation_errors(candidate)


def _save_validated(partner: Partner) -> None:
    try:
        partner.full_clean()
    except ValidationError as exc:
        raise PartnerError(_("The partner has invalid data."), fields=exc.message_dict) from exc
    partner.save()


@transaction.atomic
def create_partner(*, actor: AbstractBaseUser | None, **fields: Any) -> Partner:
    """Create a partner in status applicant and publish ``partner.created``."""
    partner = Partner(**fields)
    _save_validated(partner)
    publish(
        "partner.created",
        aggregate_id=partner.pk,
        payload={
            "partner_id": partner.pk,
            "legal_name": partner.legal_name,
            "kind": partner.kind,
            "country": str(partner.country),
            "status": partner.status,
            "actor_id": actor_id(actor),
        },
    )
    logger.info("partner %s created by %s", partner.pk, actor_id(actor))
    return partner


@transaction.atomic
def update_partner(
    *,
    partner: Partner,
    actor: AbstractBaseUser | None,
    data: dict[str, Any],
    allowed_fields: tuple[str, ...] | None = None,
) -> Partner:
    """Change profile fields, limited to ``allowed_fields`` when given."""
    if allowed_fields is not None:
        forbidden = sorted(set(data) - set(allowed_fields))
        if forbidden:
            raise PartnerError(
                _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(forbidden)}
            )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    for name, value in data.items():
        setattr(partner, name, value)
    _save_validated(partner)
    logger.info("partner %s updated by %s: %s", partner.pk, actor_id(actor), sorted(data))
    return partner


def _transition(partner: Partner, method_name: str, refusal) -> tuple[Partner, str]:
    return apply_transition(partner, method_name, error_class=PartnerError, refusal=refusal)


@transaction.atomic
def start_onboarding(*, partner: Partner, actor: AbstractBaseUser | None) -> Partner:
    """Move an applicant into onboarding."""
    partner, _previous = _transition(
        partner,
        "start_onboarding",
        _("%(name)s cannot start onboarding while its status is %(status)s."),
    )
    publish(
        "partner.onboarding_started",
        aggregate_id=partner.pk,
        payload={"partner_id": partner.pk, "actor_id": actor_id(actor)},
    )
    logger.info("partner %s onboarding started by %s", partner.pk, actor_id(actor))
    return partner


@transaction.atomic
def activate_partner(*, partner: Partner, actor: AbstractBaseUser | None) -> Partner:
    """Activate an applicant, onboarding or suspended partner."""
    partner, previous = _transition(
        partner, "activate", _("%(name)s cannot be activated while its status is %(status)s.")
    )
    publish(
        "partner.activated",
        aggregate_id=partner.pk,
        payload={
            "partner_id": partner.pk,
            "previous_status": previous,
            "actor_id": actor_id(actor),
        },
    )
    logger.info("partner %s activated by %s", partner.pk, actor_id(actor))
    return partner


@transaction.atomic
def suspend_partner(
    *, partner: Partner, actor: AbstractBaseUser | None, reason: str = ""
) -> Partner:
    """Suspend an active partner."""
    partner, _previous = _transition(
        partner, "suspend", _("%(name)s cannot be suspended while its status is %(status)s.")
    )
    publish(
        "partner.suspended",
        aggregate_id=partner.pk,
        payload={"partner_id": partner.pk, "reason": reason, "actor_id": actor_id(actor)},
    )
    logger.info("partner %s suspended by %s", partner.pk, actor_id(actor))
    return partner


@transaction.atomic
def terminate_partner(
    *, partner: Partner, actor: AbstractBaseUser | None, reason: str = ""
) -> Partner:
    """End the relationship with a partner and revoke its API keys."""
    partner, previous = _transition(
        partner, "terminate", _("%(name)s cannot be terminated while its status is %(status)s.")
    )
    partner.api_keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    publish(
        "partner.terminated",
        aggregate_id=partner.pk,
        payload={
            "partner_id": partner.pk,
            "previous_status": previous,
            "reason": reason,
            "actor_id": actor_id(actor),
        },
    )
    logger.info("partner %s terminated by %s", partner.pk, actor_id(actor))
    return partner


@dataclass(frozen=True)
class IssuedApiKey:
    """A new key and its full secret, which exists only in this object."""

    api_key: ApiKey
    raw_key: str


KEY_PREFIX_BYTES = 6
KEY_SECRET_BYTES = 32
# Five years, counting two leap days. A bound also keeps expiry dates far from the
# year 9999, where converting between time zones overflows Python's datetime.
API_KEY_MAX_LIFETIME = dt.timedelta(days=5 * 365 + 2)


def parse_raw_key(raw_key: str) -> tuple[str, str] | None:
    """Split ``hxb_<prefix>_<secret>`` into prefix and secret, or return None."""
    parts = raw_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "hxb" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def _check_api_key_expiry(expires_at: dt.datetime) -> None:
    now = timezone.now()
    if expires_at <= now:
        message = _("The expiry date must be in the future.")
        raise PartnerError(message, fields={"expires_at": [message]})
    if expires_at > now + API_KEY_MAX_LIFETIME:
        message = _("An API key can expire at most 5 years from now. Choose an earlier date.")
        raise PartnerError(message, fields={"expires_at": [message]})


@transaction.atomic
def create_api_key(
    *,
    partner: Partner,
    actor: AbstractBaseUser | None,
    name: str,
    scope: str = ApiKey.Scope.READ,
    expires_at: dt.datetime | None = None,
) -> IssuedApiKey:
    """Issue a key for the partner; the caller shows ``raw_key`` once and drops it."""
    if partner.status == Partner.Status.TERMINATED:
        raise PartnerError(_("A terminated partner cannot have new API keys."))
    if expires_at is not None:
        _check_api_key_expiry(expires_at)
    # token_hex keeps the prefix free of underscores, which separate the parts.
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(KEY_SECRET_BYTES)
    api_key = ApiKey(
        partner=partner,
        name=name.strip(),
        prefix=prefix,
        secret_hash=ApiKey.hash_secret(secret),
        scope=scope,
        expires_at=expires_at,
        created_by=actor if actor_id(actor) else None,
    )
    try:
        api_key.full_clean()
    except ValidationError as exc:
        raise PartnerError(_("The API key has invalid data."), fields=exc.message_dict) from exc
    api_key.save()
    publish(
        "api_key.created",
        aggregate_id=api_key.pk,
        payload={
            "api_key_id": api_key.pk,
            "partner_id": partner.pk,
            "prefix": prefix,
            "scope": scope,
            "actor_id": actor_id(actor),
        },
    )
    logger.info("API key %s issued to partner %s by %s", prefix, partner.pk, actor_id(actor))
    return IssuedApiKey(api_key=api_key, raw_key=f"hxb_{prefix}_{secret}")


@transaction.atomic
def revoke_api_key(*, api_key: ApiKey, actor: AbstractBaseUser | None) -> ApiKey:
    """Revoke a key; revoking one already revoked changes nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    publish(
        "api_key.revoked",
        aggregate_id=api_key.pk,
        payload={
            "api_key_id": api_key.pk,
            "partner_id": api_key.partner_id,
            "prefix": api_key.prefix,
            "actor_id": actor_id(actor),
        },
    )
    logger.info("API key %s revoked by %s", api_key.prefix, actor_id(actor))
    return api_key


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """Return the usable key matching ``raw_key`` and record its use, or None."""
    parts = parse_raw_key(raw_key)
    if parts is None:
        return None
    prefix, secret = parts
    api_key = ApiKey.objects.usable().select_related("partner").filter(prefix=prefix).first()
    if api_key is None or not secrets.compare_digest(
        api_key.secret_hash, ApiKey.hash_secret(secret)
    ):
        return None
    if api_key.partner.status in (Partner.Status.SUSPENDED, Partner.Status.TERMINATED):
        return None
    _touch_last_used(api_key)
    return api_key


# Writing last_used_at on every call would turn each read into a write; a minute's
# resolution is what a partner needs to spot an unused key.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _touch_last_used(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


@transaction.atomic
def add_member(
    *, partner: Partner, user: AbstractBaseUser, role: str, actor: AbstractBaseUser | None
) -> PartnerMember:
    """Link ``user`` to ``partner``; a user belongs to at most one partner."""
    if PartnerMember.objects.filter(user=user).exclude(partner=partner).exists():
        raise PartnerError(_("This user already belongs to another partner."))
    member, _created = PartnerMember.objects.update_or_create(
        user=user, defaults={"partner": partner, "role": role}
    )
    logger.info(
        "user %s joined partner %s as %s (by %s)", user.pk, partner.pk, role, actor_id(actor)
    )
    return member


CONTACT_FIELDS = ("name", "role", "email", "phone", "is_primary")


def _check_contact_fields(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(CONTACT_FIELDS))
    if unknown:
        message = _("These fields cannot be set on a contact: %(fields)s.")
        raise PartnerError(message % {"fields": ", ".join(unknown)})


def _save_contact(contact: PartnerContact) -> None:
    try:
        contact.full_clean()
    except ValidationError as exc:
        raise PartnerError(_("The contact has invalid data."), fields=exc.message_dict) from exc
    contact.save()
    # A partner has at most one primary contact, so marking one demotes the others.
    if contact.is_primary:
        PartnerContact.objects.filter(partner_id=contact.partner_id, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False)


def contact_errors(
    *, partner: Partner, contact: PartnerContact | None, data: dict[str, Any]
) -> dict[str, list[str]]:
    """Return the errors ``create_contact`` or ``update_contact`` would raise, saving nothing."""
    if contact is None:
        candidate = PartnerContact(partner=partner)
    else:
        candidate = PartnerContact.objects.get(pk=contact.pk)
    for name, value in data.items():
        setattr(candidate, name, value)
    return _validation_errors(candidate)


@transaction.atomic
def create_contact(
    *, partner: Partner, actor: AbstractBaseUser | None, data: dict[str, Any]
) -> PartnerContact:
    """Add a contact to the partner; a new primary contact replaces the old one."""
    _check_contact_fields(data)
    contact = PartnerContact(partner=partner, **data)
    _save_contact(contact)
    logger.info("contact %s added to partner %s by %s", contact.pk, partner.pk, actor_id(actor))
    return contact


@transaction.atomic
def update_contact(
    *, contact: PartnerContact, actor: AbstractBaseUser | None, data: dict[str, Any]
) -> PartnerContact:
    """Change a contact's fields; the partner it belongs to never changes."""
    _check_contact_fields(data)
    contact = PartnerContact.objects.select_for_update().get(pk=contact.pk)
    for name, value in data.items():
        setattr(contact, name, value)
    _save_contact(contact)
    logger.info("contact %s updated by %s: %s", contact.pk, actor_id(actor), sorted(data))
    return contact


@transaction.atomic
def delete_contact(*, contact: PartnerContact, actor: AbstractBaseUser | None) -> None:
    """Delete a contact."""
    contact_id, partner_id = contact.pk, contact.partner_id
    PartnerContact.objects.filter(pk=contact_id).delete()
    logger.info("contact %s of partner %s deleted by %s", contact_id, partner_id, actor_id(actor))


@transaction.atomic
def invite_member(
    *,
    partner: Partner,
    email: str,
    role: str,
    actor: AbstractBaseUser | None,
    first_name: str = "",
    last_name: str = "",
    language: str = "es",
) -> PartnerMember:
    """Give a person access to the partner's portal and e-mail them a set-password link.

    A new user is created without a usable password; an existing user without a partner
    is linked as they are. The e-mail is sent by the ``member.invited`` handler.
    """
    if partner.status == Partner.Status.TERMINATED:
        raise PartnerError(_("A terminated partner cannot have new members."))
    email = get_user_model().objects.normalize_email(email.strip()).lower()
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model(username=email, email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError as exc:
            raise PartnerError(
                _("The invitation has invalid data."), fields=exc.message_dict
            ) from exc
        user.save()
    elif user.is_staff:
        raise PartnerError(
            _("%(email)s belongs to a staff account, which cannot be a partner member.")
            % {"email": email},
            fields={"email": [_("Use the e-mail address of a person at the partner.")]},
        )
    elif PartnerMember.objects.filter(user=user).exists():
        raise PartnerError(
            _("%(email)s is already a member of a partner.") % {"email": email},
            fields={"email": [_("This person already has portal access.")]},
        )
    member = PartnerMember.objects.create(partner=partner, user=user, role=role)
    publish(
        "member.invited",
        aggregate_id=member.pk,
        payload={
            "member_id": member.pk,
            "partner_id": partner.pk,
            "user_id": user.pk,
            "email": email,
            "language": language,
            "actor_id": actor_id(actor),
        },
    )
    logger.info(
        "user %s invited to partner %s as %s by %s", user.pk, partner.pk, role, actor_id(actor)
    )
    return member
