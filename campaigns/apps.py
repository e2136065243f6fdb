from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = pgettext_lazy("application name", "Campaigns")

    def ready(self) -> None:
        from campaigns import events  # noqa: F401  (declares events and handlers)
