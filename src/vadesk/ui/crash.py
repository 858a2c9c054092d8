"""A crash report in the log folder: the traceback, never local variables or SQL parameters."""

from __future__ import annotations

import platform
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

from vadesk import __version__
from vadesk.services.files import write_private

# SQLAlchemy puts the statement's parameters (card text, a client's name) into its messages.
PARAMETERS = re.compile(r"\[parameters: .*?\]$", re.MULTILINE | re.DOTALL)


def crash_text(error: BaseException) -> str:
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return PARAMETERS.sub("[parameters: hidden]", "".join(lines))


def write_crash_report(error: BaseException, folder: Path) -> Path:
    """Write ``crash-<UTC time>.txt`` (mode 0600) into ``folder``; its path. Raises OSError."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.txt"
    header = (
        f"vadesk {__version__} crashed at {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"Python {platform.python_version()} on {platform.platform()}\n\n"
    )
    return write_private(path, (header + crash_text(error)).encode("utf-8"))
