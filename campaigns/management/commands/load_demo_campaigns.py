from django.core.management.base import BaseCommand

from campaigns.demo import load_demo_campaigns


class Command(BaseCommand):
    help = (
        "Create two demo campaigns, one active with the active demo partners enrolled. "
        "Run load_demo_data first. Safe to run again."
    )

    def handle(self, *args, **options):
        created = load_demo_campaigns()
        self.stdout.write(f"Demo campaigns ready ({created} created).")
