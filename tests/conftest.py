"""Shared test fixtures: the fixture news sites on 127.0.0.1, sources files pointing at them,
and settings for fast local crawls. Nothing here touches the internet."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from crawler.core import secrets
from crawler.core.secrets import RedactingFilter
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, render_sources, serve_demo_sites, stop_sites
from monitors.service.config import Settings

from .postgres import Cluster, PostgresUnavailable, shared_cluster, stop_clusters_of
from .servers import SmtpServer, bound_socket

# Property tests have no time limit per example: Hypothesis's default, 200 ms, is a wall-clock
# assertion, which a loaded machine can fail with right answers (a folding test of
# test_properties.py failed once at load 20, and passes 30,000 examples without the limit).
hypothesis_settings.register_profile("veille", deadline=None)
hypothesis_settings.load_profile("veille")

# The tests keep Python's bytecode caches (__pycache__/, ignored by git), even where the
# environment says not to (PYTHONDONTWRITEBYTECODE=1, as the Dockerfile's image sets): without
# them each test process compiled and assertion-rewrote every test module again (collection 12
# CPU-s a process instead of 5.5), and each command-line process or daemon a test starts
# compiled veille's modules again (0.2 CPU-s each). Set here, before pytest-xdist starts its
# processes, so that they and every process a test starts inherit it.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"


# Modules whose module-scoped set-up costs most (a crawl, its copy, a server, a browser).
SET_UP_FIRST = ("tests/test_reader.py", "tests/test_crawl_e2e.py")


def pytest_collection_modifyitems(items):
    """Mark `postgres` every test that uses the suite's PostgreSQL server, directly or on the
    `engine` fixture's PostgreSQL side, so that `make test-fast` can leave them out (the
    cluster takes seconds to start).

    Then run the modules that hold a `slow` test first, each module's tests kept together and
    in their order (its module-scoped fixtures built once): pytest-xdist hands tests out in this
    order, so the end-to-end tests of tens of seconds start early and the run ends on tests of
    milliseconds. In file order a daemon or crawl test could start last on one process while
    the others had nothing left to do.

    The modules of SET_UP_FIRST lead: pytest-xdist gives the head of the list to one process,
    which runs them whole, where a module shared out between processes builds its module-scoped
    set-up once in each (test_reader.py's crawl, PostgreSQL copy, server and browser: some 6
    CPU-s a time, built four times in a run that shared it out)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("engine") if callspec is not None else None
        if "postgres_cluster" in getattr(item, "fixturenames", ()) or engine == "postgresql":
            item.add_marker(pytest.mark.postgres)
    slow_modules = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(
        key=lambda item: (
            item.nodeid.split("::")[0] not in SET_UP_FIRST,
            item.nodeid.split("::")[0] not in slow_modules,
        )
    )


def suite_environment(tmp_path_factory) -> dict[str, str]:
    """What the tests set in every test's environment (the two fixtures below): for a server a
    module-scoped fixture starts, before any test's own fixtures run."""
    return {
        "VEILLE_ALERT_MAX_AGE_DAYS": "off",
        "XDG_CONFIG_HOME": str(tmp_path_factory.getbasetemp() / "no-user-config"),
    }


@pytest.fixture(autouse=True)
def _no_alert_age_limit(monkeypatch, tmp_path_factory):
    """The fixture sites' articles carry fixed dates (November 2026): as days pass they would
    grow older than the 7-day alert limit and stop alerting. Commands and daemons started by the
    tests run without the limit, as the demo does; tests of the limit set it themselves."""
    name = "VEILLE_ALERT_MAX_AGE_DAYS"
    monkeypatch.setenv(name, suite_environment(tmp_path_factory)[name])


@pytest.fixture(autouse=True)
def _no_user_configuration(monkeypatch, tmp_path_factory):
    """A developer's own ~/.config/veille/ never reaches the tests: configuration files not
    named by a test are looked up in an empty user folder (then /etc/veille/ and the bundled
    copies, monitors.service.locations)."""
    name = "XDG_CONFIG_HOME"
    monkeypatch.setenv(name, suite_environment(tmp_path_factory)[name])


@pytest.fixture(autouse=True)
def _secrets_remembered_by_this_test_alone(monkeypatch):
    """The masker remembers every secret it is shown for the rest of the process, as the daemon
    needs; in a test process that ran another test's channels, a word one of them took from
    ${VAR} (« veille », a host) was masked in every later test of that process, which failed or
    passed by how xdist shared the tests out. Each test starts from what the process remembered
    before it (a module's fixtures included) and what it adds is forgotten after it."""
    monkeypatch.setattr(secrets, "_KNOWN_SECRETS", set(secrets._KNOWN_SECRETS))
    monkeypatch.setattr(secrets, "_SHORT_SECRETS", set(secrets._SHORT_SECRETS))


@pytest.fixture(autouse=True)
def _redacting_caplog(caplog):
    """Log capture goes through the same redaction filter as the real log handler."""
    caplog.handler.addFilter(RedactingFilter())
    caplog.set_level(logging.INFO)
    yield


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory) -> Path:
    """A wheel of the project (`pip wheel --no-deps`): what `pip install veille` would install
    (tests/test_deploy.py, tests/test_installed.py). Built from a copy of what the Dockerfile
    copies too, so that no `build/` folder of an earlier build (holding modules since deleted)
    slips into it; once per run, the test processes of one run sharing it under a lock."""
    import fcntl
    import shutil
    import subprocess
    import sys

    own = tmp_path_factory.getbasetemp()
    shared = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own
    folder = shared / "project-wheel"
    with open(shared / "project-wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not list(folder.glob("veille-*.whl")):
            source = shared / "project-source"
            shutil.rmtree(source, ignore_errors=True)
            for name in ("crawler", "monitors", "seeds"):
                shutil.copytree(
                    TESTS.parent / name,
                    source / name,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )
            for name in ("pyproject.toml", "README.md"):
                shutil.copy2(TESTS.parent / name, source / name)
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder)]
                + [str(source)],
                check=True,
                capture_output=True,
                timeout=300,
            )
    (wheel,) = folder.glob("veille-*.whl")
    return wheel


_RUN_PID = "veille_run_pid"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Each test process of a parallel run learns the pid of the run's main process, which
    owns the run's PostgreSQL server."""
    node.workerinput[_RUN_PID] = os.getpid()


def _run_pid(config) -> int:
    return getattr(config, "workerinput", {}).get(_RUN_PID, os.getpid())


@pytest.fixture(scope="session", autouse=True)
def _shared_browser_stopped():
    """The chromium a test process keeps for the pages it browses (tests/browser.py) is
    stopped at the end of its run."""
    yield
    from .browser import close_shared_browser

    close_shared_browser()


def pytest_unconfigure(config):
    """The run's main process stops the run's PostgreSQL server, if a test started one."""
    if not hasattr(config, "workerinput"):
        stop_clusters_of(os.getpid())


@pytest.fixture(scope="session")
def postgres_cluster(request):
    """The run's PostgreSQL server (tests/postgres.py), with a migrated template: one for every
    test process of the run, each test with a database of its own. Under CI=true a missing
    PostgreSQL fails the tests that need it; elsewhere they are skipped, with the reason."""
    try:
        return shared_cluster(_run_pid(request.config))
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh, migrated PostgreSQL database of this test: its postgresql:// location."""
    return postgres_cluster.new_database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request) -> str:
    """Run the test on each engine: SQLite, then PostgreSQL (the same assertions). Module-scoped,
    so that a module's costly shared data (a crawl, say) can be built once per engine, and a
    module's tests run grouped by engine."""
    return request.param


@pytest.fixture
def db_location(engine: str, tmp_path: Path, request) -> str:
    """A fresh, migrated database of this test on each engine: a file in tmp_path, or a
    PostgreSQL database of its own (the same assertions on both)."""
    if engine == "sqlite":
        location = tmp_path / "veille.db"
        from crawler.storage.store import open_database

        open_database(location).close()
        return str(location)
    return request.getfixturevalue("postgres_cluster").new_database()


def database_from(request, engine: str, sqlite_path: Path) -> str:
    """The location of a database holding what the SQLite file holds, on `engine`: the file
    itself, or a fresh PostgreSQL database it was copied into (`veille db copy`)."""
    if engine == "sqlite":
        return str(sqlite_path)
    from crawler.storage.copy import copy_database

    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    target = cluster.empty_database()
    copy_database(sqlite_path, target)
    return target


@pytest.fixture
def smtp():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    """A loopback port where nothing listens (connections refused), held by the test so that no
    other test process's server can start on it meanwhile (tests/servers.py, bound_socket)."""
    with bound_socket() as held:
        yield held.getsockname()[1]


@pytest.fixture
def sites():
    """The bundled fixture sites, each on its own free loopback port (fresh request logs)."""
    served = serve_demo_sites()
    yield served
    stop_sites(served)


@pytest.fixture
def sources_file(sites, tmp_path) -> Path:
    """The demo source list (two fixture sites and a dead host) rendered for these servers."""
    path = tmp_path / "sources.yaml"
    path.write_text(render_sources(DEMO_SITES_ROOT / "sources.yaml", sites), encoding="utf-8")
    return path


# A crawl time limit for tests in which a download never ends and the crawl must still store
# everything else before the limit cuts it: the fixture sites' crawl takes about 2 s on an idle
# machine and 10 s on 2 cores at a load of 11 (Python, Scrapy and trafilatura start-up, mostly).
# Those tests pay it in full, since the hanging download ends only with it.
ROOMY_TIME_LIMIT = 40


def make_settings(tmp_path: Path, sources: Path, watchlists: Path, **extra) -> Settings:
    values = dict(
        db=tmp_path / "veille.db",
        sources=sources,
        watchlists=watchlists,
        crawl_settings=dict(LOCAL_CRAWL_SETTINGS),
        crawl_time_limit=120,
        send_interval=0,
        alert_max_age_days=None,
        crawl_log=tmp_path / "crawl.log",
    )
    values.update(extra)
    return Settings(**values)


# Figures tests want shown in the run's output (precision, recall…), printed at the end. They
# travel in each test's report (user_properties), so that they also come back from the worker
# processes of a parallel run (`make test` runs pytest-xdist).
REPORT: list[str] = []
_FIGURES: list[str] = []
_FIGURE = "veille figure"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REPORT:
        report.user_properties.extend((_FIGURE, line) for line in REPORT)
        REPORT.clear()


def pytest_runtest_logreport(report):
    _FIGURES.extend(value for key, value in report.user_properties if key == _FIGURE)


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("veille figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


def steady_sources(sites, folder: Path) -> Path:
    """The two fixture outlets with every kind of entry point and nothing that fails at the
    entry level: a second crawl of them costs one conditional request per entry point."""
    quotidien, khabar = sites["lequotidien"].base_url, sites["alkhabar"].base_url
    path = folder / "steady.yaml"
    path.write_text(
        f"""sources:
  - name: lequotidien
    homepage: {quotidien}/
    feeds: [{quotidien}/feed/]
    sitemaps: [{quotidien}/sitemap_index.xml]
    listings: [{quotidien}/technologie/]
  - name: alkhabar
    homepage: {khabar}/
    feeds: [{khabar}/feed]
    sitemaps: [{khabar}/sitemap-news.xml]
""",
        encoding="utf-8",
    )
    return path
