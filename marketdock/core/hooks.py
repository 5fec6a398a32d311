"""The one shape of hook a lower app offers a higher one (see catalog/hooks.py, inventory/hooks.py).

A lower app must not import a higher one; when a change it makes matters to a higher app, it calls
a hook the higher app registered a listener on from its `ready()`. `IdsHook` is that hook for "these
rows of this company changed": listeners are called in registration order, inside the caller's
transaction, with the company and the set of ids (never an empty set). Listeners must be small and
do no network I/O; one that raises rolls the caller's change back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Listener = Callable[..., None]


class IdsHook:
    """Listeners `fn(*, company, <keyword>: set[int])`; registering the same function twice is a no-op."""

    def __init__(self, keyword: str):
        self.keyword = keyword
        self._listeners: list[Listener] = []

    def register(self, fn: Listener) -> Listener:
        if fn not in self._listeners:
            self._listeners.append(fn)
        return fn

    def notify(self, company, ids: Iterable[int]) -> None:
        ids = {int(i) for i in ids}
        if not ids:
            return
        for listener in list(self._listeners):
            listener(company=company, **{self.keyword: ids})

    def listeners(self) -> list[Listener]:
        return list(self._listeners)
