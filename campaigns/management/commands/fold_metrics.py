from django.core.management.base import BaseCommand

from campaigns.ingestion import fold_pending


class Command(BaseCommand):
    help = (
        "Fold unfolded clicks and conversions into hourly metric buckets; the same job "
        "Celery beat runs every 5 seconds in the full stack."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-batches",
            type=int,
            default=50,
            help="Maximum number of batches to fold in this run (default 50).",
        )

    def handle(self, *args, **options):
        result = fold_pending(max_batches=options["max_batches"])
        self.stdout.write(
            f"Folded clicks: {result.clicks}, conversions: {result.conversions}, "
            f"campaigns changed: {len(result.campaign_ids)}."
        )
