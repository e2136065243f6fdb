"""Typed readers for settings taken from environment variables.

Each reader raises ``ImproperlyConfigured`` naming the variable when its value is
malformed, so a typo stops the process at start-up instead of running with a
silently different configuration. A variable ``NAME_FILE`` names a file whose
contents are the value of ``NAME``, which is how container secrets arrive; setting
both is an error. A blank value or an empty file counts as unset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
# ASCII digits only: int() would also accept "1_000" and non-ASCII digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    environ = os.environ if environ is None else environ
    file_name = environ.get(f"{name}_FILE")
    if file_name and environ.get(name):
        raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
    if file_name:
        try:
            value = Path(file_name).read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {file_name!r}, which cannot be read: {exc}"
            ) from exc
    else:
        value = environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _fallback(name: str, default):
    if default is MISSING:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return default


def read_str(name: str, default=MISSING, *, environ: Mapping[str, str] | None = None):
    """Return the variable as a stripped string."""
    value = _raw(name, environ)
    return _fallback(name, default) if value is None else value


def read_bool(name: str, default=MISSING, *, environ: Mapping[str, str] | None = None):
    """Return the variable as a boolean; accept 1/0, true/false, yes/no and on/off."""
    value = _raw(name, environ)
    if value is None:
        return _fallback(name, default)
    word = value.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean; use one of true, false, 1, 0, yes, no, on, off."
    )


def read_int(
    name: str,
    default=MISSING,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
):
    """Return the variable as an integer, checked against optional bounds."""
    value = _raw(name, environ)
    if value is None:
        return _fallback(name, default)
    if not _INTEGER.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.")
    number = int(value)
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
    return number


def read_list(name: str, default=MISSING, *, environ: Mapping[str, str] | None = None):
    """Return the variable split on commas, with blank items dropped."""
    value = _raw(name, environ)
    if value is None:
        return _fallback(name, default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        return _fallback(name, default)
    return items


def read_choice(
    name: str,
    choices: tuple[str, ...],
    default=MISSING,
    *,
    environ: Mapping[str, str] | None = None,
):
    """Return the variable when it is one of ``choices``."""
    value = _raw(name, environ)
    if value is None:
        return _fallback(name, default)
    if value not in choices:
        allowed = ", ".join(choices)
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {allowed}.")
    return value
