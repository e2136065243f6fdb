"""Budget reservation and release, and the pacing figures shown to staff and partners.

``reserve`` and ``release`` run inside the caller's transaction: the postback
service reserves a conversion's payout in the same transaction that stores the
conversion, so a rollback undoes both. Every cap is enforced by a conditional
statement that only changes a counter while its new total stays within the cap,
and it checks the row version it has locked, so concurrent reservations can never
overspend, whatever their interleaving. Both functions update the counters in one
fixed order (enrollment, enrollment day, campaign day, campaign) so two
transactions never wait on each other's rows in opposite orders. The campaign's
rows come last because every conversion of the campaign locks them: taken last,
they stay locked for the shortest time before the commit.

Reservation is the hot path of every postback, so each counter is one short SQL
statement and no savepoint guards them. When a later counter refuses, the earlier
ones are taken back by the same transaction while it still holds their row locks,
so no other transaction ever sees the intermediate totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone

from campaigns.models import Campaign, DailySpend, Enrollment

CAMPAIGN_SCOPE = "campaign"


def partner_scope(partner_id: int) -> str:
    """Return the ``DailySpend.scope`` of one partner's counter."""
    return f"partner:{partner_id}"


@dataclass(frozen=True)
class CapReached:
    """The cap that a reservation would have exceeded, with the spend it found."""

    scope: str  # campaign_total, campaign_daily, partner_total or partner_daily
    partner_id: int | None
    spent: Decimal
    cap: Decimal


def spend_day(moment: dt.datetime) -> dt.date:
    """Return the day, in the site's time zone, whose daily counters ``moment`` counts on."""
    return timezone.localdate(moment)


def reserve(
    *, campaign: Campaign, enrollment: Enrollment | None, payout: Decimal, day: dt.date
) -> CapReached | None:
    """Add ``payout`` to every spend counter, or to none when any cap would be exceeded.

    Returns None when the payout was reserved, else the first cap that rejected it,
    checked in the order partner total, partner daily, campaign daily, campaign total.
    Total caps are read from the locked rows; daily caps are read from ``campaign``
    and ``enrollment`` as given, so callers pass fresh rows, and a daily cap lowered
    concurrently applies from the next reservation on.
    """
    if payout <= 0:
        return None
    taken: list[tuple[str, int | None]] = []
    refused = None
    if enrollment is not None:
        partner_id = enrollment.partner_id
        if not _add_to_total(Enrollment, enrollment.pk, payout):
            refused = _total_refusal(Enrollment, enrollment.pk, "partner_total", partner_id)
        elif not _add_to_day(campaign.pk, partner_scope(partner_id), day, payout, enrollment):
            taken.append(("enrollment", enrollment.pk))
            refused = _day_refusal(campaign.pk, day, enrollment)
        else:
            taken += [("enrollment", enrollment.pk), ("partner_day", partner_id)]
    if refused is None:
        if not _add_to_day(campaign.pk, CAMPAIGN_SCOPE, day, payout, campaign):
            refused = _day_refusal(campaign.pk, day, campaign)
        elif not _add_to_total(Campaign, campaign.pk, payout):
            taken.append(("campaign_day", None))
            refused = _total_refusal(Campaign, campaign.pk, "campaign_total", None)
        else:
            return None
    _take_back(campaign.pk, day, payout, taken)
    return refused


def release(
    *, campaign_id: int, enrollment: Enrollment | None, payout: Decimal, day: dt.date
) -> None:
    """Take ``payout`` back from every counter that ``reserve`` added it to on ``day``."""
    if payout <= 0:
        return
    counters: list[tuple[str, int | None]] = [("campaign_day", None), ("campaign", campaign_id)]
    if enrollment is not None:
        counters = [
            ("enrollment", enrollment.pk),
            ("partner_day", enrollment.partner_id),
            *counters,
        ]
    _take_back(campaign_id, day, payout, counters)


def _take_back(
    campaign_id: int, day: dt.date, payout: Decimal, counters: list[tuple[str, int | None]]
) -> None:
    for counter, key in counters:
        if counter == "enrollment":
            Enrollment.objects.filter(pk=key).update(spent=F("spent") - payout)
        elif counter == "campaign":
            Campaign.objects.filter(pk=key).update(spent=F("spent") - payout)
        else:
            scope = CAMPAIGN_SCOPE if counter == "campaign_day" else partner_scope(key)
            DailySpend.objects.filter(campaign_id=campaign_id, scope=scope, day=day).update(
                spent=F("spent") - payout
            )


def _add_to_total(model: type[Campaign] | type[Enrollment], pk: int, payout: Decimal) -> bool:
    """Add ``payout`` to the row's ``spent`` unless that passes its ``total_budget``."""
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"UPDATE {table} SET spent = spent + %s WHERE id = %s "
        "AND (total_budget IS NULL OR spent + %s <= total_budget) RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payout, pk, payout])
        return cursor.fetchone() is not None


def _add_to_day(
    campaign_id: int, scope: str, day: dt.date, payout: Decimal, owner: Campaign | Enrollment
) -> bool:
    """Insert the day's counter when missing, else add to it while it stays within the cap.

    ``owner`` carries the daily cap. One INSERT ... ON CONFLICT DO UPDATE ... WHERE
    statement does both, so two first conversions of a day cannot both insert. The
    WHERE of the UPDATE branch checks the cap against the row version it has locked.
    """
    cap = owner.daily_budget
    if cap is not None and payout > cap:
        return False
    table = connection.ops.quote_name(DailySpend._meta.db_table)
    sql = (
        f"INSERT INTO {table} (campaign_id, scope, day, spent) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (campaign_id, scope, day) DO UPDATE SET spent = {table}.spent + %s"
    )
    params: list = [campaign_id, scope, day, payout, payout]
    if cap is not None:
        # SQLite binds a Decimal as text, and text compares greater than any number.
        sql += f" WHERE {table}.spent + %s <= CAST(%s AS NUMERIC)"
        params += [payout, cap]
    sql += " RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _total_refusal(
    model: type[Campaign] | type[Enrollment], pk: int, scope: str, partner_id: int | None
) -> CapReached:
    spent, cap = model.objects.filter(pk=pk).values_list("spent", "total_budget").get()
    return CapReached(scope, partner_id, spent, cap)


def _day_refusal(campaign_id: int, day: dt.date, owner: Campaign | Enrollment) -> CapReached:
    if isinstance(owner, Enrollment):
        scope_name, scope, partner_id = (
            "partner_daily",
            partner_scope(owner.partner_id),
            owner.partner_id,
        )
    else:
        scope_name, scope, partner_id = "campaign_daily", CAMPAIGN_SCOPE, None
    return CapReached(
        scope_name, partner_id, _day_spent(campaign_id, scope, day), owner.daily_budget
    )


def _day_spent(campaign_id: int, scope: str, day: dt.date) -> Decimal:
    spent = (
        DailySpend.objects.filter(campaign_id=campaign_id, scope=scope, day=day)
        .values_list("spent", flat=True)
        .first()
    )
    return spent if spent is not None else Decimal("0")


# Selectors


@dataclass(frozen=True)
class Pacing:
    """A campaign's spending of its total budget compared with its schedule.

    ``elapsed_fraction`` is the share of the time between start and end that has
    passed (None without both dates). ``pace_ratio`` is the share of the budget
    spent divided by ``elapsed_fraction``: above 1 the budget runs out before the
    end date. ``projected_exhaustion`` extrapolates the average spend per second
    since the start. It is None without a total budget, without spend, or when
    the projection falls after the end date. Once the budget is spent it is the
    current time.
    """

    spent: Decimal
    cap: Decimal | None
    elapsed_fraction: float | None
    pace_ratio: float | None
    projected_exhaustion: dt.datetime | None
    spent_today: Decimal
    daily_cap: Decimal | None


def pacing(campaign: Campaign, *, now: dt.datetime | None = None) -> Pacing:
    """Return the pacing figures of ``campaign`` at ``now`` (default: the current time)."""
    now = now or timezone.now()
    spent = campaign.spent
    cap = campaign.total_budget
    start = campaign.starts_at or campaign.created_at

    elapsed_fraction = None
    if campaign.starts_at and campaign.ends_at and campaign.ends_at > campaign.starts_at:
        elapsed = (now - campaign.starts_at) / (campaign.ends_at - campaign.starts_at)
        elapsed_fraction = min(max(elapsed, 0.0), 1.0)

    pace_ratio = None
    if cap and elapsed_fraction:
        pace_ratio = float(spent / cap) / elapsed_fraction

    return Pacing(
        spent=spent,
        cap=cap,
        elapsed_fraction=elapsed_fraction,
        pace_ratio=pace_ratio,
        projected_exhaustion=_projected_exhaustion(campaign, start, now),
        spent_today=_day_spent(campaign.pk, CAMPAIGN_SCOPE, spend_day(now)),
        daily_cap=campaign.daily_budget,
    )


def _projected_exhaustion(
    campaign: Campaign, start: dt.datetime, now: dt.datetime
) -> dt.datetime | None:
    cap, spent = campaign.total_budget, campaign.spent
    if cap is None:
        return None
    if spent >= cap:
        return now
    seconds_running = (now - start).total_seconds()
    if spent <= 0 or seconds_running <= 0:
        return None
    spend_per_second = float(spent) / seconds_running
    projected = now + dt.timedelta(seconds=float(cap - spent) / spend_per_second)
    if campaign.ends_at is not None and projected > campaign.ends_at:
        return None
    return projected
