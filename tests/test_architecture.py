"""The layers of DESIGN.md hold: nothing below ui imports Textual, ui never imports db, and
inside ui the app sits above screens, screens above widgets, widgets above helpers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    command = shutil.which("lint-imports")
    assert command is not None, "import-linter is in the test extras"
    result = subprocess.run([command], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "5 kept, 0 broken" in result.stdout
    assert "Portal reaches the database only through services" in result.stdout
    assert "UI layers: app above screens above widgets above helpers" in result.stdout
