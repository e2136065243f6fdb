from django.core.management.base import BaseCommand

from campaigns.tasks import start_and_end_campaigns


class Command(BaseCommand):
    help = (
        "Launch scheduled campaigns whose start time came and complete those whose end "
        "time came; the same job Celery beat runs every minute in the full stack."
    )

    def handle(self, *args, **options):
        result = start_and_end_campaigns()
        self.stdout.write(
            f"{len(result.launched)} launched, {len(result.completed)} completed, "
            f"{len(result.cancelled)} cancelled."
        )
