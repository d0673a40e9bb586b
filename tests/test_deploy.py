"""How veille is run: the container image and the systemd units. No container engine runs
here, so the Dockerfile is checked by reading it and by building the wheel it installs; the
units by reading them and running the commands they start with --help."""

from __future__ import annotations

import configparser
import shlex
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitors.cli import cli

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

ROOT = Path(__file__).resolve().parent.parent


def _instructions(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_dockerfile_runs_the_daemon_with_data_in_a_volume_and_no_secrets():
    steps = _instructions(ROOT / "Dockerfile")
    kinds = [kind for kind, _ in steps]
    assert kinds[0] == "FROM" and steps[0][1].startswith("python:3.11")
    for kind, value in steps:
        if kind == "COPY":
            *sources, _ = shlex.split(value)
            assert all((ROOT / s).exists() for s in sources), value
    env = " ".join(value for kind, value in steps if kind == "ENV")
    assert "VEILLE_DB=/data/veille.db" in env
    # the configuration is looked up (/etc/veille/, a volume) before the copy in the package
    assert "VEILLE_SOURCES" not in env and "VEILLE_WATCHLISTS" not in env
    assert not any(word in env.upper() for word in ("PASSWORD", "TOKEN", "WEBHOOK"))
    assert ("VOLUME", '["/data"]') in steps and ("USER", "veille") in steps
    assert ("ENTRYPOINT", '["veille"]') in steps and (
        "CMD",
        '["run", "--health-port", "8099"]',
    ) in steps
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "data"} <= set(ignored)


def test_the_wheel_the_image_installs_carries_templates_and_web_assets(project_wheel):
    wheel = project_wheel
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "monitors/alerts/templates/alert.html.j2" in names
    assert "monitors/web/metadata.yaml" in names
    assert {"seeds/sources.yaml", "seeds/watchlists.yaml"} <= names
    assert {"seeds/secrets.env.example", "crawler/stories/gazetteer.yaml"} <= names
    assert "monitors/demo/site/sources.yaml" in names
    assert "crawler/spiders/news.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


@pytest.mark.parametrize("unit", ["veille.service", "veille-serve.service"])
def test_systemd_units_start_commands_that_exist(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / unit, encoding="utf-8")
    service = parser["Service"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "true"
    for key in ("ExecStartPre", "ExecStart"):
        if key not in service:
            continue
        program, *args = shlex.split(service[key])
        assert program.endswith("/.venv/bin/veille")
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, (unit, key, result.output)
        for option in (a for a in args if a.startswith("--")):
            assert option in result.output, (unit, option)


def test_the_container_web_view_listens_beyond_loopback_only_behind_an_auth_proxy():
    refused = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and "--behind-auth-proxy" in refused.output
    helped = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--behind-auth-proxy" in helped.output


CONFIGURATION = ("VEILLE_DB", "VEILLE_SOURCES", "VEILLE_WATCHLISTS", "VEILLE_SECRETS")


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    text = (ROOT / "deploy" / name).read_text(encoding="utf-8")
    # systemd repeats Environment= lines; configparser would keep the last: number them
    lines, count = [], 0
    for line in text.splitlines():
        if line.startswith("Environment="):
            count += 1
            line = f"Environment{count}=" + line.split("=", 1)[1]
        lines.append(line)
    parser.read_string("\n".join(lines))
    return parser["Service"]


def _environment(service: configparser.SectionProxy) -> dict[str, str]:
    pairs = [value.split("=", 1) for key, value in service.items() if key.startswith("Environment")]
    return {key: value for key, value in pairs if not key.startswith("Environment")}


def test_the_web_view_reads_the_daemons_configuration_and_secrets():
    """The web view's unit showed the bundled watchlists, not the daemon's, and never read the
    secrets file (its password hash, people's mail server): both units now name the same
    database, sources, watchlists and secrets file, and nothing else feeds either one."""
    daemon, web = _unit("veille.service"), _unit("veille-serve.service")
    daemon_env, web_env = _environment(daemon), _environment(web)
    assert set(CONFIGURATION) <= set(daemon_env)
    assert {key: web_env.get(key) for key in CONFIGURATION} == {
        key: daemon_env[key] for key in CONFIGURATION
    }
    assert daemon.get("EnvironmentFile") == web.get("EnvironmentFile")
    assert daemon["WorkingDirectory"] == web["WorkingDirectory"]
    # on PostgreSQL the daemon's pidfile and crawl log are the working folder's data/: the
    # units' /opt/veille was read-only to them (ProtectSystem=strict), and the daemon died
    assert daemon["WorkingDirectory"] in daemon["ReadWritePaths"].split()
    # the reader saves watchlists beside the watchlists file: that folder must be writable
    folder = str(Path(web_env["VEILLE_WATCHLISTS"]).parent)
    assert folder in web["ReadWritePaths"].split()


def test_the_units_configuration_loads_as_the_daemon_and_the_web_view_see_it(tmp_path, monkeypatch):
    """The units' four variables, with /etc/veille and /var/lib/veille moved to a temporary
    folder holding what `veille init` writes there (the units' comment says to run it): `rules
    check` (both units' first command) passes and both commands load the same settings, the
    secrets file included."""
    from monitors.service.config import load_settings

    etc, var = tmp_path / "etc", tmp_path / "var"
    var.mkdir()
    assert "veille init /etc/veille" in (ROOT / "deploy" / "veille.service").read_text()
    initialised = CliRunner().invoke(cli, ["init", str(etc)])
    assert initialised.exit_code == 0, initialised.output
    with (etc / "secrets.env").open("a", encoding="utf-8") as secrets:
        secrets.write("VEILLE_SLACK_WEBHOOK_URL=json://127.0.0.1:9/hook\n")
    for unit in ("veille.service", "veille-serve.service"):
        for key, value in _environment(_unit(unit)).items():
            value = value.replace("/etc/veille", str(etc)).replace("/var/lib/veille", str(var))
            monkeypatch.setenv(key, value)
        settings = load_settings()
        assert (settings.sources, settings.watchlists, settings.secrets) == (
            etc / "sources.yaml",
            etc / "watchlists.yaml",
            etc / "secrets.env",
        )
        assert settings.db == var / "veille.db"
        checked = CliRunner().invoke(cli, ["rules", "check", "--json"])
        assert checked.exit_code == 0, checked.output
        assert str(etc / "watchlists.yaml") in checked.stdout
