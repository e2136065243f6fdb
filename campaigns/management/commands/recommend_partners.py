from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Campaign
from campaigns.recommendations import recommend_partners


class Command(BaseCommand):
    help = (
        "List the active partners most similar to a campaign's top performers, with the "
        "reason for each; none of them is enrolled in the campaign yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", type=int, help="Id of the campaign.")
        parser.add_argument(
            "--limit", type=int, default=10, help="Maximum number of partners (default 10)."
        )

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"Campaign {options['campaign']} not found; pass a campaign id.")
        if options["limit"] < 1:
            raise CommandError("--limit must be 1 or more.")
        recommendations = recommend_partners(campaign=campaign, limit=options["limit"])
        if not recommendations:
            self.stdout.write("No recommendations: no partner of the campaign has clicks yet.")
        for item in recommendations:
            self.stdout.write(
                f"{item.score:.3f}  {item.partner.pk:>6}  {item.partner}: {item.reason}"
            )
