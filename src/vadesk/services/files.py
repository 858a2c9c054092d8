"""Writing files only their owner may read (exports, reports, backups)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_private(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as mode 0600, whole or not at all.

    The bytes go to a new 0600 file in the same folder and replace ``path`` at once, so an
    existing file ends up 0600 too (``os.open`` with O_CREAT keeps an old file's mode) and a
    full disk never leaves half a file. An OSError names the path (the CLI prints it).
    """
    target = Path(path).expanduser()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:  # name the file asked for, not the temporary one
        raise OSError(error.errno, error.strerror, str(target)) from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OSError(error.errno, error.strerror, str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
