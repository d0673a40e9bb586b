"""Where the configuration files are found (docs/configuration.md): a flag, then the
environment, then ./, ~/.config/veille/ (or $XDG_CONFIG_HOME/veille/), /etc/veille/, then the
copies bundled with the package; each file on its own. The folders are parameters of the lookup,
so /etc is never touched: the system folder is a temporary one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.core.errors import VeilleError
from monitors.cli import cli
from monitors.service import locations
from monitors.service.config import load_settings
from seeds import BUNDLED_SOURCES, BUNDLED_WATCHLISTS

NAMES = {
    "sources": locations.SOURCES,
    "watchlists": locations.WATCHLISTS,
    "secrets": locations.SECRETS,
}
VARIABLES = {
    "sources": "VEILLE_SOURCES",
    "watchlists": "VEILLE_WATCHLISTS",
    "secrets": "VEILLE_SECRETS",
}
BUNDLED = {"sources": BUNDLED_SOURCES, "watchlists": BUNDLED_WATCHLISTS, "secrets": None}


@pytest.fixture
def folders(tmp_path, monkeypatch) -> locations.Folders:
    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    found = locations.Folders(tmp_path / "work", tmp_path / "user", tmp_path / "etc")
    for folder in found.in_order():
        folder.mkdir()
    return found


def _put(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("# a file of its own\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("setting", ["sources", "watchlists", "secrets"])
def test_each_file_is_taken_from_the_first_place_that_has_it(
    setting, folders, tmp_path, monkeypatch
):
    name = NAMES[setting]
    assert getattr(load_settings(folders), setting) == BUNDLED[setting]
    system = _put(folders.system, name)
    assert getattr(load_settings(folders), setting) == system
    user = _put(folders.user, name)
    assert getattr(load_settings(folders), setting) == user
    here = _put(folders.working, name)
    assert getattr(load_settings(folders), setting) == here
    named = _put(tmp_path, f"named-{name}")
    monkeypatch.setenv(VARIABLES[setting], str(named))
    assert getattr(load_settings(folders), setting) == named
    flagged = _put(tmp_path, f"flagged-{name}")
    assert getattr(load_settings(folders, **{setting: flagged}), setting) == flagged


def test_files_are_looked_up_one_by_one(folders):
    """The user's watchlists beside the bundled sources: a folder need not hold all three."""
    watchlists = _put(folders.user, locations.WATCHLISTS)
    secrets = _put(folders.system, locations.SECRETS)
    settings = load_settings(folders)
    assert (settings.sources, settings.watchlists, settings.secrets) == (
        BUNDLED_SOURCES,
        watchlists,
        secrets,
    )


def test_a_folder_named_like_a_file_is_passed_over(folders):
    (folders.working / locations.SOURCES).mkdir()
    assert load_settings(folders).sources == BUNDLED_SOURCES


def test_the_user_folder_follows_xdg_config_home_then_home():
    assert locations.user_folder({"XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/a"}) == Path(
        "/x/conf/veille"
    )
    assert locations.user_folder({"HOME": "/home/a"}) == Path("/home/a/.config/veille")
    assert locations.user_folder({"XDG_CONFIG_HOME": "", "HOME": "/home/a"}) == Path(
        "/home/a/.config/veille"
    )


def test_the_bundled_files_are_package_data():
    """Found through importlib.resources in the package `seeds` (the top-level folder, shipped
    in the wheel: tests/test_installed.py), not by a path relative to the working directory."""
    import seeds

    folder = Path(str(seeds.__file__)).parent
    assert folder / "sources.yaml" == BUNDLED_SOURCES and BUNDLED_SOURCES.is_file()
    assert folder / "watchlists.yaml" == BUNDLED_WATCHLISTS and BUNDLED_WATCHLISTS.is_file()


def test_the_command_line_reads_the_watchlists_of_the_working_directory_and_the_user_folder(
    tmp_path, monkeypatch
):
    """`veille rules check` with no flag nor variable: ./watchlists.yaml first, then the one in
    $XDG_CONFIG_HOME/veille/."""
    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    work, config_home = tmp_path / "work", tmp_path / "config"
    (config_home / "veille").mkdir(parents=True)
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    user_rules = "watchlists:\n  - name: de-l-utilisateur\n    terms: [cloud]\n"
    (config_home / "veille" / "watchlists.yaml").write_text(user_rules, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", "--json"])
    assert result.exit_code == 0, result.output
    assert "de-l-utilisateur" in result.stdout
    here_rules = "watchlists:\n  - name: du-dossier\n    terms: [cloud]\n"
    (work / "watchlists.yaml").write_text(here_rules, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", "--json"])
    assert result.exit_code == 0, result.output
    assert "du-dossier" in result.stdout and "de-l-utilisateur" not in result.stdout


def test_the_environment_wins_over_the_secrets_file_even_over_an_empty_line(tmp_path, monkeypatch):
    """As documented; `veille init`'s template leaves its variables empty, and an empty line
    took the place of the variable set in the environment (the channel was off)."""
    from crawler.core.secrets import load_secrets_file
    from monitors.service.watchlists import load_watchlists

    rules = tmp_path / "watchlists.yaml"
    rules.write_text(
        'channels:\n  equipe:\n    url: "${VEILLE_TEST_HOOK}"\n'
        "watchlists:\n  - name: wl\n    terms: [cloud]\n    notify: [equipe]\n",
        encoding="utf-8",
    )
    secrets = tmp_path / "secrets.env"
    secrets.write_text("VEILLE_TEST_HOOK=\n", encoding="utf-8")
    monkeypatch.setenv("VEILLE_TEST_HOOK", "json://127.0.0.1:9/from-environment")
    channel = load_watchlists(rules, load_secrets_file(secrets)).delivery.channels["equipe"]
    assert channel.url == "json://127.0.0.1:9/from-environment"
    secrets.write_text("VEILLE_TEST_HOOK=json://127.0.0.1:9/from-file\n", encoding="utf-8")
    channel = load_watchlists(rules, load_secrets_file(secrets)).delivery.channels["equipe"]
    assert channel.url == "json://127.0.0.1:9/from-environment"
    monkeypatch.delenv("VEILLE_TEST_HOOK")
    channel = load_watchlists(rules, load_secrets_file(secrets)).delivery.channels["equipe"]
    assert channel.url == "json://127.0.0.1:9/from-file"


def test_the_web_views_password_hash_in_the_environment_wins_over_the_secrets_file(
    tmp_path, monkeypatch
):
    """As for the channels: the file's hash was taken over the environment's. A malformed hash
    in the environment is now the one checked (and refused), the file's valid one ignored."""
    from monitors.people.passwords import hash_password

    secrets = tmp_path / "secrets.env"
    secrets.write_text(
        f"VEILLE_WEB_PASSWORD_HASH={hash_password('correct horse battery')}\n", encoding="utf-8"
    )
    monkeypatch.setenv("VEILLE_WEB_PASSWORD_HASH", "hunter2-in-clear")
    result = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "none.db"), "--secrets", str(secrets), "serve"]
        + ["--host", "192.0.2.1"],
    )
    assert result.exit_code == 2 and "--hash-password" in result.output
    assert "hunter2" not in result.output


def test_a_file_found_in_the_working_directory_is_named_by_its_absolute_path(tmp_path, monkeypatch):
    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    _put(tmp_path, locations.SOURCES)
    found = load_settings().sources
    assert found.is_absolute() and found == tmp_path / locations.SOURCES


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_a_folder_this_user_may_not_enter_is_said_not_a_traceback(monkeypatch):
    """Run as another user with root's HOME kept (runuser -u veille veille status), the user
    folder /root/.config/veille/ cannot be looked in: that was a PermissionError traceback."""
    base = Path(tempfile.mkdtemp(prefix="veille-locations-", dir="/tmp"))
    base.chmod(0o711)  # reached by anyone, as /root/.config's parents are
    found = locations.Folders(base / "work", base / "user", base / "etc")
    for folder in found.in_order():
        folder.mkdir(mode=0o755)
    found.user.chmod(0o700)  # root's own
    os.seteuid(65534)
    try:
        with pytest.raises(VeilleError) as refused:
            locations.find(locations.SOURCES, found)
    finally:
        os.seteuid(0)
        shutil.rmtree(base)
    assert f"cannot look for sources.yaml in {found.user}{os.sep}" in str(refused.value)
    assert "--sources" in str(refused.value)
