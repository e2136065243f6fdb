"""Every API route, read from the URL resolver, and a maker of objects for each model.

Tests iterate over ``api_routes()`` rather than a hand-written list, so a route added
under /api/v1/ is covered as soon as it exists. A model without a maker in
``OBJECT_MAKERS`` makes those tests fail until one is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from campaigns.models import Campaign, Click, Conversion, Enrollment, TrackingLink
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember
from tests.campaigns.makers import joined_paused_campaign, make_click, make_conversion
from tests.factories import (
    PartnerContactFactory,
    PartnerMemberFactory,
    active_campaign_with_link,
    issue_api_key,
)

API_PREFIX = "api/v1/"

# Views that are public on purpose: the schema and its documentation page.
PUBLIC_VIEWS = (SpectacularAPIView, SpectacularSwaggerView)

SAFE_METHODS = ("get", "head", "options")


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    view_class: type
    methods: tuple[str, ...]
    is_detail: bool

    def __str__(self) -> str:
        return self.route

    @property
    def model(self) -> type[models.Model]:
        return self.view_class.queryset.model

    @property
    def write_methods(self) -> tuple[str, ...]:
        return tuple(method for method in self.methods if method not in SAFE_METHODS)


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return tuple(sorted(actions))
    view_class = callback.cls
    return tuple(
        method
        for method in view_class.http_method_names
        if method != "options" and hasattr(view_class, method)
    )


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern).removeprefix("^").removesuffix("$"), namespace, entry


def api_routes() -> list[Route]:
    """Return every route under /api/v1/ except the public schema views."""
    routes = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns, "", ""):
        view_class = getattr(pattern.callback, "cls", None)
        if not route.startswith(API_PREFIX) or view_class is None:
            continue
        if issubclass(view_class, PUBLIC_VIEWS):
            continue
        routes.append(
            Route(
                route=route,
                name=f"{namespace}:{pattern.name}" if namespace else pattern.name,
                view_class=view_class,
                methods=_methods(pattern.callback),
                is_detail="pk" in pattern.pattern.regex.groupindex,
            )
        )
    return routes


OBJECT_MAKERS: dict[type[models.Model], Callable[[Partner], models.Model]] = {
    PartnerContact: lambda partner: PartnerContactFactory(partner=partner),
    PartnerMember: lambda partner: PartnerMemberFactory(partner=partner),
    ApiKey: lambda partner: issue_api_key(partner, scope="write")[0],
    # Open campaigns are visible to every partner, so a partner's "own" campaign is
    # a paused one it joined: visible to it and hidden from everyone else.
    Campaign: joined_paused_campaign,
    Enrollment: lambda partner: active_campaign_with_link(partner)[1],
    TrackingLink: lambda partner: active_campaign_with_link(partner)[2],
    Click: lambda partner: make_click(partner),
    Conversion: lambda partner: make_conversion(partner),
}


def make_object(model: type[models.Model], partner: Partner) -> models.Model:
    """Create a ``model`` row owned by ``partner``."""
    try:
        maker = OBJECT_MAKERS[model]
    except KeyError:
        raise AssertionError(
            f"tests/api/routes.py has no maker for {model.__name__}; add one to OBJECT_MAKERS."
        ) from None
    return maker(partner)


def snapshot(instance: models.Model) -> dict | None:
    """Return the row's stored values, or None when the row is gone."""
    return type(instance).objects.filter(pk=instance.pk).values().first()
