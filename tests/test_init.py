"""`veille init [DIR]`: a starter configuration (the bundled sources and watchlists, a secrets
template readable by its owner alone) that veille then finds, and that is never written over."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from monitors.cli import cli
from seeds import BUNDLED_SOURCES, BUNDLED_WATCHLISTS, SECRETS_TEMPLATE

NAMES = ("sources.yaml", "watchlists.yaml", "secrets.env")


def _init(*args: str):
    return CliRunner().invoke(cli, ["init", *args])


def test_init_writes_the_bundled_files_and_a_secrets_file_of_mode_600(tmp_path):
    folder = tmp_path / "conf"
    old_umask = os.umask(0)  # the most permissive: the file's own mode must still be 600
    try:
        result = _init(str(folder))
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert (folder / "sources.yaml").read_bytes() == BUNDLED_SOURCES.read_bytes()
    assert (folder / "watchlists.yaml").read_bytes() == BUNDLED_WATCHLISTS.read_bytes()
    assert (folder / "secrets.env").read_bytes() == SECRETS_TEMPLATE.read_bytes()
    assert stat.S_IMODE((folder / "secrets.env").stat().st_mode) == 0o600
    for name in NAMES:
        assert f"wrote {folder / name}" in result.output
    assert "not a folder veille looks in" in result.output  # and how to point veille at it


def test_the_secrets_template_names_every_variable_of_the_bundled_channels():
    from crawler.core.secrets import load_secrets_file
    from monitors.service.watchlists import load_watchlists

    template = load_secrets_file(SECRETS_TEMPLATE)
    channels = load_watchlists(BUNDLED_WATCHLISTS, {}).delivery.channels.values()
    needed = {name for channel in channels for name in channel.missing}
    assert needed and needed <= set(template)


@pytest.mark.parametrize("already", [NAMES, ("watchlists.yaml",), ("secrets.env",)])
def test_init_never_overwrites_and_then_writes_nothing(tmp_path, already):
    folder = tmp_path / "conf"
    folder.mkdir()
    for name in already:
        (folder / name).write_text(f"# my own {name}\n", encoding="utf-8")
    result = _init(str(folder))
    assert result.exit_code == 2
    assert "never overwrites" in result.output
    for name in already:
        assert str(folder / name) in result.output
        assert (folder / name).read_text(encoding="utf-8") == f"# my own {name}\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted(already)


def test_init_defaults_to_the_user_folder_where_veille_then_finds_it(tmp_path, monkeypatch):
    for variable in ("VEILLE_SOURCES", "VEILLE_WATCHLISTS", "VEILLE_SECRETS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    result = _init()
    assert result.exit_code == 0, result.output
    folder = tmp_path / "config" / "veille"
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert "not a folder veille looks in" not in result.output
    (folder / "watchlists.yaml").write_text(
        (folder / "watchlists.yaml").read_text(encoding="utf-8")
        + "  - name: ma-liste\n    terms: [cloud]\n",
        encoding="utf-8",
    )
    checked = CliRunner().invoke(cli, ["rules", "check", "--json"])
    assert checked.exit_code == 0, checked.output
    assert str(folder / "watchlists.yaml") in checked.stdout and "ma-liste" in checked.stdout


def test_init_in_a_folder_that_cannot_be_created_says_so(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = _init(str(blocker / "conf"))
    assert result.exit_code == 2 and "cannot create" in result.output
