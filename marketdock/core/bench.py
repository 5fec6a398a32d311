"""Benchmark registry for `marketdock bench <name>`.

Each app may keep a `benchmarks.py` module that registers its benchmarks::

    from marketdock.core.bench import register

    def add_arguments(parser):
        parser.add_argument("--workers", type=int, default=4)

    def run(options, out) -> dict:
        out("setting up...")           # progress lines for people (not printed with --json)
        return {"reserved": 100}       # the figures; printed as one JSON object with --json

    register("oversell", help="...", add_arguments=add_arguments, run=run)

`marketdock bench` imports `marketdock.<app>.benchmarks` (and any `benchmarks_<topic>` module beside it)
for every installed marketdock app, so a
benchmark only has to exist to be runnable. Speed figures live here, never in tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    add_arguments: Callable[[Any], None] | None
    run: Callable[[dict, Callable[[str], None]], dict]


_registry: dict[str, Benchmark] = {}


def register(
    name: str,
    *,
    help: str,
    run: Callable[[dict, Callable[[str], None]], dict],
    add_arguments: Callable[[Any], None] | None = None,
) -> Benchmark:
    bench = Benchmark(name=name, help=help, add_arguments=add_arguments, run=run)
    _registry[name] = bench
    return bench


def discover() -> dict[str, Benchmark]:
    """Import `<app>.benchmarks` for every installed marketdock app and return the registry."""
    for config in apps.get_app_configs():
        if not config.name.startswith("marketdock."):
            continue
        module = f"{config.name}.benchmarks"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
        for extra in pkgutil.iter_modules([config.path]):  # and `<app>.benchmarks_<topic>` modules
            if extra.name.startswith("benchmarks_"):
                importlib.import_module(f"{config.name}.{extra.name}")
    return dict(sorted(_registry.items()))
