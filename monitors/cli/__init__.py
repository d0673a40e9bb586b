"""The `veille` command: a thin layer over the library (crawler.*, monitors.*).

The group and its global options are in `group.py`; each command lives in the module of its
group, and is added to the group here, in one list:

- `run.py`: run, reload, stop    - `status.py`: status
- `demo.py`: demo                - `articles.py`: stories, search, export
- `database.py`: import, db      - `rules.py`: rules (check, test, backtest)
- `extract.py`: extract          - `sources.py`: sources (check)
- `alerts.py`: notify, alerts    - `serve.py`: serve
- `people.py`: users               - `init.py`: init

What the commands share (the invocation's settings and database, checked dates and names,
bounded numbers) is in `options.py`; logging set-up in `logs.py`.
"""

from __future__ import annotations

from monitors.cli import (
    alerts,
    articles,
    database,
    demo,
    extract,
    init,
    people,
    rules,
    run,
    serve,
    sources,
    status,
)
from monitors.cli.group import cli
from monitors.cli.logs import LOG_FORMAT, JsonFormatter, setup_logging

__all__ = ["LOG_FORMAT", "JsonFormatter", "cli", "main", "setup_logging"]


def _add_commands() -> None:
    for command in (
        run.run,
        run.reload,
        run.stop,
        init.init,
        demo.demo,
        status.status,
        articles.stories,
        articles.search,
        articles.export,
        database.import_command,
        database.db,
        serve.serve,
        sources.sources,
        rules.rules,
        extract.extract_command,
        alerts.notify,
        alerts.alerts,
        people.users,
    ):
        cli.add_command(command)


_add_commands()


def main() -> None:
    cli()
