"""A non-editable install (a wheel) must carry and find its migrations."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_install_finds_migrations_from_another_directory(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("vadesk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "vadesk/migrations/env.py" in names
    assert any(n.startswith("vadesk/migrations/versions/0001") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    db = f"sqlite:///{tmp_path / 'w.db'}"
    where = subprocess.run(
        [str(python), "-c", "import vadesk; print(vadesk.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where, "the wheel, not the checkout, must be imported"
    run = [str(venv / "bin" / "vadesk"), "--db", db]
    subprocess.run([*run, "card", "add", "from a wheel"], cwd=elsewhere, check=True)
    listed = subprocess.run(
        [*run, "card", "list", "--json"], cwd=elsewhere, capture_output=True, text=True, check=True
    )
    assert [c["title"] for c in json.loads(listed.stdout)] == ["from a wheel"]
