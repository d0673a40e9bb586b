"""The README's command table ("Everyday commands") and the `veille` command agree, both ways:
every command of the CLI (each leaf: `rules check`, `users add`…) has a row, every row names
commands and options that exist, and the commands said to take --json do (sqlite-utils'
tests/test_docs.py does the same for its CLI reference)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from monitors.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
_CODE = re.compile(r"`([^`]+)`")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def cli_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every command a user runs, as written after `veille` ("status", "rules check")."""
    found: set[str] = set()
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found |= cli_commands(command, path)
        else:
            found.add(" ".join(path))
    return found


def table_rows(section: str) -> list[str]:
    """The commands of the first cell of each row of the section's command table, without
    their backticks; a span that does not start with `veille` (`` / `--text "…"` ``) adds to
    the command before it."""
    rows: list[str] = []
    for line in section.splitlines():
        if line.startswith("| `veille"):
            for span in _CODE.findall(line.split(" | ", 1)[0][2:]):
                if span.startswith("veille "):
                    rows.append(span)
                else:
                    rows[-1] += " " + span
    return rows


def documented(row: str) -> tuple[set[str], set[str]]:
    """The commands (`a|b` written as alternatives expanded) and the options a row names:
    `veille alerts list\\|show\\|retry` is three commands; `veille rules test URL\\|FILE\\|-`
    one, its arguments in capitals."""
    words = row.replace("\\|", "|").split()
    assert words[0] == "veille", row
    paths: list[tuple[str, ...]] = [()]
    options: set[str] = set()
    in_command = True
    for word in words[1:]:
        names = word.split("|")
        if in_command and all(re.fullmatch(r"[a-z][a-z-]*", n) for n in names):
            paths = [(*p, n) for p in paths for n in names]
            continue
        in_command = False
        options |= {o for o in re.findall(r"--[a-z][a-z-]*", word)}
    return {" ".join(p) for p in paths}, options


def _command(path: str) -> click.Command:
    command: click.Command = cli
    for name in path.split():
        assert isinstance(command, click.Group), f"{path}: {name!r} is not under a group"
        command = command.commands[name]
    return command


def _options(command: click.Command) -> set[str]:
    return {o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


def test_every_command_has_a_row_in_the_readme():
    rows = table_rows(_section("Everyday commands"))
    named = set().union(*(documented(row)[0] for row in rows))
    missing = cli_commands() - named
    assert not missing, (
        f"commands missing from the README's command table (section 'Everyday commands'): "
        f"{', '.join(sorted(missing))}"
    )


@pytest.mark.parametrize("row", table_rows(_section("Everyday commands")))
def test_each_row_names_commands_and_options_that_exist(row):
    commands, options = documented(row)
    known = cli_commands()
    for path in commands:
        assert path in known, f"the README names `veille {path}`, which is not a command"
        unknown = options - _options(_command(path))
        assert not unknown, f"`veille {path}` has no option {', '.join(sorted(unknown))}"


def test_the_commands_said_to_print_json_take_it():
    """'every command that prints data takes --json (`status`, `stories`…)' in the README."""
    section = _section("Everyday commands")
    sentence = section[section.index("takes `--json`") :].split(";", 1)[0]
    listed = _CODE.findall(sentence)[1:]  # after `--json` itself
    assert len(listed) >= 5, sentence
    for path in listed:
        assert path in cli_commands(), f"`{path}` is not a command"
        assert "--json" in _options(_command(path)), f"`veille {path}` takes no --json"
    taking = {path for path in cli_commands() if "--json" in _options(_command(path))}
    assert not taking - set(listed), f"the sentence leaves out {sorted(taking - set(listed))}"


def test_the_reading_of_the_table_finds_what_is_missing():
    """The checks above can fail: a command added to the CLI and not to the README is found."""
    extra = click.Group("extra", commands=[click.Command("thing"), click.Command("other")])
    assert cli_commands(click.Group(commands=[extra])) == {"extra thing", "extra other"}
    assert documented("veille alerts list\\|show\\|retry [--json]") == (
        {"alerts list", "alerts show", "alerts retry"},
        {"--json"},
    )
    assert documented("veille rules test URL\\|FILE\\|-") == ({"rules test"}, set())
    rows = table_rows('| `veille rules test URL` / `--text "…"` | which |\n| `veille x` | y |')
    assert rows == ['veille rules test URL --text "…"', "veille x"]
    assert documented("veille export --format csv\\|jsonl\\|atom") == ({"export"}, {"--format"})


def test_the_python_example_of_the_scripting_page_runs(tmp_path, capsys):
    """docs/scripting.md's example, run on a database of a few stored articles."""
    from .test_reader_guard import make_db

    page = (README.parent / "docs" / "scripting.md").read_text(encoding="utf-8")
    section = page[page.index("## From Python") :]
    example = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    db = make_db(tmp_path, articles=3)
    assert '"data/veille.db"' in example
    exec(compile(example.replace('"data/veille.db"', repr(str(db))), "scripting.md", "exec"), {})
    printed = capsys.readouterr().out.rstrip("\n").split("\n")  # a title holds a form feed
    assert len(printed) == 4 + 2  # four hits, then two summaries
    assert printed[-2] == "4 of 4 articles" and printed[-1] == "4 articles, 0 alerts"


def _options_without_help(
    command: click.Command = cli, path: tuple[str, ...] = ("veille",)
) -> list[str]:
    found = [
        f"{' '.join(path)} {option.opts[0]}"
        for option in command.params
        if isinstance(option, click.Option) and not option.help
    ]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += _options_without_help(sub, (*path, name))
    return found


def test_every_option_says_in_its_help_what_it_does():
    """`veille COMMAND --help` lists every option (the README says so): with what it does, not
    a bare name and type."""
    assert _options_without_help() == []
