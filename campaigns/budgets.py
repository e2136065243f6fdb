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
so no other transaction can read the intermediate totals.
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
    counters = _counters(enrollment)
    # A payout above a daily cap can never fit, so that counter rejects it before any SQL.
    rejected_by = None
    for position, counter in enumerate(counters):
        owner = {"partner_day": enrollment, "campaign_day": campaign}.get(counter)
        if owner is not None and owner.daily_budget is not None and payout > owner.daily_budget:
            counters, rejected_by = counters[:position], counter
            break
    added = 0
    if counters:
        add = _add_in_one_statement if connection.vendor == "postgresql" else _add_one_by_one
        added = add(campaign, enrollment, payout, day, counters)
    if added < len(counters):
        rejected_by = counters[added]
    if rejected_by is None:
        return None
    _take_back(campaign.pk, enrollment, day, payout, counters[:added])
    return _refusal(rejected_by, campaign, enrollment, day)


def release(
    *, campaign_id: int, enrollment: Enrollment | None, payout: Decimal, day: dt.date
) -> None:
    """Take ``payout`` back from every counter that ``reserve`` added it to on ``day``."""
    if payout <= 0:
        return
    _take_back(campaign_id, enrollment, day, payout, _counters(enrollment))


def _counters(enrollment: Enrollment | None) -> list[str]:
    """Return the spend counters a payout goes to, in the order they are locked."""
    if enrollment is None:
        return ["campaign_day", "campaign"]
    return ["enrollment", "partner_day", "campaign_day", "campaign"]


def _take_back(
    campaign_id: int,
    enrollment: Enrollment | None,
    day: dt.date,
    payout: Decimal,
    counters: list[str],
) -> None:
    for counter in counters:
        if counter == "enrollment":
            Enrollment.objects.filter(pk=enrollment.pk).update(spent=F("spent") - payout)
        elif counter == "campaign":
            Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") - payout)
        else:
            scope = (
                CAMPAIGN_SCOPE
                if counter == "campaign_day"
                else partner_scope(enrollment.partner_id)
            )
            DailySpend.objects.filter(campaign_id=campaign_id, scope=scope, day=day).update(
                spent=F("spent") - payout
            )


def _add_one_by_one(
    campaign: Campaign,
    enrollment: Enrollment | None,
    payout: Decimal,
    day: dt.date,
    counters: list[str],
) -> int:
    """Add ``payout`` to ``counters`` in order until one rejects it; return how many took it."""
    for added, counter in enumerate(counters):
        if counter == "enrollment":
            took = _add_to_total(Enrollment, enrollment.pk, payout)
        elif counter == "partner_day":
            took = _add_to_day(
                campaign.pk, partner_scope(enrollment.partner_id), day, payout, enrollment
            )
        elif counter == "campaign_day":
            took = _add_to_day(campaign.pk, CAMPAIGN_SCOPE, day, payout, campaign)
        else:
            took = _add_to_total(Campaign, campaign.pk, payout)
        if not took:
            return added
    return len(counters)


def _add_in_one_statement(
    campaign: Campaign,
    enrollment: Enrollment | None,
    payout: Decimal,
    day: dt.date,
    counters: list[str],
) -> int:
    """Do what ``_add_one_by_one`` does in one PostgreSQL statement, saving three round trips.

    Each data-modifying CTE reads the previous one, so it only runs once the previous
    counter took the payout, and the outer SELECT reads them in order, which keeps
    the lock order of ``_add_one_by_one``.
    """
    quote_name = connection.ops.quote_name
    daily = quote_name(DailySpend._meta.db_table)
    params: dict = {"payout": payout, "campaign": campaign.pk, "day": day}
    steps: list[tuple[str, str]] = []
    source = ""
    for counter in counters:
        if counter in ("enrollment", "campaign"):
            model = Enrollment if counter == "enrollment" else Campaign
            params[f"{counter}_id"] = enrollment.pk if counter == "enrollment" else campaign.pk
            guard = f" AND EXISTS (SELECT 1 FROM {source})" if source else ""
            sql = (
                f"UPDATE {quote_name(model._meta.db_table)} SET spent = spent + %(payout)s "
                f"WHERE id = %({counter}_id)s{guard} "
                "AND (total_budget IS NULL OR spent + %(payout)s <= total_budget) RETURNING id"
            )
        else:
            owner = enrollment if counter == "partner_day" else campaign
            params[f"{counter}_scope"] = (
                partner_scope(enrollment.partner_id) if counter == "partner_day" else CAMPAIGN_SCOPE
            )
            params[f"{counter}_cap"] = owner.daily_budget
            sql = (
                f"INSERT INTO {daily} AS counter (campaign_id, scope, day, spent) "
                f"SELECT %(campaign)s, %({counter}_scope)s, %(day)s, %(payout)s"
                f"{f' FROM {source}' if source else ''} "
                "ON CONFLICT (campaign_id, scope, day) DO UPDATE "
                "SET spent = counter.spent + EXCLUDED.spent "
                f"WHERE CAST(%({counter}_cap)s AS numeric) IS NULL "
                f"OR counter.spent + EXCLUDED.spent <= CAST(%({counter}_cap)s AS numeric) "
                "RETURNING id"
            )
        steps.append((f"added_{counter}", sql))
        source = f"added_{counter}"
    ctes = ", ".join(f"{name} AS ({sql})" for name, sql in steps)
    counts = ", ".join(f"(SELECT COUNT(*) FROM {name})" for name, _sql in steps)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT {counts}", params)
        return sum(cursor.fetchone())


def _refusal(
    counter: str, campaign: Campaign, enrollment: Enrollment | None, day: dt.date
) -> CapReached:
    if counter == "enrollment":
        spent, cap = Enrollment.objects.values_list("spent", "total_budget").get(pk=enrollment.pk)
        return CapReached("partner_total", enrollment.partner_id, spent, cap)
    if counter == "campaign":
        spent, cap = Campaign.objects.values_list("spent", "total_budget").get(pk=campaign.pk)
        return CapReached("campaign_total", None, spent, cap)
    if counter == "partner_day":
        spent = _day_spent(campaign.pk, partner_scope(enrollment.partner_id), day)
        return CapReached("partner_daily", enrollment.partner_id, spent, enrollment.daily_budget)
    spent = _day_spent(campaign.pk, CAMPAIGN_SCOPE, day)
    return CapReached("campaign_daily", None, spent, campaign.daily_budget)


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
