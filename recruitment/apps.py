from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class RecruitmentConfig(AppConfig):
    name = "recruitment"
    verbose_name = pgettext_lazy("application name", "Recruitment")
