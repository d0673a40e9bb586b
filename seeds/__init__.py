"""The bundled source list (sources.yaml), watchlists and channels (watchlists.yaml), the
secrets template (secrets.env.example) and the bundled sources' saved pages (pages/).

The folder sits at the top of the project, beside `crawler/` and `monitors/`, and is shipped as
package data, so that an installed veille finds these files wherever it runs: they are the last
place the configuration is looked up (monitors.service.locations) and what `veille init`
copies. It holds no code: the two packages read paths from here, and nothing here imports them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_HERE = resources.files(__name__)

# Real files on disk: the package is installed as files (a wheel or an editable install), and
# error messages quote the path of the file they point into.
BUNDLED_SOURCES = Path(str(_HERE / "sources.yaml"))
BUNDLED_WATCHLISTS = Path(str(_HERE / "watchlists.yaml"))
SECRETS_TEMPLATE = Path(str(_HERE / "secrets.env.example"))
# Saved article pages of the bundled sources with site profiles, with what extracting each must
# give (tests/test_site_profiles.py runs them all). Kept beside sources.yaml, not in it: the
# copy `veille init` writes elsewhere must not name files that stay here.
BUNDLED_SAVED_PAGES = Path(str(_HERE / "pages" / "saved_pages.yaml"))
