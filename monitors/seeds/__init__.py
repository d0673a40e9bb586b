"""The bundled watchlists and channels (watchlists.yaml) and the secrets template
(secrets.env.example), shipped inside the package so that an installed veille finds them
wherever it runs: the last place the configuration is looked up (monitors.service.locations)
and what `veille init` copies."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUNDLED_WATCHLISTS = Path(str(resources.files(__name__) / "watchlists.yaml"))
SECRETS_TEMPLATE = Path(str(resources.files(__name__) / "secrets.env.example"))
