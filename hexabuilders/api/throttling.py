from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Limit requests per API key, or per client address for anonymous calls."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        key_id = getattr(request.auth, "pk", None)
        ident = f"key:{key_id}" if key_id is not None else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
