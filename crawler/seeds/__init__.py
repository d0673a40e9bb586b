"""The bundled source list (sources.yaml), shipped inside the package so that an installed
veille finds it wherever it runs: the last place the configuration is looked up
(monitors.service.locations) and what `veille init` copies."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

# A real file on disk: the package is installed as files (a wheel or an editable install), and
# error messages quote the path of the file they point into.
BUNDLED_SOURCES = Path(str(resources.files(__name__) / "sources.yaml"))
# Saved article pages of the bundled sources with site profiles, with what extracting each must
# give (tests/test_site_profiles.py runs them all). Kept beside sources.yaml, not in it: the
# copy `veille init` writes elsewhere must not name files that stay here.
BUNDLED_SAVED_PAGES = Path(str(resources.files(__name__) / "pages" / "saved_pages.yaml"))
