from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hexabuilders.api.errors import error_body
from hexabuilders.health import run_checks


@never_cache
@require_GET
def health(request):
    """Report each dependency's health, with status 503 when any of them is down."""
    checks = run_checks()
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


def api_not_found(request):
    """Return 404 for unknown API paths in the API's error shape instead of an HTML page."""
    message = _("No API endpoint matches %(path)s.") % {"path": request.path}
    return JsonResponse(error_body("not_found", message), status=404)
