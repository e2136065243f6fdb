"""Settings for bench/click_redirect.py: the project's settings with a bench-only URLconf."""

from hexabuilders.settings import *  # noqa: F403

ROOT_URLCONF = "click_redirect_urls"
