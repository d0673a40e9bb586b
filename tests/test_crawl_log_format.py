"""The crawl log's line format: each line names the runner whose crawl wrote it, once."""

from __future__ import annotations

from monitors.service.config import SCRAPY_LOG_FORMAT, runner_log_format


def test_scrapys_format_gets_the_runner_after_the_time() -> None:
    assert runner_log_format(None, pid=4242) == (
        "%(asctime)s runner=4242 [%(name)s] %(levelname)s: %(message)s"
    )
    assert runner_log_format("%(levelname)s: %(message)s", pid=7) == (
        "runner=7 %(levelname)s: %(message)s"
    )


def test_a_format_that_names_its_runner_already_gets_no_second_mark() -> None:
    """A LOG_FORMAT of VEILLE_CRAWL_SETTINGS with `runner=` in it got a second `runner=PID`
    (« 2026-12-07 09:30:00 runner=4242 runner=4242 [scrapy.core.engine] »)."""
    own = "%(asctime)s runner=%(process)d %(name)s: %(message)s"
    assert runner_log_format(own, pid=4242) == own
    # A format marked already (the settings of a runner passed on) names this runner, once.
    marked = runner_log_format(None, pid=111)
    assert runner_log_format(marked, pid=4242) == runner_log_format(SCRAPY_LOG_FORMAT, pid=4242)
    assert runner_log_format(marked, pid=4242).count("runner=") == 1
