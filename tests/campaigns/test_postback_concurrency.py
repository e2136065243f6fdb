"""Concurrent postbacks against real PostgreSQL: idempotency and budget caps under races."""

import datetime as dt
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, Click, Conversion, DailySpend
from hexabuilders.models import OutboxEvent
from tests.campaigns.makers import make_click
from tests.factories import active_campaign_with_link

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PAYOUT = Decimal("1000.00")
CONVERSIONS = 200
WORKERS = 20
TIMEOUT_SECONDS = 120


def _postback(params):
    try:
        response = Client().get("/postback", params)
        return response.status_code, response.json()
    finally:
        connection.close()


def _clicks(link, count):
    ten_minutes_ago = timezone.now() - dt.timedelta(minutes=10)
    return Click.objects.bulk_create(
        [
            Click(
                link=link,
                campaign_id=link.enrollment.campaign_id,
                partner_id=link.enrollment.partner_id,
                code=link.code,
                outcome=Click.Outcome.REDIRECTED,
                ip_hash=f"{n:064x}",
                device=Click.Device.MOBILE,
                is_billable=True,
                created_at=ten_minutes_ago,
            )
            for n in range(count)
        ]
    )


def test_duplicate_postbacks_create_one_conversion():
    campaign, _enrollment, link = active_campaign_with_link(payout_amount=str(PAYOUT))
    click = make_click(link=link, created_at=timezone.now() - dt.timedelta(minutes=10))
    params = {
        "campaign": campaign.pk,
        "token": campaign.postback_secret,
        "transaction_id": "ORDER-1",
        "click_id": str(click.pk),
        "amount": "150000.00",
    }
    barrier = threading.Barrier(50, timeout=30)

    def send_after_barrier(_index):
        barrier.wait()
        return _postback(params)

    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(send_after_barrier, range(50), timeout=TIMEOUT_SECONDS))

    campaign.refresh_from_db()
    bodies = {json.dumps(body, sort_keys=True) for _status, body in replies}
    assert {status for status, _body in replies} == {200}
    assert len(bodies) == 1
    assert Conversion.objects.count() == 1
    assert campaign.spent == PAYOUT
    assert OutboxEvent.objects.filter(type="conversion.recorded").count() == 1


@pytest.mark.parametrize("run", range(3))
def test_concurrent_postbacks_never_exceed_budget(run):
    fitting = random.randint(20, 150)
    campaign, _enrollment, link = active_campaign_with_link(
        payout_amount=str(PAYOUT), total_budget=str(PAYOUT * fitting)
    )
    clicks = _clicks(link, CONVERSIONS)
    requests = [
        {
            "campaign": campaign.pk,
            "token": campaign.postback_secret,
            "transaction_id": f"ORDER-{n}",
            "click_id": str(click.pk),
        }
        for n, click in enumerate(clicks)
    ]

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        replies = list(pool.map(_postback, requests, timeout=TIMEOUT_SECONDS))

    campaign.refresh_from_db()
    statuses = [body["status"] for _code, body in replies]
    context = f"budget fits {fitting} conversions"
    assert statuses.count("approved") == fitting, context
    assert statuses.count("held") == CONVERSIONS - fitting, context
    assert campaign.spent == PAYOUT * fitting, context
    assert campaign.status == Campaign.Status.PAUSED, context
    assert OutboxEvent.objects.filter(type="campaign.budget_exhausted").count() == 1, context
    assert Conversion.objects.filter(status="approved").count() == fitting, context


def test_concurrent_reversals_and_conversions_keep_spend_consistent():
    campaign, enrollment, link = active_campaign_with_link(
        payout_amount=str(PAYOUT), daily_budget=str(PAYOUT * 1000)
    )
    enrollment.total_budget = PAYOUT * 1000
    enrollment.daily_budget = PAYOUT * 1000
    enrollment.save(update_fields=["total_budget", "daily_budget"])
    clicks = _clicks(link, 100)
    token = {"campaign": campaign.pk, "token": campaign.postback_secret}
    for n in range(50):
        _postback({**token, "transaction_id": f"OLD-{n}", "click_id": str(clicks[n].pk)})
    requests = [{**token, "transaction_id": f"OLD-{n}", "event": "refund"} for n in range(50)]
    requests += [
        {**token, "transaction_id": f"NEW-{n}", "click_id": str(clicks[n].pk)}
        for n in range(50, 100)
    ]
    random.shuffle(requests)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        replies = list(pool.map(_postback, requests, timeout=TIMEOUT_SECONDS))

    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    assert {status for status, _body in replies} == {200}
    assert Conversion.objects.filter(status="reversed").count() == 50
    assert campaign.spent == PAYOUT * 50
    assert enrollment.spent == PAYOUT * 50
    assert DailySpend.objects.get(campaign=campaign, scope="campaign").spent == PAYOUT * 50
