"""Small usage points of the `veille` command: --version, global options placed after the
command, JSON on failure, watchlists defined but not matched yet."""

from __future__ import annotations

from importlib.metadata import version

from click.testing import CliRunner

from monitors.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_prints_the_installed_version():
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(version("veille"))
