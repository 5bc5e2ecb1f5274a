"""The app's settings with the benchmarks' URLconf (bench/urls.py: the two floors)."""

from cbti.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
