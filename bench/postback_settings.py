"""Settings for bench/postback.py: the project's settings with a bench-only URLconf."""

from hexabuilders.settings import *  # noqa: F403

ROOT_URLCONF = "postback_urls"
