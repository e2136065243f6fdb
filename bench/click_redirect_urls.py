"""The project's URLs plus ``/bare/<code>``, the baseline of bench/click_redirect.py.

The bare view returns the same 302 through the same middleware stack without
looking anything up or recording anything.
"""

from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from hexabuilders.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_safe
def bare_redirect(request, code):
    return HttpResponseRedirect("https://shop.example.com/vuelos")


urlpatterns = [*project_urlpatterns, path("bare/<str:code>", bare_redirect)]
