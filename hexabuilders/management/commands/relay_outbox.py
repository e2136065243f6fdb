from django.core.management.base import BaseCommand

from hexabuilders.events.outbox import relay_outbox


class Command(BaseCommand):
    help = (
        "Dispatch outbox events and handler retries left behind; the same job Celery beat "
        "runs every 30 seconds in the full stack."
    )

    def handle(self, *args, **options):
        result = relay_outbox()
        self.stdout.write(
            f"{result.events_dispatched} events dispatched, {result.deliveries_run} deliveries run."
        )
