"""Settings for the benchmark server: the project's, plus a bare endpoint to compare against."""

from gridgov.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
AXES_ENABLED = False  # the load generator is not a login attacker
