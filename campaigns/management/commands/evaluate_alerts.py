from django.core.management.base import BaseCommand

from campaigns.alerts import evaluate_alerts


class Command(BaseCommand):
    help = (
        "Check alert rules and look for anomalies in the last complete hours of every "
        "active campaign; the same job Celery beat runs every hour in the full stack."
    )

    def handle(self, *args, **options):
        raised = evaluate_alerts()
        self.stdout.write(f"{len(raised)} alerts raised.")
