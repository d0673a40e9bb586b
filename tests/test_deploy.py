"""How veille is run: the container image and the systemd units. No container engine runs
here, so the Dockerfile is checked by reading it and by building the wheel it installs; the
units by reading them and running the commands they start with --help."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitors.cli import cli

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
    for key in ("VEILLE_SOURCES", "VEILLE_WATCHLISTS"):
        path = next(p for p in env.split() if p.startswith(key)).split("=", 1)[1]
        assert (ROOT / path.removeprefix("/opt/veille/")).is_file(), path
    assert not any(word in env.upper() for word in ("PASSWORD", "TOKEN", "WEBHOOK"))
    assert ("VOLUME", '["/data"]') in steps and ("USER", "veille") in steps
    assert ("ENTRYPOINT", '["veille"]') in steps and ("CMD", '["run"]') in steps
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "data"} <= set(ignored)


def test_the_wheel_the_image_installs_carries_templates_and_web_assets(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("veille-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "monitors/alerts/templates/alert.html.j2" in names
    assert "monitors/web/metadata.yaml" in names
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
