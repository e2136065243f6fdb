"""Server-rendered pages of the partner portal.

Member pages go through ``member_required``. Forms validate the input, services
in ``partners.services`` change state and ``partners.selectors`` reads it.
"""

from __future__ import annotations

from functools import wraps

from babel.core import Locale
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hexabuilders import idempotency
from partners import identifiers, portal_access, selectors, services
from partners.forms import (
    ApiKeyCreateForm,
    PartnerProfileForm,
    PortalAuthenticationForm,
    PortalPasswordResetForm,
)
from partners.masking import masked_payout


def _access_denied(request, *, heading: str, message: str, admin_link: bool = False):
    context = {"heading": heading, "message": message, "admin_link": admin_link}
    return render(request, "partners/access_denied.html", context, status=403)


def _deny_non_member(request):
    if request.user.is_staff:
        return _access_denied(
            request,
            heading=_("The portal is for partners"),
            message=_(
                "You are signed in as staff, and staff accounts are not linked to a partner. "
                "Partners and programs are managed in the administration site."
            ),
            admin_link=True,
        )
    return _access_denied(
        request,
        heading=_("Your account is not linked to a partner"),
        message=_(
            "Only members of a partner can use the portal. Ask your partner's owner to "
            "add you, or contact your account manager."
        ),
    )


def _deny_role(request, membership):
    return _access_denied(
        request,
        heading=_("Owners and administrators only"),
        message=_(
            "Your role is %(role)s. Ask an owner or administrator of %(partner)s to make "
            "this change."
        )
        % {"role": membership.get_role_display(), "partner": membership.partner},
    )


def member_required(view=None, *, manage: bool = False):
    """Admit signed-in members of an open partner and set ``request.membership``.

    With ``manage=True`` the member also needs the owner or admin role. Anonymous
    visitors go to the sign-in page, and every other rejected user gets a 403 page
    that explains why. The view's responses are marked never-cache.
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = selectors.membership_for(request.user)
            if membership is None:
                return _deny_non_member(request)
            closed_message = portal_access.closed_portal_message(membership.partner)
            if closed_message is not None:
                return _access_denied(
                    request, heading=_("The portal is closed"), message=closed_message
                )
            if manage and not membership.can_manage:
                return _deny_role(request, membership)
            request.membership = membership
            response = view_func(request, *args, **kwargs)
            # Member pages show payout details, so neither shared caches nor the
            # back button after sign-out may serve them.
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


class PortalLoginView(auth_views.LoginView):
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True


class PortalPasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("portal:password_reset_complete")


def _currency_label(code: str) -> str:
    locale = Locale.parse(translation.to_locale(translation.get_language() or "es"))
    return f"{code} · {locale.currencies.get(code, code)}"


def _tax_id_scheme(country: str) -> str:
    scheme = identifiers.TAX_ID_SCHEMES.get(country)
    return scheme.label if scheme else _("Tax id")


@member_required
@require_http_methods(["GET", "POST"])
def profile(request):
    membership = request.membership
    partner = membership.partner
    form = None
    if request.method == "POST" and not membership.can_manage:
        return _deny_role(request, membership)
    if membership.can_manage:
        form = PartnerProfileForm(request.POST or None, partner=partner)
        if request.method == "POST" and form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("Nothing changed, so nothing was saved."))
                return redirect("portal:profile")
            try:
                services.update_partner(
                    partner=partner,
                    actor=request.user,
                    data=changes,
                    allowed_fields=services.PARTNER_EDITABLE_FIELDS,
                )
            except services.PartnerError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The profile was saved."))
                return redirect("portal:profile")
    context = {
        "membership": membership,
        "partner": partner,
        "contacts": selectors.partner_contacts(partner=partner),
        "tax_id_scheme": _tax_id_scheme(str(partner.country)),
        "currency_label": _currency_label(partner.default_currency),
        "form": form,
        # Viewers see that payout details exist, masked as the API shows them.
        "masked_payout": masked_payout(partner),
    }
    return render(request, "partners/profile.html", context)


def _api_keys_page(request, form: ApiKeyCreateForm | None):
    membership = request.membership
    context = {
        "membership": membership,
        "partner": membership.partner,
        "api_keys": selectors.partner_api_keys(partner=membership.partner),
        "form": form,
    }
    return render(request, "partners/api_keys.html", context)


@member_required
@require_http_methods(["GET"])
def api_keys(request):
    form = ApiKeyCreateForm.with_new_token() if request.membership.can_manage else None
    return _api_keys_page(request, form)


@never_cache
@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def create_api_key(request):
    """Issue a key and show its secret in this response only, because only a digest is stored.

    Each form's one-time token creates at most one key, so reloading this page (which
    posts the form again) or a double click leads back to the list instead.
    """
    if request.method == "GET":
        return redirect("portal:api_keys")
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        if "form_token" in form.errors:
            messages.warning(
                request, _("The form was out of date, so no key was created. Fill it in again.")
            )
            return redirect("portal:api_keys")
        return _api_keys_page(request, form)
    issued = None

    def issue() -> tuple[int, dict]:
        nonlocal issued
        issued = services.create_api_key(
            partner=request.membership.partner,
            actor=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
        # Only the key's id is stored with the token; the secret never leaves this response.
        return 201, {"api_key_id": issued.api_key.pk}

    # NOTE: tokens are kept for idempotency.RETENTION (24 hours); reposting a form after
    # that creates a key, because the record counts as absent.
    try:
        result = idempotency.run_once(
            scope=f"portal-user:{request.user.pk}",
            key=form.cleaned_data["form_token"],
            # Any second use of a token is a resubmission, whatever the other fields contain.
            fingerprint=idempotency.fingerprint_request(
                method="POST", path=request.path, data=None
            ),
            execute=issue,
        )
    except services.PartnerError as exc:
        form.add_domain_error(exc, field_map=ApiKeyCreateForm.DOMAIN_FIELD_MAP)
        return _api_keys_page(request, form)
    except idempotency.IdempotencyKeyReused:
        result = None
    if result is None or result.replayed:
        messages.info(
            request,
            _(
                "This form was already sent, so no other key was created. The key it created "
                "is in the list; its full value was shown only once."
            ),
        )
        return redirect("portal:api_keys")
    # Rendering from the POST keeps the secret out of URLs, the session and redirects.
    context = {
        "membership": request.membership,
        "api_key": issued.api_key,
        "raw_key": issued.raw_key,
    }
    return render(request, "partners/api_key_created.html", context)


@member_required(manage=True)
@require_http_methods(["GET", "POST"])
def revoke_api_key(request, pk: int):
    partner = request.membership.partner
    api_key = get_object_or_404(selectors.partner_api_keys(partner=partner), pk=pk)
    if api_key.revoked_at is not None:
        messages.info(
            request, _("The key “%(name)s” was already revoked.") % {"name": api_key.name}
        )
        return redirect("portal:api_keys")
    if request.method == "POST":
        services.revoke_api_key(api_key=api_key, actor=request.user)
        messages.success(
            request,
            _("The key “%(name)s” was revoked. Programs using it can no longer call the API.")
            % {"name": api_key.name},
        )
        return redirect("portal:api_keys")
    context = {"membership": request.membership, "api_key": api_key}
    return render(request, "partners/api_key_revoke.html", context)
