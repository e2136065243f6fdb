from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Limit requests per API key, or per client address for unauthenticated calls.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]``, read on every
    request. DRF's ``SimpleRateThrottle.THROTTLE_RATES`` is a copy taken when the class
    is defined, so a rate changed later (``override_settings`` in tests) would never
    reach it.
    """

    scope = "api_key"

    def get_rate(self) -> str | None:
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] has no rate for scope {self.scope!r}."
            ) from None

    def get_cache_key(self, request, view) -> str:
        key_id = getattr(request.auth, "pk", None)
        ident = f"key:{key_id}" if key_id is not None else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
