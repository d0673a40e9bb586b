"""Environment settings a user got wrong stop veille at once with one line naming the variable,
what is wrong and what to give, before any crawl runs, never a traceback or a crawl that fails
somewhere no one looks (the crawl log)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.core.errors import VeilleError
from monitors.cli import cli

LOOPBACK = {"VEILLE_ALLOWED_NETWORKS": ["127.0.0.0/8"]}


def _run_once(tmp_path, **env):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    env = {"VEILLE_DB": str(tmp_path / "veille.db"), "VEILLE_SOURCES": str(sources), **env}
    return CliRunner().invoke(cli, ["run", "--once"], env=env)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        # Read by the crawl's stages with getfloat/getint: on main the crawl process died at its
        # start (the traceback in the crawl log only), the run was recorded as a shutdown or a
        # failure with no reason, and `veille status` showed nothing against any source.
        ({"VEILLE_EXTRACTION_SECONDS": "abc"}, "VEILLE_EXTRACTION_SECONDS"),
        ({"DOWNLOAD_TIMEOUT": "thirty"}, "DOWNLOAD_TIMEOUT"),
        ({"ROBOTSTXT_OBEY": "maybe"}, "ROBOTSTXT_OBEY"),
        # Every page past a budget of 0 s was declined as too slow and booked for good: every
        # article fetched while it was set lost for ever.
        ({"VEILLE_EXTRACTION_SECONDS": 0}, "declined for good"),
        # No article taken from any entry point, the source only "quiet".
        ({"VEILLE_MAX_ARTICLES_PER_ENTRY": 0}, "no article is taken"),
        # A near miss of a setting's name is ignored by Scrapy without a word.
        ({"DOWNLOAD_DELAYS": 2}, "did you mean 'DOWNLOAD_DELAY'"),
        # Yes/no spellings the check took and Scrapy's getbool refuses: every crawl died at its
        # start, as with "maybe".
        ({"ROBOTSTXT_OBEY": "TRUE"}, "ROBOTSTXT_OBEY"),
        ({"COOKIES_ENABLED": " false"}, "COOKIES_ENABLED"),
        # A number the check took where the crawl reads a whole number (getint): every crawl
        # died at its start.
        ({"VEILLE_MAX_ARTICLES_PER_ENTRY": "2.5"}, "whole number"),
        ({"VEILLE_MAX_CHILD_SITEMAPS": "1e3"}, "whole number"),
        # Scrapy's own settings it reads with getint: the check took any number, and every
        # crawl died at its start ('failed (exit 0 …)').
        ({"CONCURRENT_REQUESTS": "2.5"}, "whole number"),
        ({"DOWNLOAD_MAXSIZE": "1e9"}, "whole number"),
        ({"RETRY_TIMES": "1.0"}, "whole number"),
        # A setting Scrapy reads as a dict given as something else, and a log level logging
        # does not know: every crawl died at its start ('failed (exit 1 …)').
        ({"ITEM_PIPELINES": "x"}, "give a JSON object"),
        ({"DEFAULT_REQUEST_HEADERS": ["Accept-Language", "fr"]}, "give a JSON object"),
        ({"DOWNLOADER_MIDDLEWARES": "[1, 2]"}, "give a JSON object"),
        ({"LOG_LEVEL": "LOUD"}, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ({"LOG_LEVEL": "info"}, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        # Numbers Scrapy takes without a word where every fetch then times out at once, or no
        # request is ever sent: every source failed or waited each cycle.
        ({"DOWNLOAD_TIMEOUT": -1}, "every fetch times out at once"),
        ({"DOWNLOAD_TIMEOUT": 0}, "above 0"),
        ({"CONCURRENT_REQUESTS": 0}, "sends no request"),
        ({"CONCURRENT_REQUESTS_PER_DOMAIN": 0}, "sends no request"),
        ({"CONCURRENT_ITEMS": 0}, "at least 1"),
        ({"DOWNLOAD_DELAY": -2}, "at least 0"),
        ({"RETRY_TIMES": -1}, "at least 0"),
        ({"DOWNLOAD_MAXSIZE": -5}, "at least 0"),
        ({"AUTOTHROTTLE_TARGET_CONCURRENCY": 0}, "turns AutoThrottle off"),
    ],
)
def test_a_crawl_setting_that_cannot_be_used_stops_the_start(tmp_path, value, words):
    result = _run_once(tmp_path, VEILLE_CRAWL_SETTINGS=json.dumps({**LOOPBACK, **value}))
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith("error: ") and "VEILLE_CRAWL_SETTINGS" in line, line
    assert words in line, line
    assert "Traceback" not in result.output
    assert not (tmp_path / "veille.db").exists()  # nothing ran


@pytest.mark.parametrize("text", ["[1]", '"DOWNLOAD_DELAY=2"', "{DOWNLOAD_DELAY: 2}"])
def test_crawl_settings_that_are_not_a_json_object_are_refused_with_an_example(tmp_path, text):
    result = _run_once(tmp_path, VEILLE_CRAWL_SETTINGS=text)
    assert result.exit_code == 2, result.output
    assert "VEILLE_CRAWL_SETTINGS" in result.output
    assert '{"DOWNLOAD_DELAY": 2}' in result.output  # what to give
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "abc"])
def test_a_crawl_time_limit_that_is_not_a_positive_number_is_refused(tmp_path, value):
    # On main -5 stopped every crawl at once (exit 3, "stopped before these sources were
    # done"), and nan or inf gave crawls no limit at all: a hanging site held the cycle.
    result = _run_once(tmp_path, VEILLE_CRAWL_TIME_LIMIT=value)
    assert result.exit_code == 2, result.output
    assert "VEILLE_CRAWL_TIME_LIMIT" in result.output
    assert "give a number of seconds above 0" in result.output
    assert not (tmp_path / "veille.db").exists()


def test_usable_crawl_settings_are_still_taken(tmp_path):
    from monitors.service.config import load_settings

    values = {
        **LOOPBACK,
        "DOWNLOAD_DELAY": 0.25,
        "DOWNLOAD_TIMEOUT": "10",
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": "false",
        # what Scrapy's getbool and getint take, as Scrapy reads them
        "COOKIES_ENABLED": "True",
        "HTTPCACHE_ENABLED": 0,
        "RETRY_ENABLED": 2,
        "VEILLE_MAX_ARTICLES_PER_ENTRY": "50",
        "VEILLE_MAX_CHILD_SITEMAPS": 30.0,
        "VEILLE_EXTRACTION_SECONDS": 5,
        "MYEXTENSION_SETTING": "anything",  # a setting of the user's own extension
        "DEFAULT_REQUEST_HEADERS": {"Accept-Language": "fr"},
        "DOWNLOADER_MIDDLEWARES": '{"myproject.Middleware": 500}',  # Scrapy reads JSON text
        "LOG_LEVEL": "WARNING",
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VEILLE_CRAWL_SETTINGS", json.dumps(values))
        patch.setenv("VEILLE_CRAWL_TIME_LIMIT", "2.5")
        settings = load_settings()
    assert settings.crawl_settings == values
    assert settings.crawl_time_limit == 2.5


@pytest.mark.parametrize(
    "value",
    [
        {"DOWNLOAD_TIMEOUT": 0.5},
        {"DOWNLOAD_TIMEOUT": "0.8"},
        {"AUTOTHROTTLE_TARGET_CONCURRENCY": 0.005},
    ],
)
def test_a_small_positive_timeout_or_target_concurrency_is_taken(value):
    """Scrapy reads DOWNLOAD_TIMEOUT and AUTOTHROTTLE_TARGET_CONCURRENCY with getfloat: half a
    second is a timeout it keeps (a site on the local network), and only 0 or under breaks the
    crawl, so any number above 0 is a setting to take, not to refuse at the start."""
    from monitors.service.config import check_crawl_settings

    check_crawl_settings(value)


@pytest.mark.parametrize(
    "value", [{"DOWNLOAD_TIMEOUT": 0}, {"AUTOTHROTTLE_TARGET_CONCURRENCY": -0.5}]
)
def test_a_timeout_or_target_concurrency_of_zero_or_under_is_refused(value):
    from monitors.service.config import check_crawl_settings

    with pytest.raises(ValueError, match="above 0"):
        check_crawl_settings(value)


@pytest.mark.slow  # end-to-end: a Python process of its own
def test_scrapys_defaults_are_read_without_importing_scrapy():
    """The check reads Scrapy's default_settings from its source: importing the module imports
    all of Scrapy, 0.15 CPU-s more for every command run with VEILLE_CRAWL_SETTINGS set. Every
    number and yes/no it reads is Scrapy's own."""
    import subprocess
    import sys

    from scrapy.settings import default_settings

    from monitors.service.config import _scrapy_defaults

    read = _scrapy_defaults()
    for name in dir(default_settings):
        value = getattr(default_settings, name)
        if name.isupper() and isinstance(value, bool | int | float):
            assert read[name] == value and type(read[name]) is type(value), name
    code = (
        "import sys; from monitors.service.config import load_settings; load_settings(); "
        "print('scrapy' in sys.modules)"
    )
    env = {"VEILLE_CRAWL_SETTINGS": json.dumps({"DOWNLOAD_DELAY": 2}), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", out.stderr


def test_every_setting_scrapy_reads_as_a_whole_number_is_checked_as_one():
    """The check's list of Scrapy's getint settings is Scrapy's own: a setting Scrapy reads with
    getint and the check took as any number killed every crawl at its start ("2.5")."""
    import re
    from pathlib import Path

    import scrapy

    from monitors.service.config import SCRAPY_WHOLE

    read = set()
    for path in Path(scrapy.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read.update(re.findall(r"\.getint\(\s*[\"']([A-Z0-9_]+)[\"']", text))
    assert read and read <= SCRAPY_WHOLE, sorted(read - SCRAPY_WHOLE)


@pytest.mark.slow  # end-to-end: a Python process of its own
def test_the_check_works_with_a_scrapy_installed_without_its_sources(tmp_path):
    """A Scrapy installed as compiled files only (some system packages and frozen images ship
    no .py): the check read default_settings.py and raised a traceback at every start; it now
    reads the compiled module and still refuses a setting the crawl could not use."""
    import compileall
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import scrapy

    copy = tmp_path / "site" / "scrapy"
    shutil.copytree(Path(scrapy.__file__).parent, copy, ignore=shutil.ignore_patterns("*.pyc"))
    assert compileall.compile_dir(copy, legacy=True, quiet=1)
    for source in copy.rglob("*.py"):
        source.unlink()
    code = (
        "import scrapy; from monitors.service.config import load_settings\n"
        "from crawler.core.errors import VeilleError\n"
        "assert not scrapy.__file__.endswith('.py'), scrapy.__file__\n"
        "try:\n    load_settings()\nexcept VeilleError as exc:\n    print(exc)\n"
    )
    for value, said in [
        ({"DOWNLOAD_TIMEOUT": "thirty"}, "DOWNLOAD_TIMEOUT='thirty': give a number"),
        ({"ROBOTSTXT_OBEY": "maybe"}, "ROBOTSTXT_OBEY='maybe': give true or false"),
        ({"DOWNLOAD_TIMEOUT": 30}, ""),
    ]:
        env = {
            "VEILLE_CRAWL_SETTINGS": json.dumps(value),
            "PYTHONPATH": str(copy.parent),
            "PATH": "",
        }
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
        assert said in out.stdout if said else out.stdout == "", out.stdout


@pytest.mark.parametrize("where", ["a folder", "under a file"])
@pytest.mark.parametrize("once", [True, False])
def test_a_crawl_log_that_cannot_be_written_stops_the_start(tmp_path, where, once):
    """VEILLE_CRAWL_LOG naming a folder, or a path under a file, was opened by the first crawl
    (run --once) or the daemon's first crawl worker: a traceback, and run --once left its crawl
    run recorded as running, later marked interrupted by a killed process."""
    log = tmp_path / "logs"
    if where == "a folder":
        log.mkdir()
    else:
        log.write_text("", encoding="utf-8")
        log = log / "crawl.log"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    env = {
        "VEILLE_DB": str(tmp_path / "veille.db"),
        "VEILLE_SOURCES": str(sources),
        "VEILLE_CRAWL_LOG": str(log),
        "VEILLE_CRAWL_WORKERS": "1",
    }
    result = CliRunner().invoke(cli, ["run", "--once"] if once else ["run"], env=env)
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: ") and str(log) in line and "VEILLE_CRAWL_LOG" in line, line
    assert "Traceback" not in result.output


def test_a_variable_veille_does_not_read_but_was_meant_for_it_is_said(tmp_path):
    """A misspelt variable (VEILLE_CRAWL_WORKER for VEILLE_CRAWL_WORKERS) or a crawl setting
    given as a variable of its own (VEILLE_ALLOWED_NETWORKS, read from VEILLE_CRAWL_SETTINGS
    only) was ignored without a word: one crawl worker, or every source on the team's network
    refused as an internal address. The team's own secrets share the prefix and stay unsaid."""
    env = {
        "VEILLE_DB": str(tmp_path / "veille.db"),
        "VEILLE_CRAWL_WORKER": "4",
        "VEILLE_ALLOWED_NETWORKS": "10.20.0.0/16",
        "VEILLE_SMTP_PASSWORD": "not-a-setting",  # a secret of the watchlists file's ${…}
    }
    result = CliRunner().invoke(cli, ["rules", "check"], env=env)
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "environment variable" in line]
    assert len(said) == 2, result.output
    assert "VEILLE_ALLOWED_NETWORKS is ignored" in said[0] and "VEILLE_CRAWL_SETTINGS" in said[0]
    assert "VEILLE_CRAWL_WORKER " in said[1] and "did you mean VEILLE_CRAWL_WORKERS?" in said[1]


@pytest.mark.parametrize(
    ("location", "password"),
    [
        ("postgresql+psycopg://veille:Alch3mySecret@127.0.0.1:1/veille", "Alch3mySecret"),
        ("POSTGRESQL://veille:Upp3rSecret@127.0.0.1:1/veille", "Upp3rSecret"),
        ("host=127.0.0.1 port=1 dbname=veille user=veille password=Kw5ecret77", "Kw5ecret77"),
    ],
)
@pytest.mark.parametrize("given", ["--db", "VEILLE_DB"])
def test_a_postgresql_location_veille_cannot_read_is_refused_not_made_a_file(
    tmp_path, monkeypatch, location, password, given
):
    """A PostgreSQL database written as SQLAlchemy (postgresql+psycopg://), in capitals, or in
    libpq's keyword form was taken for the path of a SQLite file: `veille run` made a new empty
    database there (folders named after the user, its password and the host), stored the
    team's articles in it, and showed the password in that path."""
    monkeypatch.chdir(tmp_path)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: a\n    homepage: http://127.0.0.1:9/\n"
        "    feeds: [http://127.0.0.1:9/feed]\n",
        encoding="utf-8",
    )
    env = {"VEILLE_SOURCES": str(sources)}
    args = ["run", "--once"]
    if given == "--db":
        args = ["--db", location, *args]
    else:
        env["VEILLE_DB"] = location
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("error: ") and "postgresql://user:password@host" in line, line
    assert password not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources.yaml"]  # nothing made


def test_allowed_networks_written_as_text_are_taken_as_the_crawl_reads_them():
    """VEILLE_ALLOWED_NETWORKS as one text of networks separated by commas, which the crawl
    reads as a list (Scrapy's getlist), was refused at the start as one network."""
    from monitors.service.config import load_settings

    values = {"VEILLE_ALLOWED_NETWORKS": "127.0.0.0/8,10.20.0.0/16"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VEILLE_CRAWL_SETTINGS", json.dumps(values))
        assert load_settings().crawl_settings == values
        patch.setenv("VEILLE_CRAWL_SETTINGS", json.dumps({"VEILLE_ALLOWED_NETWORKS": "10.0/33"}))
        with pytest.raises(VeilleError, match="entry '10.0/33' is not a network"):
            load_settings()


def test_a_log_format_of_the_environment_is_said_as_the_variable(tmp_path):
    """VEILLE_LOG_FORMAT=xml was refused as « Invalid value for '--log-format' », an option the
    user never gave, under the whole usage; it is said as the variable, with the values to
    give, and a value in capitals or with a space around it is taken."""
    db = ["--db", str(tmp_path / "veille.db"), "status"]
    result = CliRunner().invoke(cli, db, env={"VEILLE_LOG_FORMAT": "xml"})
    assert result.exit_code == 2, result.output
    assert result.output == (
        "error: environment variable VEILLE_LOG_FORMAT='xml': give text (the default) or json "
        "(one JSON object per line)\n"
    )
    misspelt = {"VEILLE_LOG_FORMAT": " JSON", "VEILLE_CRAWL_WORKER": "2"}  # a warning to log
    result = CliRunner().invoke(cli, db, env=misspelt)
    assert '"level": "WARNING"' in result.output and "VEILLE_CRAWL_WORKERS" in result.output, (
        result.output
    )
