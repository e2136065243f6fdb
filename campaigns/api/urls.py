from rest_framework.routers import SimpleRouter

from campaigns.api import metrics, views

app_name = "campaigns-api"

router = SimpleRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")
router.register("links", views.TrackingLinkViewSet, basename="link")
router.register("clicks", views.ClickViewSet, basename="click")
router.register("conversions", views.ConversionViewSet, basename="conversion")

urlpatterns = [
    *router.urls,
    *metrics.urlpatterns,
]
