from rest_framework.routers import SimpleRouter

app_name = "campaigns-api"

router = SimpleRouter()

urlpatterns = [
    *router.urls,
]
