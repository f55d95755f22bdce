"""The calls the page holds: one per browser tab, bounded in number and in idle time.

A tab gets an unguessable id when it places a call. When the bound is reached the call idle
for longest is hung up to make room; a call not touched for ``idle_s`` seconds is dropped the
next time any call is placed or looked up, so a forgotten tab holds nothing for long.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from simulator.web.phone import Phone

MAX_CALLS = 32
IDLE_S = 30 * 60.0


class Calls:
    def __init__(self, max_calls: int = MAX_CALLS, idle_s: float = IDLE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.max_calls = max_calls
        self.idle_s = idle_s
        self.clock = clock
        self._calls: dict[str, Phone] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._calls)

    def add(self, phone: Phone) -> str:
        with self._lock:
            self._expire()
            while len(self._calls) >= self.max_calls:
                oldest = min(self._calls, key=lambda k: self._calls[k].used)
                self._calls.pop(oldest).close()
            key = secrets.token_urlsafe(16)
            phone.used = self.clock()
            self._calls[key] = phone
            return key

    def get(self, key: str) -> Phone | None:
        with self._lock:
            self._expire()
            phone = self._calls.get(key)
            if phone is not None:
                phone.used = self.clock()
            return phone

    def drop(self, key: str) -> bool:
        with self._lock:
            phone = self._calls.pop(key, None)
        if phone is None:
            return False
        phone.close()
        return True

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, p in self._calls.items() if now - p.used > self.idle_s]:
            self._calls.pop(key).close()
