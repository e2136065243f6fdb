"""Celery tasks of the campaigns app; ``campaigns.tasks.*`` runs on the ``ingest`` queue.

Each task is idempotent: it re-reads the rows it works on and skips what is done, so
late acknowledgement, redelivery and overlapping beat runs are safe. The periodic
jobs are also management commands for the embedded mode (see management/commands).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from campaigns import alerts, ingestion, services
from campaigns.models import Campaign

logger = logging.getLogger(__name__)

# One run of the schedule job handles at most this many campaigns of each kind; the
# next run, a minute later, continues with the rest.
SCHEDULE_BATCH_SIZE = 200


@shared_task(name="campaigns.tasks.fold_metrics", acks_late=True)
def fold_metrics_task() -> int:
    """Fold unfolded clicks and conversions into hourly buckets; return the rows folded."""
    result = ingestion.fold_pending()
    return result.clicks + result.conversions


@dataclass
class ScheduleResult:
    launched: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)


def start_and_end_campaigns(*, now: datetime | None = None) -> ScheduleResult:
    """Launch scheduled campaigns whose start came and complete those whose end came.

    A scheduled campaign whose end also passed before it could launch is cancelled,
    since it can neither run nor complete. Each campaign changes through its own
    service call; a campaign another run already moved is skipped.
    """
    now = now or timezone.now()
    result = ScheduleResult()

    due_to_start = Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, starts_at__lte=now
    ).order_by("starts_at", "pk")[:SCHEDULE_BATCH_SIZE]
    for campaign in due_to_start:
        try:
            if campaign.ends_at is not None and campaign.ends_at <= now:
                services.cancel_campaign(campaign=campaign, actor=None, reason="ended_before_start")
                result.cancelled.append(campaign.pk)
            else:
                services.launch_campaign(campaign=campaign, actor=None)
                result.launched.append(campaign.pk)
        except services.CampaignError as exc:
            logger.info("campaign %s not started on schedule: %s", campaign.pk, exc)

    due_to_end = Campaign.objects.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.PAUSED], ends_at__lte=now
    ).order_by("ends_at", "pk")[:SCHEDULE_BATCH_SIZE]
    for campaign in due_to_end:
        try:
            services.complete_campaign(campaign=campaign, actor=None)
            result.completed.append(campaign.pk)
        except services.CampaignError as exc:
            logger.info("campaign %s not completed on schedule: %s", campaign.pk, exc)

    if result.launched or result.completed or result.cancelled:
        logger.info(
            "campaign schedule: launched %s, completed %s, cancelled %s",
            result.launched,
            result.completed,
            result.cancelled,
        )
    return result


@shared_task(name="campaigns.tasks.run_campaign_schedule", acks_late=True)
def run_campaign_schedule_task() -> None:
    """Start and end the campaigns whose scheduled time came."""
    start_and_end_campaigns()


@shared_task(name="campaigns.tasks.evaluate_alerts", acks_late=True)
def evaluate_alerts_task() -> int:
    """Check alert rules and look for anomalies in the recent hourly series."""
    return len(alerts.evaluate_alerts())
