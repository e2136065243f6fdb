"""The tracking redirect ``GET /t/<code>``: the most requested URL of the site.

The view touches neither the session nor ``request.user``, so the session and
authentication middleware stay lazy and cost no query; it is CSRF-exempt because
it changes nothing a visitor's browser could be tricked into changing.
"""

from django.http import HttpRequest, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from campaigns.tracking import handle_click


@csrf_exempt
@require_safe
def click_redirect(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """Record the click and send the visitor on with a 302."""
    response = HttpResponseRedirect(handle_click(request, code))
    # Every click must reach the server: no browser or proxy may replay a cached 302.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
