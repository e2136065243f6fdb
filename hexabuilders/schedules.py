"""The beat schedule, kept in code; django-celery-beat copies it into the database.

Every entry expires before its next run, so runs missed while no worker was up do
not pile up. Staff can change intervals in the admin's periodic tasks screen.
"""

from celery.schedules import crontab
from django.conf import settings

from hexabuilders.celery import app

RELAY_INTERVAL_SECONDS = 30
# Idempotency records expire after idempotency.RETENTION (24 hours), and an hourly
# purge keeps each delete small.
IDEMPOTENCY_PURGE_SCHEDULE = crontab(minute=35)
FOLD_INTERVAL_SECONDS = 5
CAMPAIGN_SCHEDULE_INTERVAL_SECONDS = 60

app.conf.beat_schedule = {
    "relay-outbox": {
        "task": "hexabuilders.relay_outbox",
        "schedule": float(RELAY_INTERVAL_SECONDS),
        "options": {"expires": RELAY_INTERVAL_SECONDS - 5, "queue": "default"},
    },
    "purge-idempotency-records": {
        "task": "hexabuilders.purge_idempotency_records",
        "schedule": IDEMPOTENCY_PURGE_SCHEDULE,
        "options": {"expires": 50 * 60, "queue": "default"},
    },
    # Campaigns: the safety net behind the debounced fold that recording queues, the
    # start and end of scheduled campaigns, and alerts a few minutes after each hour.
    "campaigns-fold-metrics": {
        "task": "campaigns.tasks.fold_metrics",
        "schedule": float(FOLD_INTERVAL_SECONDS),
        "options": {"expires": FOLD_INTERVAL_SECONDS - 1, "queue": "ingest"},
    },
    "campaigns-run-schedule": {
        "task": "campaigns.tasks.run_campaign_schedule",
        "schedule": float(CAMPAIGN_SCHEDULE_INTERVAL_SECONDS),
        "options": {"expires": CAMPAIGN_SCHEDULE_INTERVAL_SECONDS - 5, "queue": "ingest"},
    },
    "campaigns-evaluate-alerts": {
        "task": "campaigns.tasks.evaluate_alerts",
        "schedule": crontab(minute=5),
        "options": {"expires": 50 * 60, "queue": "ingest"},
    },
    **getattr(settings, "CELERY_EXTRA_BEAT_SCHEDULE", {}),
}
