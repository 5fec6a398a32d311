"""Registry of extra processes `marketdock serve` starts beside the web app and the worker
(e.g. the sandbox marketplace). Apps register in AppConfig.ready()."""

from collections.abc import Callable

_factories: list[Callable[[], tuple[str, list[str]] | None]] = []


def register(factory: Callable[[], tuple[str, list[str]] | None]) -> None:
    if factory not in _factories:
        _factories.append(factory)


def extra_processes() -> list[tuple[str, list[str]]]:
    return [p for p in (f() for f in _factories) if p]
