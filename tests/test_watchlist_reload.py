"""A watchlist created in the reader starts alerting once the running daemon reloads: a real
`veille run` daemon, the reader's form (preview, then save), the SIGHUP the save sends, a crawl
and the real SMTP sink receiving the new watchlist's alert."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from urllib.parse import urlencode

import pytest
import yaml

from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources
from monitors.service.editing import recent_changes
from monitors.web.app import ReaderConfig, create_app

from .reader_client import FormClient, running
from .test_cli import wait_for
from .test_watchlist_pages import form_values
from .waiting import wait_until

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

WATCHLISTS = """# Les veilles de l'équipe (ce commentaire doit survivre aux modifications).
channels:
  email-tests:
    url: "mailto://127.0.0.1:{port}?from=veille@example.ma&to=equipe@example.ma&mode=insecure"

watchlists:
  # Une veille qui ne retient rien : le démon tourne, aucun message ne part.
  - name: rien
    terms: [zqxjkv]
    notify: [email-tests]
"""


def sources_text(sites, names: list[str]) -> str:
    """The demo's source list rendered for these servers, keeping only `names`."""
    data = yaml.safe_load(render_sources(DEMO_SITES_ROOT / "sources.yaml", sites))
    data["sources"] = [s for s in data["sources"] if s["name"] in names]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_a_watchlist_created_in_the_reader_alerts_after_the_daemons_reload(sites, smtp, tmp_path):
    db = tmp_path / "veille.db"
    sources = tmp_path / "sources.yaml"
    sources.write_text(sources_text(sites, ["lequotidien"]), encoding="utf-8")
    watchlists = tmp_path / "watchlists.yaml"
    watchlists.write_text(WATCHLISTS.format(port=smtp.port), encoding="utf-8")
    env = dict(
        os.environ,
        VEILLE_DB=str(db),
        VEILLE_SOURCES=str(sources),
        VEILLE_WATCHLISTS=str(watchlists),
        VEILLE_CRAWL_SETTINGS=json.dumps(LOCAL_CRAWL_SETTINGS),
        VEILLE_CRAWL_WORKERS="1",
        VEILLE_DELIVER_EVERY_SECONDS="1",
    )
    log = tmp_path / "daemon.log"
    with open(log, "wb") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitors.cli", "run"], stdout=out, stderr=out, env=env
        )
        try:
            wait_for(log, "veille running: 1 source, 1 watchlist")
            # The Arabic outlet joins the source list on disk; the daemon reads it only when
            # asked to reload, which the reader's save does.
            sources.write_text(sources_text(sites, ["lequotidien", "alkhabar"]), encoding="utf-8")
            config = ReaderConfig(db=db, watchlists=watchlists, raw_data=False, sources=sources)
            with running(create_app(config)) as web:
                client = FormClient()
                status, form = client.get(
                    f"{web}/new-watchlist?" + urlencode({"q": "السيادة الرقمية"})
                )
                assert status == 200
                fields = {
                    "name": "sovereignty",
                    "title": "Souveraineté numérique (ar)",
                    "query": '"السيادة الرقمية"',
                    "languages": "ar",
                    "sources": "alkhabar",
                    "notify": "email-tests",
                    "days": "30",
                }
                url = f"{web}/new-watchlist"
                hidden = form_values(form)
                status, preview = client.post(url, {**fields, **hidden, "action": "preview"})
                assert status == 200 and 'id="save"' in preview, preview[-2000:]
                status, saved = client.post(
                    url, {**fields, **form_values(preview), "action": "save"}
                )
                assert status == 200, saved[-2000:]
                assert re.search(rf"\(pid {daemon.pid}\)", saved), saved[-1500:]
            wait_for(log, "reloaded: 2 sources, 2 watchlists")
            wait_until(
                lambda: any("Souveraineté numérique (ar)" in str(m) for m in list(smtp.messages)),
                "the new watchlist's alert in the SMTP sink",
            )
            text = watchlists.read_text(encoding="utf-8")
            assert text.startswith("# Les veilles de l'équipe (ce commentaire doit survivre")
            assert "  # Une veille qui ne retient rien" in text
            assert recent_changes(watchlists)[0]["watchlist"] == "sovereignty"
            assert not any("rien" in str(m["Subject"]) for m in smtp.messages)
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=60) == 0
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait(timeout=30)
