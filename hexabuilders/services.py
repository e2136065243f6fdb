"""Helpers every app's services share: the acting user's id and status transitions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django_fsm import can_proceed

from hexabuilders.errors import DomainError


def actor_id(actor: AbstractBaseUser | None) -> int | None:
    """Return the id to record for ``actor``: None for anonymous callers and system jobs."""
    return actor.pk if actor is not None and actor.is_authenticated else None


def apply_transition(
    instance: models.Model, method_name: str, *, error_class: type[DomainError], refusal
) -> tuple[models.Model, str]:
    """Run a django-fsm transition on a locked copy of ``instance`` and save its status.

    The row is locked with SELECT … FOR UPDATE, so two concurrent transitions of one
    object run one after the other and the second reads the first's result. Returns
    the saved copy and the previous status; raises ``error_class`` with ``refusal``
    (formatted with the object's name and status) when the transition is not allowed.
    """
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    method = getattr(locked, method_name)
    if not can_proceed(method):
        raise error_class(
            refusal % {"name": locked, "status": locked.get_status_display()},
            code="invalid_transition",
        )
    previous = locked.status
    method()
    locked.save(update_fields=["status", "updated_at"])
    return locked, previous
