from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = pgettext_lazy("application name", "Onboarding")
