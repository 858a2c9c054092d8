"""A store that opens in the background, so the board's first frame need not wait for it.

Attribute access waits until the store is open (or re-raises why it could not open), so
code written for a Store works unchanged; ``settings`` is there at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vadesk.config import Settings

if TYPE_CHECKING:
    from vadesk.services.store import Store


class StoreHandle:
    def __init__(self, opener: Callable[[], Store], settings: Settings) -> None:
        self.settings = settings
        self._opener = opener
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._started = False

    def start(self) -> None:
        """Open the store in a background thread (once)."""
        if not self._started:
            self._started = True
            threading.Thread(target=self._open, name="vadesk-open-store", daemon=True).start()

    def _open(self) -> None:
        try:
            self._store = self._opener()
        except BaseException as error:
            self._error = error
        finally:
            self._ready.set()

    def get(self) -> Store:
        self.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._store is not None
        return self._store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
