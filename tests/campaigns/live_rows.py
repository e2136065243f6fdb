"""Metric buckets written directly, and signed-in WebSocket clients, for the live tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from campaigns.models import MetricBucket


def this_hour() -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def add_bucket(campaign, partner, *, hours_ago=0, **counts) -> MetricBucket:
    """Store one hourly bucket for the campaign and partner, as a fold would."""
    values = {
        "clicks": 0,
        "unique_clicks": 0,
        "conversions": 0,
        "revenue": Decimal("0"),
        "payout": Decimal("0"),
    }
    values.update(
        {key: Decimal(value) if isinstance(value, str) else value for key, value in counts.items()}
    )
    return MetricBucket.objects.create(
        campaign=campaign,
        partner=partner,
        hour=this_hour() - dt.timedelta(hours=hours_ago),
        **values,
    )


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def live_socket(campaign_id, user=None, *, origin="http://testserver", query=""):
    """Return a communicator on the project's full ASGI stack (origin check and session)."""
    from hexabuilders.asgi import application

    headers = [(b"origin", origin.encode())]
    if user is not None:
        headers.append((b"cookie", session_cookie(user).encode()))
    return WebsocketCommunicator(
        application, f"/ws/campaigns/{campaign_id}/live/{query}", headers=headers
    )
