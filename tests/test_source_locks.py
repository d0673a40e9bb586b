"""One runner per source on a PostgreSQL database: a second runner of the same sources stops
naming them, runners of different sources share the database, and a reload takes or lets go of
the sources it adds or removes."""

from __future__ import annotations

import pytest

from crawler.core.errors import VeilleError
from monitors.service.config import load_config, load_settings
from monitors.service.daemon import Daemon
from monitors.service.source_locks import SourcesHeldElsewhere, hold_source_locks


def _sources(path, names):
    path.write_text(
        "sources:\n"
        + "".join(
            f"  - name: {name}\n    homepage: http://127.0.0.1:9/{name}\n"
            f"    feeds: [http://127.0.0.1:9/{name}/feed]\n    interval_minutes: 60\n"
            for name in names
        ),
        encoding="utf-8",
    )


def test_a_source_is_held_by_one_runner_and_others_share_the_database(postgres_url):
    first = hold_source_locks(postgres_url, ["hespress", "medias24"])
    assert first is not None
    try:
        with pytest.raises(SourcesHeldElsewhere) as refused:
            hold_source_locks(postgres_url, ["medias24", "le360"])
        message = str(refused.value)
        assert "source 'medias24' already crawled by another veille daemon" in message
        assert "hespress" not in message and "le360" not in message
        assert "give each runner sources of its own" in message
        # all or none: the refused runner took no lock of the sources it could have had
        other = hold_source_locks(postgres_url, ["le360"])
        assert other is not None and other.names == {"le360"}
        other.close()
        # a source let go of (out of a reloaded file) is free for another runner
        first.release(["medias24"])
        second = hold_source_locks(postgres_url, ["medias24", "le360"])
        assert second is not None
        second.close()
    finally:
        first.close()
    # a closed session holds nothing any more
    again = hold_source_locks(postgres_url, ["hespress", "medias24"])
    assert again is not None
    again.close()


def test_a_password_never_shows_in_the_refusal(postgres_url):
    first = hold_source_locks(postgres_url, ["hespress"])
    assert first is not None
    try:
        with pytest.raises(VeilleError) as refused:
            hold_source_locks(postgres_url, ["hespress"])
        # the location is said masked, as every error names it
        from crawler.storage.engine import mask_location

        assert mask_location(postgres_url) in str(refused.value)
    finally:
        first.close()


def test_a_reload_adds_a_source_only_when_no_other_runner_crawls_it(tmp_path, postgres_url):
    sources, watchlists = tmp_path / "sources.yaml", tmp_path / "watchlists.yaml"
    _sources(sources, ["hespress"])
    watchlists.write_text("watchlists:\n  - name: x\n    terms: [x]\n", encoding="utf-8")
    settings = load_settings(db=postgres_url, sources=sources, watchlists=watchlists)
    daemon = Daemon(load_config(settings))
    daemon._source_locks = hold_source_locks(postgres_url, ["hespress"])
    other = hold_source_locks(postgres_url, ["medias24"])
    assert other is not None
    try:
        _sources(sources, ["hespress", "medias24"])
        daemon._reload()
        assert "'medias24' already crawled by another veille daemon" in (
            daemon.state.reload_error or ""
        )
        assert daemon.scheduler.get_job("crawl:medias24") is None
        assert {s.name for s in daemon.config.sources.enabled()} == {"hespress"}

        other.close()  # the other runner stops: the reload goes through
        daemon._reload()
        assert daemon.state.reload_error is None
        assert daemon.scheduler.get_job("crawl:medias24") is not None

        _sources(sources, ["medias24"])  # hespress taken out: another runner may crawl it
        daemon._reload()
        assert daemon.state.reload_error is None
        taken = hold_source_locks(postgres_url, ["hespress"])
        assert taken is not None
        taken.close()
        with pytest.raises(SourcesHeldElsewhere):
            hold_source_locks(postgres_url, ["medias24"])
    finally:
        other.close()
        daemon._source_locks.close()
