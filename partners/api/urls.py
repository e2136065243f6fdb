from django.urls import path
from rest_framework.routers import SimpleRouter

from partners.api import views

app_name = "partners-api"

router = SimpleRouter()
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("members", views.MemberViewSet, basename="member")
router.register("api-keys", views.ApiKeyViewSet, basename="api-key")

profile = views.PartnerProfileViewSet.as_view({"get": "retrieve", "patch": "partial_update"})

urlpatterns = [
    path("partner/", profile, name="partner-profile"),
    *router.urls,
]
