"""Routes of the live dashboards.

The project URLconf includes these before the admin, so the staff page can live under
/admin/campaigns/campaign/<id>/ without a hook in the campaign admin.
"""

from django.urls import path

from campaigns import dashboard_views

app_name = "campaigns_live"

urlpatterns = [
    path(
        "admin/campaigns/campaign/<int:campaign_id>/live/",
        dashboard_views.staff_dashboard,
        name="staff_dashboard",
    ),
    path(
        "admin/campaigns/campaign/<int:campaign_id>/live/snapshot/",
        dashboard_views.staff_snapshot,
        name="staff_snapshot",
    ),
    path(
        "portal/campaigns/<int:campaign_id>/live/",
        dashboard_views.portal_dashboard,
        name="portal_dashboard",
    ),
    path(
        "portal/campaigns/<int:campaign_id>/live/snapshot/",
        dashboard_views.portal_snapshot,
        name="portal_snapshot",
    ),
]
