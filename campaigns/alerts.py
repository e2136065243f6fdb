"""Alerts on a campaign's hourly series: staff thresholds and a robust anomaly detector.

The anomaly detector compares an hour's clicks or conversions with the preceding
hours using the median and the median absolute deviation (MAD), which a few earlier
spikes do not distort the way a mean and a standard deviation would. The robust
z-score is ``(value - median) / (1.4826 * MAD)``. The factor 1.4826 makes the MAD
estimate a standard deviation for normally distributed data, and scores above 3.5
are the usual outlier cut (Iglewicz and Hoaglin, "How to Detect and Handle
Outliers", 1993).

Each alert is unique per campaign, kind, metric and hour, so running the job again
for the same hours adds nothing. A new alert publishes ``alert.raised``.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import selectors
from campaigns.models import Alert, AlertRule, Campaign, DailySpend
from hexabuilders.events import publish

logger = logging.getLogger(__name__)

Z_SCORE_THRESHOLD = 3.5
MAD_SCALE = 1.4826
# Hours of history the detector needs before it judges an hour, and the most it reads.
MIN_HISTORY_HOURS = 24
MAX_HISTORY_HOURS = 7 * 24
# Counts this close to the median are never anomalies, however flat the history:
# a campaign with 0 clicks every hour would otherwise alert on its first 2 clicks.
MIN_ANOMALY_DELTA = 5
# The job looks back this many complete hours, so a missed run is caught up next time.
LOOKBACK_HOURS = 3
# A conversion-rate rule needs this many clicks in its trailing 24 hours.
MIN_CLICKS_FOR_RATE = 50
ANOMALY_METRICS = ("clicks", "conversions")


@dataclass(frozen=True)
class Anomaly:
    value: int
    median: float
    z_score: float


def robust_z_score(value: float, history: list[float]) -> float | None:
    """Return the robust z-score of ``value`` against ``history``, or None when it is flat.

    When more than half of the history equals its median the MAD is 0. The mean
    absolute deviation scaled by 1.2533 then replaces it, because that is the same
    standard deviation estimate for normal data. A history with no spread returns None.
    """
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    if mad > 0:
        return (value - median) / (MAD_SCALE * mad)
    mean_deviation = statistics.fmean(abs(x - median) for x in history)
    if mean_deviation > 0:
        return (value - median) / (1.2533 * mean_deviation)
    return None


def detect_anomaly(value: int, history: list[int]) -> Anomaly | None:
    """Return the anomaly when ``value`` is far from a long enough ``history``, else None."""
    if len(history) < MIN_HISTORY_HOURS:
        return None
    median = statistics.median(history)
    if abs(value - median) < MIN_ANOMALY_DELTA:
        return None
    score = robust_z_score(value, history)
    if score is None:
        # A perfectly flat history makes any change of MIN_ANOMALY_DELTA or more an anomaly.
        score = float("inf") if value > median else float("-inf")
    if abs(score) <= Z_SCORE_THRESHOLD:
        return None
    return Anomaly(value=value, median=median, z_score=score)


def _decimal(value: float | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def raise_alert(
    *,
    campaign: Campaign,
    kind: str,
    metric: str,
    hour: dt.datetime,
    value,
    expected,
    message: str,
    rule: AlertRule | None = None,
) -> Alert | None:
    """Store an alert and publish ``alert.raised``; return None when it already exists."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                campaign=campaign,
                rule=rule,
                kind=kind,
                metric=metric,
                hour=hour,
                value=_decimal(value),
                expected=None if expected is None else _decimal(expected),
                message=message,
            )
            publish(
                "alert.raised",
                aggregate_id=campaign.pk,
                payload={
                    "alert_id": alert.pk,
                    "campaign_id": campaign.pk,
                    "kind": kind,
                    "metric": metric,
                    "hour": hour,
                    "value": alert.value,
                    "expected": alert.expected,
                    "message": message,
                },
            )
    except IntegrityError:
        return None
    logger.info("alert %s raised for campaign %s: %s %s", alert.pk, campaign.pk, kind, metric)
    return alert


def _already_raised(campaign: Campaign, kind: str, metric: str, hour: dt.datetime) -> bool:
    return Alert.objects.filter(campaign=campaign, kind=kind, metric=metric, hour=hour).exists()


def _anomaly_message(metric: str, hour: dt.datetime, anomaly: Anomaly) -> str:
    local_hour = hour.astimezone(selectors.campaign_zone()).strftime("%Y-%m-%d %H:00")
    labels = {"clicks": _("Clicks"), "conversions": _("Conversions")}
    if anomaly.z_score > 0:
        template = _(
            "%(metric)s at %(hour)s were %(value)s, far above the usual %(median)s "
            "(robust z-score %(score)s)."
        )
    else:
        template = _(
            "%(metric)s at %(hour)s were %(value)s, far below the usual %(median)s "
            "(robust z-score %(score)s)."
        )
    score = "∞" if abs(anomaly.z_score) == float("inf") else f"{anomaly.z_score:.1f}"
    return template % {
        "metric": labels[metric],
        "hour": local_hour,
        "value": anomaly.value,
        "median": f"{anomaly.median:g}",
        "score": score,
    }


def check_anomalies(*, campaign: Campaign, hour: dt.datetime) -> list[Alert]:
    """Raise an anomaly alert for each metric whose count at ``hour`` is an outlier."""
    history_start = hour - dt.timedelta(hours=MAX_HISTORY_HOURS)
    if campaign.starts_at is not None:
        history_start = max(history_start, campaign.starts_at)
    first_bucket = campaign.buckets.order_by("hour").values_list("hour", flat=True).first()
    if first_bucket is None:
        return []
    history_start = max(history_start, first_bucket)
    history_start = history_start.replace(minute=0, second=0, microsecond=0)

    raised = []
    for metric in ANOMALY_METRICS:
        if _already_raised(campaign, Alert.Kind.ANOMALY, metric, hour):
            continue
        series = selectors.hourly_counts(
            campaign=campaign, metric=metric, start=history_start, end=hour + dt.timedelta(hours=1)
        )
        history = [count for _hour, count in series[:-1]]
        value = series[-1][1] if series else 0
        anomaly = detect_anomaly(value, history)
        if anomaly is None:
            continue
        alert = raise_alert(
            campaign=campaign,
            kind=Alert.Kind.ANOMALY,
            metric=metric,
            hour=hour,
            value=value,
            expected=anomaly.median,
            message=_anomaly_message(metric, hour, anomaly),
        )
        if alert is not None:
            raised.append(alert)
    return raised


def _rule_reading(rule: AlertRule, hour: dt.datetime) -> tuple[Decimal, Decimal, str] | None:
    """Return (value, expected, message) when ``rule`` is crossed at ``hour``, else None."""
    campaign = rule.campaign
    threshold = rule.threshold
    if rule.metric == AlertRule.Metric.CONVERSION_RATE:
        series_clicks = selectors.hourly_counts(
            campaign=campaign,
            metric="clicks",
            start=hour - dt.timedelta(hours=23),
            end=hour + dt.timedelta(hours=1),
        )
        series_conversions = selectors.hourly_counts(
            campaign=campaign,
            metric="conversions",
            start=hour - dt.timedelta(hours=23),
            end=hour + dt.timedelta(hours=1),
        )
        clicks = sum(count for _hour, count in series_clicks)
        conversions = sum(count for _hour, count in series_conversions)
        if clicks < MIN_CLICKS_FOR_RATE:
            return None
        percent = Decimal(conversions) * 100 / Decimal(clicks)
        if percent >= threshold:
            return None
        message = _(
            "The conversion rate of the last 24 hours is %(value)s %%, below %(threshold)s %%."
        ) % {"value": f"{percent:.2f}", "threshold": f"{threshold:g}"}
        return percent, threshold, message

    if rule.metric == AlertRule.Metric.CLICKS_DROP:
        series = selectors.hourly_counts(
            campaign=campaign,
            metric="clicks",
            start=hour - dt.timedelta(hours=24),
            end=hour + dt.timedelta(hours=1),
        )
        value = series[-1][1]
        median = Decimal(str(statistics.median(count for _hour, count in series[:-1])))
        if median <= 0:
            return None
        drop = (median - value) * 100 / median
        if drop <= threshold:
            return None
        message = _(
            "Clicks fell to %(value)s in the hour, %(drop)s %% below the median of the previous "
            "24 hours (%(median)s)."
        ) % {"value": value, "drop": f"{drop:.0f}", "median": f"{median:g}"}
        return Decimal(value), median, message

    if rule.metric == AlertRule.Metric.SPEND_PACE:
        pace = spend_pace(campaign=campaign, at=hour + dt.timedelta(hours=1))
        if pace is None or pace <= threshold:
            return None
        message = _("Spend is running at %(pace)s times the budget's even pace.") % {
            "pace": f"{pace:.2f}"
        }
        return pace, threshold, message
    return None


def spend_pace(*, campaign: Campaign, at: dt.datetime) -> Decimal | None:
    """Return spend divided by the spend an even pace would have reached at ``at``.

    The daily budget is paced over the local day; without one, the total budget is
    paced from ``starts_at`` to ``ends_at``. None when there is no budget to pace.
    """
    zone = selectors.campaign_zone()
    if campaign.daily_budget:
        local = at.astimezone(zone)
        day_start = selectors.local_midnight(local.date())
        elapsed = Decimal((at - day_start).total_seconds()) / Decimal(86400)
        spent = (
            DailySpend.objects.filter(campaign=campaign, scope="campaign", day=local.date())
            .values_list("spent", flat=True)
            .first()
        ) or Decimal("0")
        expected = campaign.daily_budget * elapsed
    elif campaign.total_budget and campaign.starts_at and campaign.ends_at:
        duration = Decimal((campaign.ends_at - campaign.starts_at).total_seconds())
        elapsed = Decimal(max((at - campaign.starts_at).total_seconds(), 0)) / duration
        spent = campaign.spent
        expected = campaign.total_budget * min(elapsed, Decimal(1))
    else:
        return None
    if expected <= 0:
        return None
    return (spent / expected).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def check_rules(*, campaign: Campaign, hour: dt.datetime) -> list[Alert]:
    """Raise a threshold alert for each active rule of ``campaign`` crossed at ``hour``."""
    raised = []
    for rule in campaign.alert_rules.filter(is_active=True).select_related("campaign"):
        if _already_raised(campaign, Alert.Kind.THRESHOLD, rule.metric, hour):
            continue
        reading = _rule_reading(rule, hour)
        if reading is None:
            continue
        value, expected, message = reading
        alert = raise_alert(
            campaign=campaign,
            kind=Alert.Kind.THRESHOLD,
            metric=rule.metric,
            hour=hour,
            value=value,
            expected=expected,
            message=message,
            rule=rule,
        )
        if alert is not None:
            raised.append(alert)
    return raised


def evaluate_alerts(*, now: dt.datetime | None = None) -> list[Alert]:
    """Check every running campaign's last complete hours; return the alerts raised."""
    now = now or timezone.now()
    current_hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    hours = [current_hour - dt.timedelta(hours=back) for back in range(LOOKBACK_HOURS, 0, -1)]
    # A paused campaign's clicks drop on purpose, so only active campaigns are checked.
    campaigns = Campaign.objects.filter(status=Campaign.Status.ACTIVE).order_by("pk")
    raised: list[Alert] = []
    for campaign in campaigns:
        for hour in hours:
            raised += check_rules(campaign=campaign, hour=hour)
            raised += check_anomalies(campaign=campaign, hour=hour)
    return raised


@transaction.atomic
def acknowledge_alerts(*, alert_ids: list[int], actor) -> int:
    """Mark alerts as seen by ``actor``; return how many were not acknowledged before."""
    count = Alert.objects.filter(pk__in=alert_ids, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=actor
    )
    logger.info("%s alerts acknowledged by %s", count, getattr(actor, "pk", None))
    return count
