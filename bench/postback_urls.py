"""The project's URLs plus ``/bare-postback``, the baseline of bench/postback.py.

The bare view reads the POST body and replies with a small JSON object through
the same middleware and decorators as ``/postback``, without touching the database.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hexabuilders.urls import urlpatterns as project_urlpatterns


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def bare_postback(request):
    return JsonResponse({"received": len(request.body)})


urlpatterns = [*project_urlpatterns, path("bare-postback", bare_postback)]
