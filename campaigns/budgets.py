"""Budget reservation and release, and the pacing figures shown to staff and partners.

``reserve`` and ``release`` run inside the caller's transaction: the postback
service reserves a conversion's payout in the same transaction that stores the
conversion, so a rollback undoes both. Every cap is enforced by a conditional
UPDATE that only matches while the new total stays within the cap, so concurrent
reservations can never overspend, whatever their interleaving. Both functions
update the counters in one fixed order (enrollment, enrollment day, campaign day,
campaign) so two transactions never wait on each other's rows in opposite orders.
The campaign's rows come last because every conversion of the campaign locks
them: taken last, they stay locked for the shortest time before the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
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


class _Refused(Exception):
    def __init__(self, cap: CapReached):
        super().__init__(cap.scope)
        self.cap = cap


def spend_day(moment: dt.datetime) -> dt.date:
    """Return the day, in the site's time zone, whose daily counters ``moment`` counts on."""
    return timezone.localdate(moment)


def reserve(
    *, campaign: Campaign, enrollment: Enrollment | None, payout: Decimal, day: dt.date
) -> CapReached | None:
    """Add ``payout`` to every spend counter, or to none when any cap would be exceeded.

    Returns None when the payout was reserved, else the first cap that rejected it,
    checked in the order partner total, partner daily, campaign daily, campaign total.
    Caps are read from ``campaign`` and ``enrollment`` as given: callers pass fresh
    rows, and a cap lowered concurrently applies from the next reservation on.
    """
    if payout <= 0:
        return None
    try:
        with transaction.atomic():
            if enrollment is not None:
                _add_to_enrollment(enrollment, payout)
                _add_to_day(
                    campaign,
                    partner_scope(enrollment.partner_id),
                    day,
                    payout,
                    enrollment.daily_budget,
                    enrollment.partner_id,
                )
            _add_to_day(campaign, CAMPAIGN_SCOPE, day, payout, campaign.daily_budget, None)
            _add_to_campaign(campaign, payout)
    except _Refused as refused:
        return refused.cap
    return None


def release(
    *, campaign_id: int, enrollment: Enrollment | None, payout: Decimal, day: dt.date
) -> None:
    """Take ``payout`` back from every counter that ``reserve`` added it to on ``day``."""
    if payout <= 0:
        return
    if enrollment is not None:
        Enrollment.objects.filter(pk=enrollment.pk).update(spent=F("spent") - payout)
        DailySpend.objects.filter(
            campaign_id=campaign_id, scope=partner_scope(enrollment.partner_id), day=day
        ).update(spent=F("spent") - payout)
    DailySpend.objects.filter(campaign_id=campaign_id, scope=CAMPAIGN_SCOPE, day=day).update(
        spent=F("spent") - payout
    )
    Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") - payout)


def _add_to_campaign(campaign: Campaign, payout: Decimal) -> None:
    within_cap = Q(total_budget__isnull=True) | Q(total_budget__gte=F("spent") + payout)
    updated = (
        Campaign.objects.filter(pk=campaign.pk).filter(within_cap).update(spent=F("spent") + payout)
    )
    if updated != 1:
        current = Campaign.objects.filter(pk=campaign.pk).values_list("spent", "total_budget")
        spent, cap = current.get()
        raise _Refused(CapReached("campaign_total", None, spent, cap))


def _add_to_enrollment(enrollment: Enrollment, payout: Decimal) -> None:
    within_cap = Q(total_budget__isnull=True) | Q(total_budget__gte=F("spent") + payout)
    updated = (
        Enrollment.objects.filter(pk=enrollment.pk)
        .filter(within_cap)
        .update(spent=F("spent") + payout)
    )
    if updated != 1:
        current = Enrollment.objects.filter(pk=enrollment.pk).values_list("spent", "total_budget")
        spent, cap = current.get()
        raise _Refused(CapReached("partner_total", enrollment.partner_id, spent, cap))


def _add_to_day(
    campaign: Campaign,
    scope: str,
    day: dt.date,
    payout: Decimal,
    cap: Decimal | None,
    partner_id: int | None,
) -> None:
    """Insert the day's counter when missing, else add to it while it stays within ``cap``.

    One INSERT ... ON CONFLICT DO UPDATE ... WHERE statement does both, so two
    first conversions of a day cannot both insert. The WHERE of the UPDATE branch
    checks the cap against the row version it has locked.
    """
    scope_name = "partner_daily" if partner_id is not None else "campaign_daily"
    if cap is not None and payout > cap:
        raise _Refused(CapReached(scope_name, partner_id, _day_spent(campaign, scope, day), cap))
    table = connection.ops.quote_name(DailySpend._meta.db_table)
    sql = (
        f"INSERT INTO {table} (campaign_id, scope, day, spent) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT (campaign_id, scope, day) DO UPDATE SET spent = {table}.spent + %s"
    )
    params: list = [campaign.pk, scope, day, payout, payout]
    if cap is not None:
        sql += f" WHERE {table}.spent + %s <= %s"
        params += [payout, cap]
    sql += " RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted_or_updated = cursor.fetchone() is not None
    if not inserted_or_updated:
        raise _Refused(CapReached(scope_name, partner_id, _day_spent(campaign, scope, day), cap))


def _day_spent(campaign: Campaign, scope: str, day: dt.date) -> Decimal:
    spent = (
        DailySpend.objects.filter(campaign=campaign, scope=scope, day=day)
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
        spent_today=_day_spent(campaign, CAMPAIGN_SCOPE, spend_day(now)),
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
