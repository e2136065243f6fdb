"""Run the beat schedule in this process, for the embedded mode, which has no broker."""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hexabuilders.celery import app

logger = logging.getLogger(__name__)

# Maximum sleep between two checks of the schedule, so the command stops soon after Ctrl+C.
MAX_SLEEP_SECONDS = 5.0


class EmbeddedBeat:
    """The entries of ``app.conf.beat_schedule``, each run in this process when due.

    Every entry runs on the first tick, then whenever its schedule makes it due.
    Jobs are idempotent, so running one at start-up or twice costs only time.
    """

    def __init__(self, entries: dict[str, dict]):
        app.loader.import_default_modules()  # registers the tasks of every app
        self.entries = entries
        self.last_run: dict[str, dt.datetime | None] = dict.fromkeys(entries)

    def tick(self) -> tuple[list[str], float]:
        """Run the due entries; return their names and the seconds until the next is due."""
        ran = []
        waits = [MAX_SLEEP_SECONDS]
        for name, entry in self.entries.items():
            schedule = entry["schedule"]
            if not hasattr(schedule, "is_due"):
                schedule = every(dt.timedelta(seconds=float(schedule)), app=app)
            last_run = self.last_run[name]
            due, wait = (True, 0.0) if last_run is None else schedule.is_due(last_run)
            if due:
                self._run(name, entry)
                ran.append(name)
                self.last_run[name] = app.now()
                due, wait = schedule.is_due(self.last_run[name])
            waits.append(wait)
        return ran, max(min(waits), 0.1)

    def _run(self, name: str, entry: dict) -> None:
        task = app.tasks[entry["task"]]
        try:
            task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True)
        except Exception:
            # One failing job must not stop the others; the next tick tries it again.
            logger.exception("scheduled job %s failed", name)


class Command(BaseCommand):
    help = (
        "Run every periodic job of the beat schedule (outbox relay, metric folds, scheduled "
        "campaign starts and ends, alerts, idempotency record purges) in this process. For "
        "the embedded mode, where tasks run in-process; the full stack uses celery beat and "
        "workers instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once, then exit")
        parser.add_argument(
            "--if-embedded",
            action="store_true",
            help="exit without error when tasks go to a broker (bin/start uses this)",
        )

    def handle(self, *args, once=False, if_embedded=False, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            if if_embedded:
                return
            raise CommandError(
                "Tasks go to a broker here: run celery beat and a worker instead of this command."
            )
        beat = EmbeddedBeat(app.conf.beat_schedule)
        while True:
            ran, wait = beat.tick()
            if ran:
                logger.info("scheduled jobs run: %s", ", ".join(ran))
            if once:
                self.stdout.write(f"Ran {len(ran)} scheduled jobs.")
                return
            time.sleep(wait)
