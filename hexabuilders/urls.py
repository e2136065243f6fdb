from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from campaigns.postback_views import postback
from campaigns.redirects import click_redirect
from hexabuilders import admin_site, views  # noqa: F401  (admin_site configures admin.site)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:profile", permanent=False)),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin: the live dashboard sits under the campaign admin's path.
    path("", include("campaigns.dashboard_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("partners.api.urls")),
    path("api/v1/", include("campaigns.api.urls")),
    re_path(r"^api/", views.api_not_found),
    path("portal/campaigns/", include("campaigns.urls")),
    path("portal/", include("partners.urls")),
    path("t/<str:code>", click_redirect, name="click-redirect"),
    path("postback", postback, name="postback"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
