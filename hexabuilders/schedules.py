"""The beat schedule, kept in code; django-celery-beat copies it into the database.

Every entry expires before its next run, so runs missed while no worker was up do
not pile up. Staff can change intervals in the admin's periodic tasks screen.
"""

from django.conf import settings

from hexabuilders.celery import app

RELAY_INTERVAL_SECONDS = 30

app.conf.beat_schedule = {
    "relay-outbox": {
        "task": "hexabuilders.relay_outbox",
        "schedule": float(RELAY_INTERVAL_SECONDS),
        "options": {"expires": RELAY_INTERVAL_SECONDS - 5, "queue": "default"},
    },
    **getattr(settings, "CELERY_EXTRA_BEAT_SCHEDULE", {}),
}
