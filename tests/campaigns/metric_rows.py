"""Clicks, conversions and buckets written directly, for ingestion, KPI and alert tests."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from campaigns.models import Click, Conversion, MetricBucket


def add_click(link, *, at: dt.datetime | None = None, billable=True, unique=True, **fields):
    """Store a click on ``link`` as the redirect would, not yet folded."""
    values = {
        "link": link,
        "campaign_id": link.enrollment.campaign_id,
        "partner_id": link.enrollment.partner_id,
        "code": link.code,
        "outcome": Click.Outcome.REDIRECTED if billable else Click.Outcome.PREVIEW,
        "ip_hash": uuid.uuid4().hex,
        "user_agent": "Mozilla/5.0",
        "device": Click.Device.MOBILE,
        "is_unique": unique,
        "is_billable": billable,
    }
    if at is not None:
        values["created_at"] = at
    values.update(fields)
    return Click.objects.create(**values)


def add_conversion(link, *, status="approved", amount="100.00", payout="10.00", at=None):
    """Store a conversion on ``link``'s campaign and partner, not yet folded."""
    values = {
        "campaign_id": link.enrollment.campaign_id,
        "partner_id": link.enrollment.partner_id,
        "enrollment_id": link.enrollment_id,
        "transaction_id": uuid.uuid4().hex,
        "amount": Decimal(amount),
        "original_amount": Decimal(amount),
        "original_currency": "COP",
        "payout": Decimal(payout),
        "status": status,
        "ip_hash": "b" * 64,
        "request_fingerprint": uuid.uuid4().hex,
    }
    if at is not None:
        values["created_at"] = at
    return Conversion.objects.create(**values)


def add_bucket(campaign, partner, hour: dt.datetime, **counts):
    """Store a metric bucket as a fold would leave it."""
    values = {"clicks": 0, "unique_clicks": 0, "conversions": 0}
    values.update(counts)
    for name in ("revenue", "payout"):
        values[name] = Decimal(str(values.get(name, "0")))
    return MetricBucket.objects.create(campaign=campaign, partner=partner, hour=hour, **values)
