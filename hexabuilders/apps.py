from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HexabuildersConfig(AppConfig):
    name = "hexabuilders"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from hexabuilders import schedules  # noqa: F401  (registers the beat schedule)
