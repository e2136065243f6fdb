"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth import get_user_model
from stdnum.co import nit

from partners import services
from partners.models import Partner, PartnerContact, PartnerMember


def colombian_nit(n: int) -> str:
    """Return the ``n``-th valid Colombian NIT of a private test range (check digit included)."""
    base = f"7{n:08d}"
    return base + nit.calc_check_digit(base)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    legal_name = factory.Sequence(lambda n: f"Partner {n} S.A.S.")
    display_name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Partner.Kind.AFFILIATE
    country = "CO"
    tax_id = factory.Sequence(colombian_nit)
    email = factory.Sequence(lambda n: f"partner{n}@example.com")
    default_currency = "COP"


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerContact

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


class PartnerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = PartnerMember.Role.OWNER


def issue_api_key(partner, scope="write", actor=None):
    """Return ``(api_key, raw_key)`` for ``partner`` through the real service."""
    issued = services.create_api_key(partner=partner, actor=actor, name="test key", scope=scope)
    return issued.api_key, issued.raw_key


def active_campaign_with_link(partner=None, **campaign_fields):
    """Return ``(campaign, enrollment, link)``: an active campaign the partner joined."""
    from campaigns import services as campaign_services

    partner = partner or PartnerFactory(status="active")
    fields = {
        "name": "Temporada de vuelos",
        "kind": "cpa",
        "currency": "COP",
        "landing_url": "https://shop.example.com/vuelos",
        "payout_amount": "10000.00",
    }
    fields.update(campaign_fields)
    campaign = campaign_services.create_campaign(actor=None, **fields)
    campaign = campaign_services.launch_campaign(campaign=campaign, actor=None)
    enrollment = campaign_services.invite_partner(campaign=campaign, partner=partner, actor=None)
    return campaign, enrollment, enrollment.link
