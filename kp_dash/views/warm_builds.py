"""A new build is served once it is warm. When an import publishes a new database, an app process
goes on serving the build it has while a thread of its own computes, on the new build, what its
sessions asked for lately (the readers' recent calls, replayed); then it serves the new build,
whose first page runs find their tables cached. Without this every session's next page run on
the new build computed its tables at once, and behind the proxy page runs took up to 20 s for
the 20 s after an import (`make loadtest-proxy`). A warm-up that takes longer than its limit is
not waited for. No streamlit here: `kp_dash.views.cached` wires it to the readers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

_LOGGER = logging.getLogger(__name__)
Stamp = TypeVar("Stamp", bound=tuple)


class Replay:
    """The last `size` different calls of the readers, most recent first, to be made again
    on a new build by `computation(name)` (a reader's computation, cached for everyone); safe
    across the sessions' threads."""

    def __init__(self, computation: Callable[[str], Callable], size: int) -> None:
        self.computation, self.size = computation, size
        self._calls: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, name: str, args: tuple, kwargs: Mapping[str, Any]) -> None:
        call = (name, args, tuple(sorted(kwargs.items())))
        try:
            hash(call)
        except TypeError:  # not kept: a call with a list is made again when asked for
            return
        with self._lock:
            self._calls[call] = None
            self._calls.move_to_end(call)
            while len(self._calls) > self.size:
                self._calls.popitem(last=False)

    def latest(self) -> list[tuple[str, tuple, tuple]]:
        with self._lock:
            return list(reversed(self._calls))  # type: ignore[arg-type]

    def warm(self, stamp: tuple, keep_going: Callable[[], bool]) -> None:
        """Each call again on the build `stamp`, computed for everyone (the district rule
        applies when a session reads it), until `keep_going()` is false."""
        for name, args, kwargs in self.latest():
            if not keep_going():
                return
            self.computation(name)(stamp, *args, **dict(kwargs))


def warmed_apart(served: tuple, newest: tuple) -> bool:
    """Whether `newest` (a build stamp: its file first) is another build of the same database,
    which may be warmed while `served` is still read. A plain database file replaced in place,
    or another database altogether, is served at once: the old one cannot be read any more, or
    is not the one wanted."""
    old, new = Path(served[0]), Path(newest[0])
    return old != new and old.parent == new.parent


class Switch(Generic[Stamp]):
    """Which build a process serves: the newest once `warm(newest, keep_going)` has returned or
    `limit_s` have passed since it began, else the one served before. `warm` runs in a thread
    and should stop when `keep_going()` turns false (a newer build came, or the limit passed)."""

    def __init__(
        self,
        warm: Callable[[Stamp, Callable[[], bool]], None],
        limit_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.warm, self.limit_s, self.clock = warm, limit_s, clock
        self._lock = threading.Lock()
        self._served: Stamp | None = None
        self._warming: Stamp | None = None
        self._started = 0.0
        self._done = threading.Event()

    def serve(self, newest: Stamp) -> Stamp:
        with self._lock:
            served = self._served
            if served is None or newest == served or not warmed_apart(served, newest):
                self._served = newest
                return newest
            if self._warming != newest:
                self._start(newest)
            if self._done.is_set() or self.clock() - self._started >= self.limit_s:
                self._served = newest
            return self._served

    def forget(self) -> None:
        """Serve whatever is newest on the next call (after an import in this process, whose
        caches are cleared, or when the build served has gone)."""
        with self._lock:
            self._served = self._warming = None

    def _start(self, newest: Stamp) -> None:
        self._warming, self._started, self._done = newest, self.clock(), threading.Event()
        done = self._done

        def keep_going() -> bool:
            return self._warming == newest and self.clock() - self._started < self.limit_s

        def run() -> None:
            try:
                self.warm(newest, keep_going)
            except Exception:  # the first page run on the new build shows what is wrong
                _LOGGER.exception("warming the build %s failed", newest[0])
            finally:
                done.set()

        threading.Thread(target=run, name="kp-dash-warm-build", daemon=True).start()
