"""The command line's own edges: every number it takes is bounded (a value past what SQLite or a
socket holds is refused with the option's range, no traceback), and text from web pages reaches
the terminal shown, never obeyed as terminal commands."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.cli import cli

HUGE = "99999999999999999999"


def _parameters(command: click.Command, path: tuple[str, ...] = ()):
    for param in command.params:
        yield path, param
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _parameters(sub, (*path, name))


def test_every_number_the_command_line_takes_is_bounded():
    numbers = [
        (path, param)
        for path, param in _parameters(cli)
        if isinstance(param.type, click.types.IntParamType | click.types.FloatParamType)
    ]
    assert len(numbers) >= 12
    for path, param in numbers:
        kind = param.type
        assert isinstance(kind, click.IntRange | click.FloatRange), (path, param.name)
        assert kind.min is not None and kind.max is not None, (path, param.name)


@pytest.mark.parametrize(
    "arguments",
    [
        ["search", "cloud", "--limit", HUGE],
        ["stories", "--limit", HUGE],
        ["stories", "--min-sources", HUGE],
        ["alerts", "list", "--limit", HUGE],
        ["alerts", "show", HUGE],
        ["alerts", "retry", HUGE],
        ["rules", "backtest", "x", "--show", HUGE],
        ["serve", "--port", HUGE],
        ["run", "--once", "--health-port", HUGE],
        ["sources", "check", "--offline", "--timeout", "1e999"],
        ["extract", "http://127.0.0.1:9/", "--timeout", "nan"],
        ["rules", "test", "http://127.0.0.1:9/", "--timeout", "-1"],
        ["search", "cloud", "--limit", "0"],
    ],
)
def test_a_number_out_of_bounds_is_refused_with_its_range(tmp_path, arguments):
    store.open_database(tmp_path / "v.db").conn.close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "v.db"), *arguments])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # said, not a traceback
    assert "Invalid value for" in result.output
    assert "is not in the range" in result.output or "is not a number" in result.output


TITLE = "Titre\x1b[2J\x1b]0;owned\x07 piégé\r\x9b31m rouge\x7f"


def test_search_shows_control_characters_instead_of_obeying_them(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    import_records(
        db,
        [
            ImportRecord(
                1,
                "https://www.exemple.ma/titre-piege",
                "Le cloud souverain avance au Maroc.",
                "exemple",
                title=TITLE,
            )
        ],
    )
    db.conn.close()
    args = ["--db", str(tmp_path / "v.db"), "search", "cloud"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for raw in ("\x1b", "\x07", "\r", "\x9b", "\x7f"):
        assert raw not in result.output
    assert "Titre\\x1b[2J\\x1b]0;owned\\x07 piégé\\x0d\\x9b31m rouge\\x7f" in result.output

    as_json = CliRunner().invoke(cli, [*args, "--json"])
    assert as_json.exit_code == 0
    assert "\x9b" not in as_json.output and "\x1b" not in as_json.output
    assert json.loads(as_json.stdout)[0]["title"] == TITLE  # the same strings, escaped


def test_a_local_page_is_read_only_up_to_the_crawls_cap(tmp_path):
    """`veille extract FILE` (and `rules test FILE`) read the whole file, then kept its first
    10 MB: a page of gigabytes (a disk image given by mistake) took as much memory."""
    import tracemalloc

    from monitors.rules.trial import MAX_PAGE_BYTES, load_page

    huge = tmp_path / "page.html"
    with huge.open("wb") as out:  # sparse: no disk is used
        out.truncate(30 * MAX_PAGE_BYTES)
    tracemalloc.start()
    try:
        page, _ = load_page(str(huge))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(page) == MAX_PAGE_BYTES
    assert peak < 3 * MAX_PAGE_BYTES, peak


def test_a_folder_given_for_a_page_is_said_to_be_one(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path}: a folder, not a page" in result.output
