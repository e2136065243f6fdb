"""Campaign rows for tests of the API, admin and portal: clicks, conversions, hidden campaigns."""

import uuid
from decimal import Decimal

from campaigns import services as campaign_services
from campaigns.models import Click, Conversion
from tests.factories import active_campaign_with_link


def joined_paused_campaign(partner):
    """Return a paused campaign ``partner`` joined, which no other partner can see."""
    campaign, _enrollment, _link = active_campaign_with_link(partner)
    return campaign_services.pause_campaign(campaign=campaign, actor=None)


def make_click(partner=None, link=None, **fields):
    """Return a billable click on ``link``, or on a new campaign link of ``partner``."""
    if link is None:
        _campaign, _enrollment, link = active_campaign_with_link(partner)
    values = {
        "link": link,
        "campaign_id": link.enrollment.campaign_id,
        "partner_id": link.enrollment.partner_id,
        "code": link.code,
        "outcome": Click.Outcome.REDIRECTED,
        "ip_hash": "a" * 64,
        "user_agent": "Mozilla/5.0",
        "device": Click.Device.MOBILE,
        "country": "CO",
        "is_unique": True,
        "is_billable": True,
    }
    values.update(fields)
    return Click.objects.create(**values)


def make_conversion(partner=None, click=None, **fields):
    """Return an approved conversion on ``click``, or on a new click of ``partner``."""
    click = click or make_click(partner)
    values = {
        "campaign_id": click.campaign_id,
        "partner_id": click.partner_id,
        "enrollment_id": click.link.enrollment_id,
        "click": click,
        "transaction_id": uuid.uuid4().hex,
        "amount": Decimal("120000.00"),
        "original_amount": Decimal("120000.00"),
        "original_currency": "COP",
        "payout": Decimal("10000.00"),
        "status": Conversion.Status.APPROVED,
        "ip_hash": "b" * 64,
        "request_fingerprint": "c" * 64,
    }
    values.update(fields)
    return Conversion.objects.create(**values)
