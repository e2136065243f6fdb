"""The Celery application, configured from the Django settings prefixed ``CELERY_``."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hexabuilders.settings")

app = Celery("hexabuilders")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("default"), Queue("ingest"), Queue("notifications")]
app.autodiscover_tasks()
