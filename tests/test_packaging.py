"""A non-editable install (a wheel) must carry and find its migrations.

Passes alike in a virtual environment, in CI and with a system Python: the nested venv
borrows the running interpreter's installed dependencies, not the base interpreter's.
"""

from __future__ import annotations

import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def borrow_dependencies(python: Path) -> None:
    """Let a fresh venv import what the running interpreter has installed (offline, fast).

    `venv --system-site-packages` would only see the base interpreter's packages, which
    inside a virtual environment lack vadesk's dependencies. A .pth file appends the running
    interpreter's site folders to the venv's path, after its own site-packages, and the
    .pth files in them (such as an editable install of this checkout) are not run, so the
    venv still imports the wheel.
    """
    folders = [*site.getsitepackages()]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    own = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "borrowed-dependencies.pth").write_text("\n".join(folders) + "\n")


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
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    borrow_dependencies(python)
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
