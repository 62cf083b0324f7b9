"""A bounded store of results kept in the process, the least recently used dropped first (issue 16: rendered page
contents and pure calculations the signed-in pages would otherwise redo on every request).

Whoever keeps something in it keys it by everything the value depends on, so a kept value is never stale, only
unused; the bound keeps a worker's memory in check. Safe under threads (one lock; the value is made outside it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Kept(OrderedDict):
    """At most ``size`` values by key (a dictionary: ``len``, ``clear``, ``values`` as usual)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self._lock = threading.Lock()

    def find(self, key: Hashable) -> Any:
        """The value kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value

    def keep(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, dropping the least recently used beyond the bound."""
        with self._lock:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)

    def find_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value under ``key``, else ``make()`` kept under it (an exception from ``make`` keeps nothing)."""
        value = self.find(key)
        if value is None:
            value = make()
            self.keep(key, value)
        return value
