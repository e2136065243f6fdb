"""Settings of the staff admin site shared by every app."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from hexabuilders.login_throttle import ThrottledLoginMixin


class StaffAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin sign-in, throttled like the portal's."""


admin.site.login_form = StaffAuthenticationForm
admin.site.site_header = _("HexaBuilders administration")
admin.site.site_title = _("HexaBuilders")
admin.site.index_title = _("Back office")
