"""Conversion postbacks: validate, authenticate, attribute, convert, check fraud, reserve.

An advertiser's server reports each sale or lead to ``/postback`` with the
campaign id, its own transaction id and the ``hxb_click`` value its landing page
received. The request is authenticated in one of two ways:

- token mode: ``token`` equals the campaign's postback secret;
- HMAC mode: ``signature`` is the hex HMAC-SHA256, keyed with the postback secret,
  of ``f"{timestamp}.{payload}"``. ``timestamp`` is Unix time in seconds and must
  be within ``POSTBACK_MAX_SKEW`` seconds of the server's clock, in the past or
  the future. For POST the payload is the raw request body. For GET it is the
  canonical query: every parameter except ``signature``, sorted by name then
  value, percent-encoded (RFC 3986, space as %20) and joined with ``&``.

Recording is idempotent on (campaign, transaction id): a repeated postback gets
the reply of the first one, built from the stored row, and a repeat with another
amount or currency is rejected with 409 and logged, leaving the row untouched.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns import budgets, fx
from campaigns.ingestion import schedule_fold
from campaigns.models import Campaign, Click, Conversion, Enrollment
from campaigns.services import CampaignError, pause_campaign
from hexabuilders import rows
from hexabuilders.events import publish, publish_many
from partners.currencies import ISO_CURRENCIES

logger = logging.getLogger(__name__)

Status = Conversion.Status
Reason = Conversion.Reason

EVENT_CONVERSION = "conversion"
REVERSAL_REASONS = {"refund": Reason.REFUND, "chargeback": Reason.CHARGEBACK}

# Conversion amounts are stored as DecimalField(max_digits=16, decimal_places=2).
MAX_AMOUNT = Decimal("99999999999999.99")
_AMOUNT = re.compile(r"[0-9]{1,14}(\.[0-9]{1,2})?")
_CAMPAIGN_ID = re.compile(r"[1-9][0-9]{0,17}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_TRANSACTION_ID = re.compile(r"[\x21-\x7e]{1,100}")
_HEX_DIGEST = re.compile(r"(sha256=)?[0-9a-fA-F]{64}")
# Campaigns in these states never had a working link, so nothing can convert on them.
_INACTIVE_STATUSES = {Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.CANCELLED}


class PostbackError(CampaignError):
    """A postback that cannot be accepted; ``http_status`` is the reply's status code."""

    def __init__(self, message, *, http_status: int, code: str, fields: dict | None = None):
        super().__init__(message, code=code, fields=fields)
        self.http_status = http_status


@dataclass(frozen=True)
class PostbackReply:
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class PostbackData:
    """The validated business parameters of one postback."""

    event: str
    transaction_id: str
    click_id: uuid.UUID | None
    amount: Decimal
    currency: str


# Parsing and authentication


def _invalid(fields: dict[str, list]) -> PostbackError:
    if len(fields) == 1:
        message = next(iter(fields.values()))[0]
    else:
        message = _("Invalid postback parameters: %(names)s.") % {"names": ", ".join(fields)}
    return PostbackError(message, http_status=400, code="invalid", fields=fields)


def _parameter(params: Mapping[str, str], name: str) -> str:
    return (params.get(name) or "").strip()


def parse_campaign_id(params: Mapping[str, str]) -> int:
    """Return the ``campaign`` parameter as an id, or raise a 400 error naming it."""
    value = _parameter(params, "campaign")
    if not value:
        raise _invalid({"campaign": [_("The campaign parameter is required.")]})
    if not _CAMPAIGN_ID.fullmatch(value) or int(value) > 2**63 - 1:
        raise _invalid(
            {"campaign": [_("The campaign parameter must be a campaign id, a positive integer.")]}
        )
    return int(value)


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    """Return the GET payload that HMAC mode signs: sorted pairs except ``signature``."""
    signed = sorted((key, value) for key, value in pairs if key != "signature")
    return urlencode(signed, quote_via=quote)


def sign(*, secret: str, timestamp: int | str, payload: bytes | str) -> str:
    """Return the hex HMAC-SHA256 of ``f"{timestamp}.{payload}"`` keyed with ``secret``."""
    if isinstance(payload, str):
        payload = payload.encode()
    message = f"{timestamp}.".encode() + payload
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def authenticate(
    *, campaign: Campaign, params: Mapping[str, str], signed_payload: bytes, now: dt.datetime
) -> None:
    """Check the token or the HMAC signature of a postback, or raise 400, 401 or 403."""
    signature = _parameter(params, "signature")
    token = _parameter(params, "token")
    if signature:
        _check_signature(campaign, params, signature, signed_payload, now)
        return
    if token:
        if not hmac.compare_digest(token.encode(), campaign.postback_secret.encode()):
            logger.warning("postback for campaign %s rejected: wrong token", campaign.pk)
            raise PostbackError(
                _("The token does not match this campaign's postback secret."),
                http_status=403,
                code="authentication_failed",
            )
        return
    raise PostbackError(
        _("Authenticate the postback with a token or with a timestamp and signature."),
        http_status=401,
        code="not_authenticated",
    )


def _check_signature(
    campaign: Campaign,
    params: Mapping[str, str],
    signature: str,
    signed_payload: bytes,
    now: dt.datetime,
) -> None:
    timestamp = _parameter(params, "timestamp")
    if not timestamp:
        raise _invalid({"timestamp": [_("The timestamp parameter is required with a signature.")]})
    if not _TIMESTAMP.fullmatch(timestamp):
        raise _invalid(
            {"timestamp": [_("The timestamp parameter must be Unix time in whole seconds.")]}
        )
    max_skew = settings.POSTBACK_MAX_SKEW
    if abs(now.timestamp() - int(timestamp)) > max_skew:
        logger.warning(
            "postback for campaign %s rejected: timestamp %s is %.0f s from the clock",
            campaign.pk,
            timestamp,
            now.timestamp() - int(timestamp),
        )
        raise PostbackError(
            _(
                "The timestamp is more than %(seconds)s seconds away from the server's clock; "
                "sign the postback with the current time."
            )
            % {"seconds": max_skew},
            http_status=403,
            code="authentication_failed",
        )
    expected = sign(secret=campaign.postback_secret, timestamp=timestamp, payload=signed_payload)
    given = signature.lower().removeprefix("sha256=")
    if not _HEX_DIGEST.fullmatch(signature) or not hmac.compare_digest(
        given.encode(), expected.encode()
    ):
        logger.warning("postback for campaign %s rejected: wrong signature", campaign.pk)
        raise PostbackError(
            _("The signature does not match the HMAC-SHA256 of the timestamp and payload."),
            http_status=403,
            code="authentication_failed",
        )


def parse_postback(*, campaign: Campaign, params: Mapping[str, str]) -> PostbackData:
    """Validate the business parameters, or raise a 400 error naming every bad one."""
    errors: dict[str, list] = {}

    event = _parameter(params, "event") or EVENT_CONVERSION
    if event != EVENT_CONVERSION and event not in REVERSAL_REASONS:
        errors["event"] = [_("The event parameter must be conversion, refund or chargeback.")]

    transaction_id = _parameter(params, "transaction_id")
    if not transaction_id:
        errors["transaction_id"] = [_("The transaction_id parameter is required.")]
    elif not _TRANSACTION_ID.fullmatch(transaction_id):
        errors["transaction_id"] = [
            _(
                "The transaction_id parameter must be 1 to 100 printable ASCII characters "
                "without spaces."
            )
        ]

    click_id = None
    raw_click_id = _parameter(params, "click_id")
    if raw_click_id:
        try:
            click_id = uuid.UUID(raw_click_id)
        except ValueError:
            errors["click_id"] = [
                _("The click_id parameter must be the hxb_click value the landing page received.")
            ]

    amount = Decimal("0")
    raw_amount = _parameter(params, "amount")
    if raw_amount:
        if _AMOUNT.fullmatch(raw_amount):
            amount = Decimal(raw_amount)
        else:
            errors["amount"] = [
                _(
                    "The amount parameter must be a non-negative number with '.' as the "
                    "decimal point, at most 14 digits before it and 2 after it, such as 1250.50."
                )
            ]
    elif event == EVENT_CONVERSION and campaign.kind == Campaign.Kind.CPS:
        errors["amount"] = [_("The amount parameter is required for revenue-share campaigns.")]

    currency = _parameter(params, "currency").upper() or campaign.currency
    if currency not in ISO_CURRENCIES:
        errors["currency"] = [
            _("The currency parameter must be an ISO 4217 code such as COP or USD.")
        ]

    if errors:
        raise _invalid(errors)
    return PostbackData(
        event=event,
        transaction_id=transaction_id,
        click_id=click_id,
        amount=amount,
        currency=currency,
    )


# The reply


def conversion_reply(conversion: Conversion) -> dict[str, Any]:
    """Return the reply body for ``conversion``, built from the stored row only.

    Decimals are formatted with their column's scale, so a reply built from the
    freshly saved instance equals one built from the row read back later.
    """
    return {
        "conversion_id": conversion.pk,
        "campaign": conversion.campaign_id,
        "transaction_id": conversion.transaction_id,
        "status": conversion.status,
        "reason_code": conversion.reason_code,
        "amount": f"{conversion.amount:.2f}",
        "original_amount": f"{conversion.original_amount:.2f}",
        "original_currency": conversion.original_currency,
        "exchange_rate": f"{conversion.exchange_rate:.8f}",
        "payout": f"{conversion.payout:.2f}",
        "fraud_flags": list(conversion.fraud_flags),
        "created_at": conversion.created_at.astimezone(dt.UTC).isoformat(),
        "reversed_at": (
            conversion.reversed_at.astimezone(dt.UTC).isoformat()
            if conversion.reversed_at
            else None
        ),
    }


def _conversion_payload(conversion: Conversion, campaign: Campaign) -> dict[str, Any]:
    return {
        "conversion_id": conversion.pk,
        "campaign_id": conversion.campaign_id,
        "partner_id": conversion.partner_id,
        "transaction_id": conversion.transaction_id,
        "amount": conversion.amount,
        "currency": campaign.currency,
        "payout": conversion.payout,
        "status": conversion.status,
        "reason_code": conversion.reason_code,
        "occurred_at": conversion.created_at,
    }


# Recording


def handle_postback(
    *, params: Mapping[str, str], signed_payload: bytes, now: dt.datetime | None = None
) -> PostbackReply:
    """Authenticate one postback and record or reverse its conversion.

    Raises ``PostbackError`` with the HTTP status to reply with; nothing is
    written when it does.
    """
    now = now or timezone.now()
    campaign_id = parse_campaign_id(params)
    # The click is read with the campaign, before authentication, to save a round trip.
    # Nothing is written or returned from it until the postback is authenticated.
    loaded = load_postback_rows(campaign_id, _click_id_hint(params), now)
    if loaded is None:
        raise PostbackError(
            _("No campaign has the id %(id)s.") % {"id": campaign_id},
            http_status=404,
            code="not_found",
        )
    campaign = loaded.campaign
    authenticate(campaign=campaign, params=params, signed_payload=signed_payload, now=now)
    data = parse_postback(campaign=campaign, params=params)
    if data.event in REVERSAL_REASONS:
        conversion = reverse_conversion(
            campaign=campaign,
            transaction_id=data.transaction_id,
            reason=REVERSAL_REASONS[data.event],
            now=now,
        )
    else:
        conversion = record_conversion(campaign=campaign, data=data, now=now, loaded=loaded)
    return PostbackReply(status=200, body=conversion_reply(conversion))


def _click_id_hint(params: Mapping[str, str]) -> uuid.UUID | None:
    try:
        return uuid.UUID(_parameter(params, "click_id"))
    except ValueError:
        return None  # parse_postback reports the bad value


@dataclass(frozen=True)
class PostbackRows:
    """The rows a postback reads before it writes: the campaign and the click it names."""

    campaign: Campaign
    click: Click | None
    enrollment: Enrollment | None  # the enrollment of the click's link
    same_ip_today: int  # conversions of the campaign today from the click's IP hash


@functools.cache
def _postback_rows_sql(vendor: str) -> str:
    quote_name = connection.ops.quote_name
    models = (Campaign, Click, Conversion, Enrollment)
    table = {model: quote_name(model._meta.db_table) for model in models}
    link_table = quote_name(Click._meta.get_field("link").related_model._meta.db_table)
    return (
        f"SELECT {rows.columns(Campaign, 'campaign')}, {rows.columns(Click, 'click')}, "
        f"{rows.columns(Enrollment, 'enrollment')}, "
        f"(SELECT COUNT(*) FROM {table[Conversion]} AS conversion "
        "WHERE conversion.campaign_id = click.campaign_id AND conversion.ip_hash = click.ip_hash "
        "AND click.ip_hash <> '' AND conversion.created_at >= %s AND conversion.created_at < %s) "
        f"FROM {table[Campaign]} AS campaign "
        f"LEFT JOIN {table[Click]} AS click ON click.id = %s AND click.campaign_id = campaign.id "
        f"LEFT JOIN {link_table} AS link ON link.id = click.link_id "
        f"LEFT JOIN {table[Enrollment]} AS enrollment ON enrollment.id = link.enrollment_id "
        "WHERE campaign.id = %s"
    )


def load_postback_rows(
    campaign_id: int, click_id: uuid.UUID | None, now: dt.datetime
) -> PostbackRows | None:
    """Read the campaign, the click, its link's enrollment and the same-IP count at once.

    Returns None when no campaign has ``campaign_id``; ``click`` is None when the
    campaign has no click ``click_id``. The day of the count is the spend day of ``now``.
    """
    sql = _postback_rows_sql(connection.vendor)
    day_start = timezone.make_aware(
        dt.datetime.combine(budgets.spend_day(now), dt.time.min), timezone.get_current_timezone()
    )
    params = [
        connection.ops.adapt_datetimefield_value(day_start),
        connection.ops.adapt_datetimefield_value(day_start + dt.timedelta(days=1)),
        Click._meta.pk.get_db_prep_value(click_id, connection),
        campaign_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    click_start = rows.column_count(Campaign)
    enrollment_start = click_start + rows.column_count(Click)
    count_at = enrollment_start + rows.column_count(Enrollment)
    click = enrollment = None
    if row[click_start] is not None:
        click = rows.instance(Click, row[click_start:enrollment_start])
    if row[enrollment_start] is not None:
        enrollment = rows.instance(Enrollment, row[enrollment_start:count_at])
    return PostbackRows(
        campaign=rows.instance(Campaign, row[:click_start]),
        click=click,
        enrollment=enrollment,
        same_ip_today=row[count_at] or 0,
    )


@dataclass(frozen=True)
class _Attribution:
    click: Click | None
    enrollment: Enrollment | None
    reason: str
    same_ip_today: int = 0


def _attribute(loaded: PostbackRows, click_id: uuid.UUID | None, now: dt.datetime) -> _Attribution:
    # NOTE: with HEXA_CLICK_RECORDING=buffer a click waits in Redis until the next flush,
    # so a postback sent within that interval finds no click and is rejected as no_click.
    click = loaded.click
    if click_id is None or click is None:
        return _Attribution(None, None, Reason.NO_CLICK)
    window = dt.timedelta(days=loaded.campaign.attribution_window_days)
    reason = Reason.OUTSIDE_WINDOW if click.created_at < now - window else Reason.NONE
    return _Attribution(click, loaded.enrollment, reason, loaded.same_ip_today)


def _fraud_flags(campaign: Campaign, attribution: _Attribution, now: dt.datetime) -> list[str]:
    click = attribution.click
    flags = []
    if (now - click.created_at).total_seconds() < campaign.min_click_to_conversion_seconds:
        flags.append(Reason.TOO_FAST.value)
    if click.ip_hash and attribution.same_ip_today >= campaign.max_conversions_per_ip_per_day:
        flags.append(Reason.IP_REPEATED.value)
    if click.is_bot:
        flags.append(Reason.BOT_CLICK.value)
    return flags


def _payout(campaign: Campaign, amount: Decimal) -> Decimal:
    if campaign.kind in (Campaign.Kind.CPA, Campaign.Kind.CPL):
        return campaign.payout_amount
    if campaign.kind == Campaign.Kind.CPS:
        return fx.quantize_money(amount * campaign.payout_percent / 100, campaign.currency)
    # CPC campaigns pay per click, so a conversion adds nothing to the spend.
    return Decimal("0")


def _convert(campaign: Campaign, data: PostbackData, now: dt.datetime) -> tuple[Decimal, Decimal]:
    day = budgets.spend_day(now)
    rate = fx.rate_on(base=data.currency, quote=campaign.currency, day=day)
    if rate is None:
        raise PostbackError(
            _(
                "No exchange rate from %(base)s to %(quote)s is stored for %(day)s or earlier; "
                "ask the campaign manager to add one, or report the amount in %(quote)s."
            )
            % {"base": data.currency, "quote": campaign.currency, "day": day.isoformat()},
            http_status=400,
            code="no_exchange_rate",
            fields={"currency": [_("No exchange rate for this currency.")]},
        )
    amount = fx.quantize_money(data.amount * rate, campaign.currency)
    if amount > MAX_AMOUNT:
        raise _invalid(
            {"amount": [_("The amount parameter is too large in the campaign's currency.")]}
        )
    return amount, rate


def _existing_reply(campaign: Campaign, data: PostbackData) -> Conversion | None:
    existing = Conversion.objects.filter(
        campaign=campaign, transaction_id=data.transaction_id
    ).first()
    if existing is None:
        return None
    if existing.original_amount != data.amount or existing.original_currency != data.currency:
        logger.warning(
            "postback for campaign %s transaction %s conflicts with conversion %s: "
            "got %s %s, stored %s %s",
            campaign.pk,
            data.transaction_id,
            existing.pk,
            data.amount,
            data.currency,
            existing.original_amount,
            existing.original_currency,
        )
        raise PostbackError(
            _(
                "Transaction %(transaction)s was already reported with another amount or "
                "currency; send a new transaction id for a new conversion."
            )
            % {"transaction": data.transaction_id},
            http_status=409,
            code="conflict",
        )
    return existing


@transaction.atomic
def record_conversion(
    *,
    campaign: Campaign,
    data: PostbackData,
    now: dt.datetime,
    loaded: PostbackRows | None = None,
) -> Conversion:
    """Store a conversion, reserve its payout, and publish its events; idempotent.

    The row is inserted first with ``ON CONFLICT DO NOTHING``. When an earlier or
    concurrent postback with the same transaction id already has a row, the insert
    waits for that row's transaction to commit and inserts nothing. The function then
    returns that row, so neither the budget nor the outbox records the repeat.
    Repeats are not looked up before the insert because most postbacks are new.

    ``loaded`` is what ``load_postback_rows`` read for this campaign and
    ``data.click_id``; without it the function reads them itself.
    """
    amount, rate = _convert(campaign, data, now)
    if loaded is None:
        loaded = load_postback_rows(campaign.pk, data.click_id, now)
    attribution = _attribute(loaded, data.click_id, now)
    click = attribution.click
    status, reason, flags = Status.APPROVED, Reason.NONE, []
    if campaign.status in _INACTIVE_STATUSES:
        status, reason = Status.REJECTED, Reason.CAMPAIGN_INACTIVE
    elif attribution.reason:
        status, reason = Status.REJECTED, attribution.reason
    else:
        flags = _fraud_flags(campaign, attribution, now)
        if flags and campaign.fraud_mode == Campaign.FraudMode.REJECT:
            status, reason = Status.REJECTED, flags[0]
    payout = _payout(campaign, amount) if status == Status.APPROVED else Decimal("0")
    attributed = click is not None and reason != Reason.NO_CLICK

    conversion = Conversion(
        campaign=campaign,
        partner_id=click.partner_id if attributed else None,
        enrollment=attribution.enrollment if attributed else None,
        click=click if attributed else None,
        transaction_id=data.transaction_id,
        amount=amount,
        original_amount=data.amount,
        original_currency=data.currency,
        exchange_rate=rate,
        payout=payout,
        status=status,
        reason_code=reason,
        fraud_flags=flags,
        ip_hash=click.ip_hash if attributed else "",
        request_fingerprint=hashlib.sha256(
            f"{data.transaction_id}|{data.amount}|{data.currency}".encode()
        ).hexdigest(),
        created_at=now,
    )
    # A plain create() would need a savepoint to survive the unique violation of a
    # repeat, which costs two round trips on every postback.
    if not rows.insert([conversion], unless_conflict_on=("campaign_id", "transaction_id")):
        existing = _existing_reply(campaign, data)
        if existing is None:
            # The row that blocked the insert was deleted before it could be read.
            raise IntegrityError(f"conversion {data.transaction_id} vanished during a postback")
        return existing

    if status == Status.APPROVED:
        refused = budgets.reserve(
            campaign=campaign,
            enrollment=attribution.enrollment,
            payout=payout,
            day=budgets.spend_day(now),
        )
        if refused is not None:
            conversion.status, conversion.reason_code = Status.HELD, Reason.BUDGET_REACHED
            conversion.save(update_fields=["status", "reason_code"])
            _pause_for_budget(campaign, refused)

    payload = _conversion_payload(conversion, campaign)
    events = [("conversion.recorded", conversion.pk, payload)]
    if conversion.status == Status.APPROVED:
        events.append(("conversion.approved", conversion.pk, payload))
    publish_many(events)
    transaction.on_commit(schedule_fold, robust=True)
    logger.info(
        "conversion %s recorded for campaign %s transaction %s: %s %s",
        conversion.pk,
        campaign.pk,
        conversion.transaction_id,
        conversion.status,
        conversion.reason_code,
    )
    return conversion


def _pause_for_budget(campaign: Campaign, refused: budgets.CapReached) -> None:
    """Pause the campaign and announce the exhausted budget, unless it is already paused.

    ``pause_campaign`` locks the campaign row and re-reads its status, so of many
    concurrent refusals only the first pauses it and publishes the event.
    """
    # NOTE: a partner's own cap pauses the whole campaign too, so other partners'
    # links stop until staff raise that cap and launch the campaign again.
    try:
        pause_campaign(campaign=campaign, actor=None, reason="budget")
    except CampaignError:
        return
    publish(
        "campaign.budget_exhausted",
        aggregate_id=campaign.pk,
        payload={
            "campaign_id": campaign.pk,
            "actor_id": None,
            "scope": refused.scope,
            "partner_id": refused.partner_id,
            "spent": refused.spent,
            "cap": refused.cap,
        },
    )
    logger.info(
        "campaign %s paused: %s budget reached (%s of %s)",
        campaign.pk,
        refused.scope,
        refused.spent,
        refused.cap,
    )


@transaction.atomic
def reverse_conversion(
    *, campaign: Campaign, transaction_id: str, reason: str, now: dt.datetime
) -> Conversion:
    """Reverse a conversion on refund or chargeback and release its payout; idempotent."""
    conversion = (
        Conversion.objects.select_for_update(of=("self",))
        .select_related("enrollment")
        .filter(campaign=campaign, transaction_id=transaction_id)
        .first()
    )
    if conversion is None:
        raise PostbackError(
            _("No conversion of this campaign has the transaction id %(transaction)s.")
            % {"transaction": transaction_id},
            http_status=404,
            code="not_found",
            fields={"transaction_id": [_("Unknown transaction id.")]},
        )
    if conversion.status == Status.REVERSED:
        return conversion
    # NOTE: a reversal always releases the whole payout; partial refunds are not supported.

    previous_status = conversion.status
    if previous_status == Status.APPROVED:
        budgets.release(
            campaign_id=campaign.pk,
            enrollment=conversion.enrollment,
            payout=conversion.payout,
            day=budgets.spend_day(conversion.created_at),
        )
    conversion.status = Status.REVERSED
    conversion.reason_code = reason
    conversion.reversed_at = now
    conversion.save(update_fields=["status", "reason_code", "reversed_at"])
    transaction.on_commit(schedule_fold, robust=True)
    publish(
        "conversion.reversed",
        aggregate_id=conversion.pk,
        payload={
            **_conversion_payload(conversion, campaign),
            "previous_status": previous_status,
        },
    )
    logger.info(
        "conversion %s of campaign %s reversed (%s), was %s",
        conversion.pk,
        campaign.pk,
        reason,
        previous_status,
    )
    return conversion


@transaction.atomic
def release_held(
    *, campaign: Campaign, actor: AbstractBaseUser | None = None, limit: int = 1000
) -> list[Conversion]:
    """Approve held conversions, oldest first, whose payout now fits the budget.

    Staff call it after raising a cap. A conversion counts on the daily counters
    of the day it was recorded, so one held by a daily cap needs that cap raised
    too. Conversions that still do not fit stay held. Returns those approved.
    """
    campaign = Campaign.objects.get(pk=campaign.pk)
    held = list(
        Conversion.objects.select_for_update(of=("self",))
        .select_related("enrollment")
        .filter(campaign=campaign, status=Status.HELD)
        .order_by("created_at", "pk")[:limit]
    )
    approved = []
    for conversion in held:
        refused = budgets.reserve(
            campaign=campaign,
            enrollment=conversion.enrollment,
            payout=conversion.payout,
            day=budgets.spend_day(conversion.created_at),
        )
        if refused is not None:
            continue
        conversion.status, conversion.reason_code = Status.APPROVED, Reason.NONE
        conversion.save(update_fields=["status", "reason_code"])
        publish(
            "conversion.approved",
            aggregate_id=conversion.pk,
            payload=_conversion_payload(conversion, campaign),
        )
        approved.append(conversion)
    if approved:
        transaction.on_commit(schedule_fold, robust=True)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    logger.info(
        "campaign %s: %d of %d held conversions approved by %s",
        campaign.pk,
        len(approved),
        len(held),
        actor_id,
    )
    return approved
