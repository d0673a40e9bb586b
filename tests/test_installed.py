"""veille installed the way Python users install tools, run outside the repository: a clean
virtual environment built here from a wheel of the project, then `veille --version`, `veille
init`, `veille rules check` and `veille demo` run from an empty folder. `pip install` gave a
veille whose `rules check`, `run` and even `demo` failed outside the repository
(`…/site-packages/seeds/sources.yaml: file not found`).

To stay fast and offline, the environment takes the project's dependencies from this test run's
own environment (a .pth file naming its site-packages: no package registry is asked) and gets the
wheel alone (`pip install --no-deps`). The editable install of the project in that environment
is not active there (its .pth hook is not processed through a path line): the test checks that
veille's modules load from the new environment."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .demo_story import assert_one_alert_for_the_story_of_several_outlets

# A wheel built, an environment made, the demo's crawl: some 40 s on a loaded 2-core machine.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(project_wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(bin folder, environment) of a fresh virtual environment holding the wheel."""
    home = tmp_path_factory.mktemp("installed")
    env_dir = home / "env"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies: this environment's site-packages, after the new one's own.
    Path(site, "project-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-deps", "--no-index", str(project_wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VEILLE_", "PYTHON", "VIRTUAL_ENV"))
    }
    environment |= {
        "HOME": str(home / "user"),
        "XDG_CONFIG_HOME": str(home / "user" / ".config"),
        "PATH": f"{env_dir / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        "VEILLE_ALERT_MAX_AGE_DAYS": "off",  # the demo's fixture articles carry fixed dates
    }
    return env_dir / "bin", environment


def _veille(installed, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bin_folder, environment = installed
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(bin_folder / "veille"), *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_installed_package_is_the_wheel_not_the_repository(installed, tmp_path):
    bin_folder, environment = installed
    where = subprocess.run(
        [str(bin_folder / "python"), "-c", "import crawler, monitors; print(monitors.__file__)"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(bin_folder.parent) and not Path(where).is_relative_to(ROOT)


def test_version_init_rules_check_and_demo_work_outside_the_repository(installed, tmp_path):
    elsewhere = tmp_path / "anywhere"
    assert not elsewhere.resolve().is_relative_to(ROOT)

    version = _veille(installed, elsewhere, "--version")
    assert version.returncode == 0 and version.stdout.startswith("veille 0."), version.stderr

    user_folder = Path(installed[1]["XDG_CONFIG_HOME"]) / "veille"
    init = _veille(installed, elsewhere, "init")
    assert init.returncode == 0, init.stdout + init.stderr
    assert {p.name for p in user_folder.iterdir()} == {
        "sources.yaml",
        "watchlists.yaml",
        "secrets.env",
    }
    assert (user_folder / "secrets.env").stat().st_mode & 0o777 == 0o600

    check = _veille(installed, elsewhere, "rules", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "6 watchlists — valid" in check.stdout
    sources = _veille(installed, elsewhere, "sources", "check", "--offline")
    assert sources.returncode == 0, sources.stdout + sources.stderr

    demo = _veille(installed, elsewhere, "demo")
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "Demo done: 10 articles stored" in demo.stdout
    assert_one_alert_for_the_story_of_several_outlets(demo.stdout)
    assert (elsewhere / "data" / "demo" / "demo.db").is_file()  # in the folder it ran in
    assert "veille --db data/demo/demo.db serve" in demo.stdout.strip().splitlines()[-1]
