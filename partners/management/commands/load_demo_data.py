from django.core.management.base import BaseCommand

from partners.demo import load_demo_data


class Command(BaseCommand):
    help = (
        "Create a staff admin and a dozen demo partners with members and API keys. "
        "Safe to run again: existing demo records are left as they are."
    )

    def handle(self, *args, **options):
        result = load_demo_data()
        self.stdout.write(
            f"Demo data ready ({result.partners_created} partners created).\n"
            f"  Admin:  {result.admin_username} / {result.password}\n"
            f"  Portal: {result.sample_member_email} / {result.password}"
        )
