from django.urls import path
from django.views.generic import TemplateView

app_name = "portal"

urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="profile"),
    path("login/", TemplateView.as_view(template_name="base.html"), name="login"),
]
