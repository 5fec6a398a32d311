"""Registries `marketdock serve` reads, filled by apps in AppConfig.ready():

- extra processes it starts beside the web app and the worker (e.g. the sandbox marketplace);
- start-up steps it runs in a thread once those processes, the web app and the worker are started (e.g.
  the demo's first order collection and settlement import from the sandbox, so the screens fill within
  seconds of the web app answering). A step gets a `log(line)` callable, must be quick when it has
  nothing to do and must not raise for a failure that the periodic schedule will repair."""

from collections.abc import Callable

_factories: list[Callable[[], tuple[str, list[str]] | None]] = []
_startup_steps: list[Callable[[Callable[[str], None]], None]] = []


def register(factory: Callable[[], tuple[str, list[str]] | None]) -> None:
    if factory not in _factories:
        _factories.append(factory)


def extra_processes() -> list[tuple[str, list[str]]]:
    return [p for p in (f() for f in _factories) if p]


def register_startup(step: Callable[[Callable[[str], None]], None]) -> None:
    if step not in _startup_steps:
        _startup_steps.append(step)


def startup_steps() -> list[Callable[[Callable[[str], None]], None]]:
    return list(_startup_steps)
