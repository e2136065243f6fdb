"""Folding of recorded clicks and conversions into hourly metric buckets.

A fold claims a bounded batch of unfolded rows with ``FOR UPDATE SKIP LOCKED``, adds
their counts to the (campaign, partner, hour) buckets with an upsert that adds to
the stored values, and marks the rows folded, all in one transaction. Two workers
therefore claim disjoint rows, and each row is counted exactly once.

Clicks count when billable, and unique clicks when billable and unique. A conversion
counts (one conversion, its amount as revenue and its payout) while it is approved.
Each fold adds the difference between the conversion's current status and
``folded_status``, the status already reflected in the buckets. So a conversion
approved, folded and later reversed is folded again as a negative delta in the hour
it was recorded. A conversion whose status changes is picked up again because its
status no longer equals ``folded_status``, whoever changed it.

Bucket hours are truncated in UTC. Every reporting time zone with whole-hour offsets
from UTC, America/Bogota included, can regroup them into its own days.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q

from campaigns import live
from campaigns.models import Click, Conversion, MetricBucket

logger = logging.getLogger(__name__)

DEBOUNCE_CACHE_KEY = "campaigns:fold-scheduled"
APPROVED = Conversion.Status.APPROVED


@dataclass
class FoldResult:
    """Rows claimed by one or more folds and the campaigns whose buckets changed."""

    clicks: int = 0
    conversions: int = 0
    campaign_ids: set[int] = field(default_factory=set)

    def add(self, other: FoldResult) -> None:
        self.clicks += other.clicks
        self.conversions += other.conversions
        self.campaign_ids |= other.campaign_ids


def batch_size() -> int:
    return settings.CAMPAIGNS_FOLD_BATCH_SIZE


def fold_batch(*, limit: int | None = None) -> FoldResult:
    """Fold at most ``limit`` clicks and ``limit`` conversions in one transaction.

    Live dashboards hear about the changed campaigns after the commit.
    """
    limit = limit or batch_size()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            result = _fold_postgresql(limit)
        else:
            result = _fold_portable(limit)
        if result.campaign_ids:
            changed = sorted(result.campaign_ids)
            transaction.on_commit(lambda: live.campaigns_changed(changed))
    return result


def fold_pending(*, limit: int | None = None, max_batches: int = 50) -> FoldResult:
    """Fold batches until no unfolded row is left or ``max_batches`` batches ran."""
    limit = limit or batch_size()
    total = FoldResult()
    for _batch in range(max_batches):
        result = fold_batch(limit=limit)
        total.add(result)
        if result.clicks < limit and result.conversions < limit:
            break
    if total.clicks or total.conversions:
        logger.info(
            "folded %s clicks and %s conversions into %s campaigns",
            total.clicks,
            total.conversions,
            len(total.campaign_ids),
        )
    return total


# When the fold task that this process queued last is due, in time.monotonic() seconds.
_queued_fold_due = 0.0


def schedule_fold() -> bool:
    """Queue a fold unless one was queued within the debounce window; return whether it was.

    Click and postback recording call this after their transaction commits. Under load
    many events share one task: the task runs at the end of the window, so it folds
    every row committed during it. With a window of 0 (the default in the embedded
    mode, where tasks run in-process) every call folds at once.

    The window is shared by all processes through a cache key whose value is the
    time the queued task runs. A process remembers that time, from its own queuing
    or from the key, and until then skips the cache round trip: the task has not
    started yet, so it will fold the new rows too.
    """
    from campaigns.tasks import fold_metrics_task

    global _queued_fold_due
    window = settings.CAMPAIGNS_FOLD_DEBOUNCE_SECONDS
    if window <= 0:
        fold_metrics_task.delay()
        return True
    now = time.monotonic()
    if now < _queued_fold_due:
        return False
    due = time.time() + window
    if not cache.add(DEBOUNCE_CACHE_KEY, due, timeout=window):
        queued_due = cache.get(DEBOUNCE_CACHE_KEY)
        if isinstance(queued_due, float):
            _queued_fold_due = now + min(max(queued_due - time.time(), 0.0), window)
        return False
    try:
        fold_metrics_task.apply_async(countdown=window)
    except Exception:
        # The beat job folds every few seconds anyway, so a broker outage only delays metrics.
        cache.delete(DEBOUNCE_CACHE_KEY)
        logger.warning("fold task not queued; the beat job will fold later", exc_info=True)
        return False
    _queued_fold_due = now + window
    return True


def forget_queued_fold() -> None:
    """Make the next ``schedule_fold`` ask the cache again; for tests that clear the cache."""
    global _queued_fold_due
    _queued_fold_due = 0.0


# PostgreSQL: one statement claims, marks and upserts, so rows never travel to Python.
# Every CTE reads the same snapshot: ``claimed_*`` sees the values before the update,
# which is how the old folded status reaches the delta. Bucket rows are upserted
# in key order, so two concurrent folds lock shared buckets in the same order.
_FOLD_SQL = """
WITH claimed_clicks AS (
    SELECT id FROM campaigns_click
    WHERE NOT folded
    ORDER BY created_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked_clicks AS (
    UPDATE campaigns_click AS click SET folded = true
    FROM claimed_clicks
    WHERE click.id = claimed_clicks.id
    RETURNING click.campaign_id, click.partner_id, click.created_at,
              click.is_billable, click.is_unique
), claimed_conversions AS (
    SELECT id, folded_status FROM campaigns_conversion
    WHERE NOT folded OR NOT (status = folded_status)
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked_conversions AS (
    UPDATE campaigns_conversion AS conversion
    SET folded = true, folded_status = conversion.status
    FROM claimed_conversions
    WHERE conversion.id = claimed_conversions.id
    RETURNING conversion.campaign_id, conversion.partner_id, conversion.created_at,
              conversion.amount, conversion.payout,
              (conversion.status = %(approved)s)::int
                - (claimed_conversions.folded_status = %(approved)s)::int AS sign
), deltas AS (
    SELECT campaign_id, partner_id, created_at,
           1 AS clicks, is_unique::int AS unique_clicks, 0 AS conversions,
           0 AS revenue, 0 AS payout
    FROM marked_clicks
    WHERE is_billable
    UNION ALL
    SELECT campaign_id, partner_id, created_at, 0, 0, sign, sign * amount, sign * payout
    FROM marked_conversions
    WHERE sign <> 0
), grouped AS (
    SELECT campaign_id, partner_id,
           date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket_hour,
           sum(clicks) AS clicks, sum(unique_clicks) AS unique_clicks,
           sum(conversions) AS conversions, sum(revenue) AS revenue, sum(payout) AS payout
    FROM deltas
    WHERE campaign_id IS NOT NULL AND partner_id IS NOT NULL
    GROUP BY campaign_id, partner_id, bucket_hour
), upserted AS (
    INSERT INTO campaigns_metricbucket
        (campaign_id, partner_id, hour, clicks, unique_clicks, conversions, revenue, payout)
    SELECT campaign_id, partner_id, bucket_hour,
           clicks, unique_clicks, conversions, revenue, payout
    FROM grouped
    WHERE conversions >= 0
    ORDER BY campaign_id, partner_id, bucket_hour
    ON CONFLICT (campaign_id, partner_id, hour) DO UPDATE SET
        clicks = campaigns_metricbucket.clicks + EXCLUDED.clicks,
        unique_clicks = campaigns_metricbucket.unique_clicks + EXCLUDED.unique_clicks,
        conversions = campaigns_metricbucket.conversions + EXCLUDED.conversions,
        revenue = campaigns_metricbucket.revenue + EXCLUDED.revenue,
        payout = campaigns_metricbucket.payout + EXCLUDED.payout
    RETURNING campaign_id
), reduced AS (
    -- A negative count would fail the column's CHECK (>= 0) as a candidate insert row,
    -- even though the conflict would turn it into an update. Such a delta only comes
    -- from reversing a conversion whose approval was folded, so its bucket exists.
    UPDATE campaigns_metricbucket AS bucket SET
        clicks = bucket.clicks + grouped.clicks,
        unique_clicks = bucket.unique_clicks + grouped.unique_clicks,
        conversions = bucket.conversions + grouped.conversions,
        revenue = bucket.revenue + grouped.revenue,
        payout = bucket.payout + grouped.payout
    FROM grouped
    WHERE grouped.conversions < 0
      AND bucket.campaign_id = grouped.campaign_id
      AND bucket.partner_id = grouped.partner_id
      AND bucket.hour = grouped.bucket_hour
    RETURNING bucket.campaign_id
)
SELECT
    (SELECT count(*) FROM marked_clicks),
    (SELECT count(*) FROM marked_conversions),
    (SELECT coalesce(array_agg(DISTINCT campaign_id), '{}')
     FROM (SELECT campaign_id FROM upserted UNION ALL SELECT campaign_id FROM reduced) AS changed)
"""


def _fold_postgresql(limit: int) -> FoldResult:
    with connection.cursor() as cursor:
        cursor.execute(_FOLD_SQL, {"limit": limit, "approved": APPROVED.value})
        clicks, conversions, campaign_ids = cursor.fetchone()
    return FoldResult(clicks=clicks, conversions=conversions, campaign_ids=set(campaign_ids))


# The portable path (SQLite in the embedded mode) aggregates in Python and adds with
# F() updates. SQLite ignores FOR UPDATE, but its IMMEDIATE transactions already
# serialise writers, so two folds cannot claim the same rows there either.


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _fold_portable(limit: int) -> FoldResult:
    deltas: dict[tuple[int, int, datetime], dict[str, Decimal | int]] = defaultdict(
        lambda: {"clicks": 0, "unique_clicks": 0, "conversions": 0, "revenue": 0, "payout": 0}
    )

    clicks = list(
        Click.objects.select_for_update(skip_locked=True)
        .filter(folded=False)
        .order_by("created_at")
        .values("id", "campaign_id", "partner_id", "created_at", "is_billable", "is_unique")[:limit]
    )
    for click in clicks:
        if not click["is_billable"] or click["campaign_id"] is None or click["partner_id"] is None:
            continue
        delta = deltas[(click["campaign_id"], click["partner_id"], _hour(click["created_at"]))]
        delta["clicks"] += 1
        delta["unique_clicks"] += 1 if click["is_unique"] else 0
    Click.objects.filter(pk__in=[click["id"] for click in clicks]).update(folded=True)

    conversions = list(
        Conversion.objects.select_for_update(skip_locked=True)
        .filter(Q(folded=False) | ~Q(status=F("folded_status")))
        .order_by("id")
        .values("id", "campaign_id", "partner_id", "created_at", "amount", "payout", "status")
        .annotate(previous_status=F("folded_status"))[:limit]
    )
    for conversion in conversions:
        sign = int(conversion["status"] == APPROVED) - int(
            conversion["previous_status"] == APPROVED
        )
        Conversion.objects.filter(pk=conversion["id"]).update(
            folded=True, folded_status=conversion["status"]
        )
        if sign == 0 or conversion["partner_id"] is None:
            continue
        key = (conversion["campaign_id"], conversion["partner_id"], _hour(conversion["created_at"]))
        deltas[key]["conversions"] += sign
        deltas[key]["revenue"] += sign * conversion["amount"]
        deltas[key]["payout"] += sign * conversion["payout"]

    for (campaign_id, partner_id, hour), delta in sorted(deltas.items()):
        updated = MetricBucket.objects.filter(
            campaign_id=campaign_id, partner_id=partner_id, hour=hour
        ).update(**{name: F(name) + value for name, value in delta.items()})
        if not updated:
            MetricBucket.objects.create(
                campaign_id=campaign_id, partner_id=partner_id, hour=hour, **delta
            )

    return FoldResult(
        clicks=len(clicks),
        conversions=len(conversions),
        campaign_ids={campaign_id for campaign_id, _partner, _hour in deltas},
    )
