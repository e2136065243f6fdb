import datetime as dt
import json
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns import postbacks
from campaigns.models import Campaign, Conversion, DailySpend, ExchangeRate
from hexabuilders.models import OutboxEvent
from tests.campaigns.makers import make_click
from tests.factories import active_campaign_with_link

pytestmark = pytest.mark.django_db

URL = "/postback"


def signed_query(campaign, params, *, timestamp=None, secret=None):
    """Return ``params`` with a timestamp and the HMAC signature of their canonical query."""
    query = {"campaign": str(campaign.pk), **params}
    query["timestamp"] = str(int(time.time()) if timestamp is None else timestamp)
    payload = postbacks.canonical_query(list(query.items()))
    query["signature"] = postbacks.sign(
        secret=secret or campaign.postback_secret, timestamp=query["timestamp"], payload=payload
    )
    return query


def send_token(client, campaign, **params):
    return client.get(URL, {"campaign": campaign.pk, "token": campaign.postback_secret, **params})


def send_signed(client, campaign, **params):
    return client.get(URL, signed_query(campaign, params))


def send_json(client, campaign, *, timestamp=None, secret=None, **params):
    body = json.dumps({"campaign": campaign.pk, **params})
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = postbacks.sign(
        secret=secret or campaign.postback_secret, timestamp=timestamp, payload=body
    )
    return client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_X_HEXA_TIMESTAMP=timestamp,
        HTTP_X_HEXA_SIGNATURE=signature,
    )


def old_click(link, seconds=600, **fields):
    return make_click(
        link=link, created_at=timezone.now() - dt.timedelta(seconds=seconds), **fields
    )


@pytest.fixture
def setup():
    campaign, enrollment, link = active_campaign_with_link(payout_amount="10000.00")
    return campaign, enrollment, link


# Authentication


def test_postback_route_is_named():
    assert reverse("postback") == URL


def test_postback_accepts_token(client, setup):
    campaign, _enrollment, link = setup
    response = send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_postback_accepts_signed_get(client, setup):
    campaign, _enrollment, link = setup
    response = send_signed(client, campaign, transaction_id="T1", click_id=str(old_click(link).pk))
    assert response.status_code == 200


def test_postback_accepts_signed_json_post(client, setup):
    campaign, _enrollment, link = setup
    response = send_json(client, campaign, transaction_id="T1", click_id=str(old_click(link).pk))
    assert response.status_code == 200


def test_postback_accepts_signed_form_post(client, setup):
    campaign, _enrollment, link = setup
    body = f"campaign={campaign.pk}&transaction_id=T1&click_id={old_click(link).pk}"
    timestamp = str(int(time.time()))
    signature = postbacks.sign(secret=campaign.postback_secret, timestamp=timestamp, payload=body)
    response = client.post(
        f"{URL}?timestamp={timestamp}&signature={signature}",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_postback_without_credentials_is_401(client, setup):
    campaign, _enrollment, _link = setup
    response = client.get(URL, {"campaign": campaign.pk, "transaction_id": "T1"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert not Conversion.objects.exists()


def test_postback_wrong_token_is_403(client, setup):
    campaign, _enrollment, _link = setup
    response = client.get(URL, {"campaign": campaign.pk, "token": "x" * 43, "transaction_id": "T"})
    assert response.status_code == 403
    assert not Conversion.objects.exists()


def test_postback_other_campaigns_secret_is_403(client, setup):
    campaign, _enrollment, _link = setup
    other, _other_enrollment, _other_link = active_campaign_with_link()
    response = client.get(
        URL, signed_query(campaign, {"transaction_id": "T1"}, secret=other.postback_secret)
    )
    assert response.status_code == 403
    assert not Conversion.objects.exists()


def test_postback_tampered_amount_is_403(client, setup):
    campaign, _enrollment, _link = setup
    query = signed_query(campaign, {"transaction_id": "T1", "amount": "10.00"})
    query["amount"] = "99999.00"
    response = client.get(URL, query)
    assert response.status_code == 403
    assert not Conversion.objects.exists()


def test_postback_unsigned_query_cannot_change_signed_body(client, setup):
    campaign, _enrollment, link = setup
    body = json.dumps({"campaign": campaign.pk, "transaction_id": "T1", "amount": "5.00"})
    timestamp = str(int(time.time()))
    signature = postbacks.sign(secret=campaign.postback_secret, timestamp=timestamp, payload=body)
    response = client.post(
        f"{URL}?amount=900.00&timestamp={timestamp}&signature={signature}",
        body,
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Conversion.objects.get().original_amount == Decimal("5.00")


@pytest.mark.parametrize("offset", [-301, 301])
def test_postback_timestamp_outside_skew_is_403(client, setup, offset):
    campaign, _enrollment, _link = setup
    query = signed_query(campaign, {"transaction_id": "T1"}, timestamp=int(time.time()) + offset)
    response = client.get(URL, query)
    assert response.status_code == 403
    assert not Conversion.objects.exists()


@pytest.mark.parametrize("offset", [-290, 290])
def test_postback_timestamp_within_skew_is_accepted(client, setup, offset):
    campaign, _enrollment, _link = setup
    query = signed_query(campaign, {"transaction_id": "T1"}, timestamp=int(time.time()) + offset)
    assert client.get(URL, query).status_code == 200


def test_postback_skew_follows_setting(client, setup, settings):
    settings.POSTBACK_MAX_SKEW = 30
    campaign, _enrollment, _link = setup
    query = signed_query(campaign, {"transaction_id": "T1"}, timestamp=int(time.time()) - 60)
    assert client.get(URL, query).status_code == 403


def test_postback_unknown_campaign_is_404(client, setup):
    response = client.get(URL, {"campaign": 999999, "token": "x", "transaction_id": "T1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# Bad parameters


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("amount", "NaN"),
        ("amount", "inf"),
        ("amount", "-5.00"),
        ("amount", "1,50"),
        ("amount", "1e3"),
        ("amount", "1.505"),
        ("amount", "123456789012345.00"),
        ("currency", "XYZ"),
        ("currency", "dollars"),
        ("event", "sale"),
        ("click_id", "not-a-uuid"),
        ("transaction_id", "has space"),
        ("transaction_id", "x" * 101),
    ],
)
def test_postback_bad_parameter_is_400_naming_it(client, setup, name, value):
    campaign, _enrollment, _link = setup
    params = {"transaction_id": "T1", name: value}
    response = send_signed(client, campaign, **params)
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert name in error["fields"]
    assert name in error["message"]
    assert not Conversion.objects.exists()
    assert not OutboxEvent.objects.filter(type__startswith="conversion.").exists()


@pytest.mark.parametrize("value", ["", "abc", "-3", "0", "1" * 20])
def test_postback_bad_campaign_is_400(client, value):
    response = client.get(URL, {"campaign": value, "token": "x", "transaction_id": "T1"})
    assert response.status_code == 400
    assert "campaign" in response.json()["error"]["fields"]


def test_postback_missing_transaction_id_is_400(client, setup):
    campaign, _enrollment, _link = setup
    response = send_signed(client, campaign)
    assert response.status_code == 400
    assert "transaction_id" in response.json()["error"]["fields"]


def test_postback_bad_timestamp_is_400(client, setup):
    campaign, _enrollment, _link = setup
    query = signed_query(campaign, {"transaction_id": "T1"})
    query["timestamp"] = "yesterday"
    response = client.get(URL, query)
    assert response.status_code == 400
    assert "timestamp" in response.json()["error"]["fields"]


def test_postback_revenue_share_requires_amount(client):
    campaign, _enrollment, _link = active_campaign_with_link(kind="cps", payout_percent="10")
    response = send_signed(client, campaign, transaction_id="T1")
    assert response.status_code == 400
    assert "amount" in response.json()["error"]["fields"]
    assert not Conversion.objects.exists()


def test_postback_json_body_with_nested_value_is_400(client, setup):
    campaign, _enrollment, _link = setup
    response = client.post(
        URL, json.dumps({"campaign": campaign.pk, "amount": {"value": 1}}), "application/json"
    )
    assert response.status_code == 400
    assert not Conversion.objects.exists()


def test_postback_error_message_names_parameter(client, setup):
    campaign, _enrollment, _link = setup
    response = client.get(URL, signed_query(campaign, {}), HTTP_ACCEPT_LANGUAGE="en")
    message = response.json()["error"]["message"]
    assert message == "The transaction_id parameter is required."


def test_postback_rejects_put(client, setup):
    assert client.put(URL).status_code == 405


# Idempotency


def test_postback_repeat_replies_same_body(client, setup):
    campaign, _enrollment, link = setup
    click_id = old_click(link).pk
    first = send_token(client, campaign, transaction_id="T1", click_id=click_id, amount="50.00")
    second = send_token(client, campaign, transaction_id="T1", click_id=click_id, amount="50.00")
    assert second.json() == first.json()
    assert Conversion.objects.count() == 1


def test_postback_repeat_reserves_budget_once(client, setup):
    campaign, _enrollment, link = setup
    click_id = old_click(link).pk
    send_token(client, campaign, transaction_id="T1", click_id=click_id)
    send_token(client, campaign, transaction_id="T1", click_id=click_id)
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("10000.00")
    assert OutboxEvent.objects.filter(type="conversion.recorded").count() == 1


def test_postback_repeat_with_other_amount_is_409(client, setup):
    campaign, _enrollment, link = setup
    click_id = old_click(link).pk
    send_token(client, campaign, transaction_id="T1", click_id=click_id, amount="50.00")
    response = send_token(client, campaign, transaction_id="T1", click_id=click_id, amount="60.00")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Conversion.objects.get().original_amount == Decimal("50.00")


def test_postback_repeat_with_other_currency_is_409(client, setup):
    campaign, _enrollment, link = setup
    ExchangeRate.objects.create(base="USD", quote="COP", rate="4000", valid_on="2020-01-01")
    click_id = old_click(link).pk
    send_token(client, campaign, transaction_id="T1", click_id=click_id, amount="50.00")
    response = send_token(
        client, campaign, transaction_id="T1", click_id=click_id, amount="50.00", currency="USD"
    )
    assert response.status_code == 409
    assert Conversion.objects.get().original_currency == "COP"


def test_postback_repeat_conflict_is_logged(client, setup, caplog):
    campaign, _enrollment, _link = setup
    send_token(client, campaign, transaction_id="T1", amount="50.00")
    send_token(client, campaign, transaction_id="T1", amount="51.00")
    assert "transaction T1 conflicts" in caplog.text


# Attribution


def test_postback_links_click_partner_and_enrollment(client, setup):
    campaign, enrollment, link = setup
    click = old_click(link)
    send_token(client, campaign, transaction_id="T1", click_id=click.pk)
    conversion = Conversion.objects.get()
    assert conversion.click_id == click.pk
    assert conversion.partner_id == enrollment.partner_id
    assert conversion.enrollment_id == enrollment.pk
    assert conversion.ip_hash == click.ip_hash


def test_postback_without_click_is_rejected_no_click(client, setup):
    campaign, _enrollment, _link = setup
    response = send_token(client, campaign, transaction_id="T1")
    assert response.json()["status"] == "rejected"
    assert response.json()["reason_code"] == "no_click"


def test_postback_unknown_click_is_rejected_no_click(client, setup):
    campaign, _enrollment, _link = setup
    response = send_token(client, campaign, transaction_id="T1", click_id=uuid.uuid4())
    assert response.json()["reason_code"] == "no_click"
    assert Conversion.objects.get().partner_id is None


def test_postback_click_of_other_campaign_is_rejected_no_click(client, setup):
    campaign, _enrollment, _link = setup
    _other, _other_enrollment, other_link = active_campaign_with_link()
    response = send_token(client, campaign, transaction_id="T1", click_id=old_click(other_link).pk)
    assert response.json()["reason_code"] == "no_click"


def test_postback_click_outside_window_is_rejected(client, setup):
    campaign, _enrollment, link = setup
    click = old_click(link, seconds=31 * 24 * 3600)
    response = send_token(client, campaign, transaction_id="T1", click_id=click.pk)
    assert response.json()["reason_code"] == "outside_window"
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0")


def test_postback_rejected_conversion_is_idempotent(client, setup):
    campaign, _enrollment, _link = setup
    first = send_token(client, campaign, transaction_id="T1")
    second = send_token(client, campaign, transaction_id="T1")
    assert first.json() == second.json()
    assert Conversion.objects.count() == 1


def test_postback_on_draft_campaign_is_rejected(client):
    from campaigns import services

    campaign = services.create_campaign(
        actor=None, name="Draft", kind="cpa", landing_url="https://shop.example.com/"
    )
    response = send_token(client, campaign, transaction_id="T1")
    assert response.json()["reason_code"] == "campaign_inactive"


# Exchange rates and payout


def test_postback_converts_currency_and_stores_rate(client, setup):
    campaign, _enrollment, link = setup
    ExchangeRate.objects.create(base="USD", quote="COP", rate="4000", valid_on="2020-01-01")
    send_token(
        client,
        campaign,
        transaction_id="T1",
        click_id=old_click(link).pk,
        amount="12.50",
        currency="usd",
    )
    conversion = Conversion.objects.get()
    assert conversion.amount == Decimal("50000")
    assert conversion.exchange_rate == Decimal("4000")
    assert conversion.original_currency == "USD"


def test_postback_without_exchange_rate_is_400(client, setup):
    campaign, _enrollment, link = setup
    response = send_token(
        client, campaign, transaction_id="T1", click_id=old_click(link).pk, currency="EUR"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_exchange_rate"
    assert "EUR" in response.json()["error"]["message"]
    assert not Conversion.objects.exists()
    assert not OutboxEvent.objects.filter(type__startswith="conversion.").exists()


def test_postback_revenue_share_payout_is_percent_of_amount(client):
    campaign, _enrollment, link = active_campaign_with_link(
        kind="cps", currency="USD", payout_percent="7.5"
    )
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk, amount="99.99")
    assert Conversion.objects.get().payout == Decimal("7.50")


def test_postback_revenue_share_payout_rounds_to_currency_digits(client):
    campaign, _enrollment, link = active_campaign_with_link(
        kind="cps", currency="COP", payout_percent="10"
    )
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk, amount="1005")
    assert Conversion.objects.get().payout == Decimal("101")


def test_postback_lead_payout_is_fixed(client):
    campaign, _enrollment, link = active_campaign_with_link(kind="cpl", payout_amount="2500.00")
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    assert Conversion.objects.get().payout == Decimal("2500.00")


# Fraud signals


def test_postback_too_fast_is_flagged_in_flag_mode(client, setup):
    campaign, _enrollment, link = setup
    response = send_token(client, campaign, transaction_id="T1", click_id=old_click(link, 2).pk)
    assert response.json()["status"] == "approved"
    assert response.json()["fraud_flags"] == ["too_fast"]


def test_postback_too_fast_is_rejected_in_reject_mode(client):
    campaign, _enrollment, link = active_campaign_with_link(fraud_mode="reject")
    response = send_token(client, campaign, transaction_id="T1", click_id=old_click(link, 2).pk)
    assert response.json()["status"] == "rejected"
    assert response.json()["reason_code"] == "too_fast"
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0")


def test_postback_bot_click_is_rejected_in_reject_mode(client):
    campaign, _enrollment, link = active_campaign_with_link(fraud_mode="reject")
    click = old_click(link, is_bot=True, is_billable=False)
    response = send_token(client, campaign, transaction_id="T1", click_id=click.pk)
    assert response.json()["reason_code"] == "bot_click"


def test_postback_repeated_ip_is_flagged_after_daily_maximum(client):
    campaign, _enrollment, link = active_campaign_with_link(max_conversions_per_ip_per_day=2)
    replies = [
        send_token(client, campaign, transaction_id=f"T{n}", click_id=old_click(link).pk).json()
        for n in range(3)
    ]
    assert replies[1]["fraud_flags"] == []
    assert replies[2]["fraud_flags"] == ["ip_repeated"]


# Events and budget


def test_postback_publishes_recorded_and_approved(client, setup):
    campaign, _enrollment, link = setup
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    approved = OutboxEvent.objects.get(type="conversion.approved")
    assert OutboxEvent.objects.filter(type="conversion.recorded").count() == 1
    assert approved.payload["payout"] == "10000.00"
    assert approved.payload["currency"] == "COP"


def test_postback_rejected_publishes_only_recorded(client, setup):
    campaign, _enrollment, _link = setup
    send_token(client, campaign, transaction_id="T1")
    assert OutboxEvent.objects.filter(type="conversion.recorded").count() == 1
    assert not OutboxEvent.objects.filter(type="conversion.approved").exists()


def test_postback_reserves_payout_in_every_counter(client, setup):
    campaign, enrollment, link = setup
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    scopes = dict(DailySpend.objects.values_list("scope", "spent"))
    assert campaign.spent == Decimal("10000.00")
    assert enrollment.spent == Decimal("10000.00")
    assert scopes == {
        "campaign": Decimal("10000.00"),
        f"partner:{enrollment.partner_id}": Decimal("10000.00"),
    }


def test_postback_over_budget_is_held_and_pauses_campaign(client):
    campaign, _enrollment, link = active_campaign_with_link(total_budget="15000.00")
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    response = send_token(client, campaign, transaction_id="T2", click_id=old_click(link).pk)
    campaign.refresh_from_db()
    assert response.json()["status"] == "held"
    assert response.json()["reason_code"] == "budget_reached"
    assert campaign.spent == Decimal("10000.00")
    assert campaign.status == Campaign.Status.PAUSED
    exhausted = OutboxEvent.objects.get(type="campaign.budget_exhausted")
    assert exhausted.payload["scope"] == "campaign_total"


def test_postback_over_daily_budget_is_held(client):
    campaign, _enrollment, link = active_campaign_with_link(daily_budget="10000.00")
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    response = send_token(client, campaign, transaction_id="T2", click_id=old_click(link).pk)
    assert response.json()["status"] == "held"
    assert OutboxEvent.objects.get(type="campaign.budget_exhausted").payload["scope"] == (
        "campaign_daily"
    )


def test_postback_over_partner_cap_is_held(client):
    campaign, enrollment, link = active_campaign_with_link()
    enrollment.total_budget = Decimal("10000.00")
    enrollment.save(update_fields=["total_budget"])
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    response = send_token(client, campaign, transaction_id="T2", click_id=old_click(link).pk)
    campaign.refresh_from_db()
    payload = OutboxEvent.objects.get(type="campaign.budget_exhausted").payload
    assert response.json()["status"] == "held"
    assert campaign.spent == Decimal("10000.00")
    assert payload["scope"] == "partner_total"
    assert payload["partner_id"] == enrollment.partner_id


def test_postback_over_partner_daily_cap_is_held(client):
    campaign, enrollment, link = active_campaign_with_link()
    enrollment.daily_budget = Decimal("5000.00")
    enrollment.save(update_fields=["daily_budget"])
    response = send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    enrollment.refresh_from_db()
    assert response.json()["status"] == "held"
    assert enrollment.spent == Decimal("0")
    assert not DailySpend.objects.filter(spent__gt=0).exists()


def test_postback_held_while_paused_publishes_no_second_exhaustion(client):
    campaign, _enrollment, link = active_campaign_with_link(total_budget="10000.00")
    for n in range(3):
        send_token(client, campaign, transaction_id=f"T{n}", click_id=old_click(link).pk)
    assert OutboxEvent.objects.filter(type="campaign.budget_exhausted").count() == 1
    assert Conversion.objects.filter(status="held").count() == 2


# Reversal


def test_refund_reverses_conversion_and_releases_budget(client, setup):
    campaign, enrollment, link = setup
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    response = send_token(client, campaign, transaction_id="T1", event="refund")
    campaign.refresh_from_db()
    enrollment.refresh_from_db()
    conversion = Conversion.objects.get()
    assert response.status_code == 200
    assert conversion.status == "reversed"
    assert conversion.reason_code == "refund"
    assert conversion.reversed_at is not None
    assert campaign.spent == Decimal("0")
    assert enrollment.spent == Decimal("0")
    assert set(DailySpend.objects.values_list("spent", flat=True)) == {Decimal("0")}


def test_chargeback_publishes_reversed_event(client, setup):
    campaign, _enrollment, link = setup
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    send_token(client, campaign, transaction_id="T1", event="chargeback")
    event = OutboxEvent.objects.get(type="conversion.reversed")
    assert event.payload["previous_status"] == "approved"
    assert event.payload["reason_code"] == "chargeback"


def test_second_reversal_replies_same_and_changes_nothing(client, setup):
    campaign, _enrollment, link = setup
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    first = send_token(client, campaign, transaction_id="T1", event="refund")
    second = send_token(client, campaign, transaction_id="T1", event="refund")
    campaign.refresh_from_db()
    assert second.json() == first.json()
    assert campaign.spent == Decimal("0")
    assert OutboxEvent.objects.filter(type="conversion.reversed").count() == 1


def test_reversal_of_unknown_transaction_is_404(client, setup):
    campaign, _enrollment, _link = setup
    response = send_token(client, campaign, transaction_id="NOPE", event="refund")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Conversion.objects.exists()


def test_reversal_of_held_conversion_releases_nothing(client):
    campaign, _enrollment, link = active_campaign_with_link(total_budget="10000.00")
    send_token(client, campaign, transaction_id="T1", click_id=old_click(link).pk)
    send_token(client, campaign, transaction_id="T2", click_id=old_click(link).pk)
    send_token(client, campaign, transaction_id="T2", event="chargeback")
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("10000.00")


# Held conversions


def test_release_held_approves_conversions_that_now_fit(client):
    campaign, _enrollment, link = active_campaign_with_link(total_budget="10000.00")
    for n in range(3):
        send_token(client, campaign, transaction_id=f"T{n}", click_id=old_click(link).pk)
    Campaign.objects.filter(pk=campaign.pk).update(total_budget=Decimal("20000.00"))

    approved = postbacks.release_held(campaign=campaign)

    campaign.refresh_from_db()
    assert [conversion.transaction_id for conversion in approved] == ["T1"]
    assert campaign.spent == Decimal("20000.00")
    assert Conversion.objects.get(transaction_id="T2").status == "held"
    assert OutboxEvent.objects.filter(type="conversion.approved").count() == 2


def test_release_held_without_room_changes_nothing(client):
    campaign, _enrollment, link = active_campaign_with_link(total_budget="10000.00")
    for n in range(2):
        send_token(client, campaign, transaction_id=f"T{n}", click_id=old_click(link).pk)

    assert postbacks.release_held(campaign=campaign) == []
    assert Conversion.objects.filter(status="held").count() == 1


# Reading before writing


def test_load_postback_rows_unknown_campaign_is_none():
    assert postbacks.load_postback_rows(987654321, None, timezone.now()) is None


def test_load_postback_rows_finds_the_click(setup):
    campaign, _enrollment, link = setup
    click = old_click(link)

    loaded = postbacks.load_postback_rows(campaign.pk, click.pk, timezone.now())

    assert loaded.click == click


def test_load_postback_rows_finds_the_links_enrollment(setup):
    campaign, enrollment, link = setup

    loaded = postbacks.load_postback_rows(campaign.pk, old_click(link).pk, timezone.now())

    assert loaded.enrollment == enrollment


def test_load_postback_rows_ignores_another_campaigns_click(setup):
    _campaign, _enrollment, link = setup
    other, _other_enrollment, _other_link = active_campaign_with_link()

    loaded = postbacks.load_postback_rows(other.pk, old_click(link).pk, timezone.now())

    assert loaded.click is None


def test_load_postback_rows_counts_same_ip(client, setup):
    campaign, _enrollment, link = setup
    for number in range(2):
        click = old_click(link, ip_hash="a" * 64)
        send_token(client, campaign, transaction_id=f"IP-{number}", click_id=click.pk)

    loaded = postbacks.load_postback_rows(campaign.pk, click.pk, timezone.now())

    assert loaded.same_ip_today == 2


def test_postback_reads_everything_it_needs_in_one_query(client, setup):
    campaign, _enrollment, link = setup
    click = old_click(link)

    with CaptureQueriesContext(connection) as queries:
        send_token(client, campaign, transaction_id="ONE-READ", click_id=click.pk)

    selects = [query for query in queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 1
