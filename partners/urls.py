from django.contrib.auth import views as auth_views
from django.urls import path

from partners import views

app_name = "portal"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/new/", views.create_api_key, name="api_key_create"),
    path("api-keys/<int:pk>/revoke/", views.revoke_api_key, name="api_key_revoke"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
