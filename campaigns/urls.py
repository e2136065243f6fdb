from django.urls import path

from campaigns import views

app_name = "portal_campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/join/", views.request_to_join, name="join"),
]
