"""The code's shape, checked by reading it (no database): one-way dependencies between the apps, no
dependency hidden behind `except ImportError`, no module over 800 lines, no function over 100.

Direction (docs/architecture.md, issue 12): core ← catalog ← inventory ← channels ← orders ← shipping
← listings ← claims ← (settlement, analytics) ← (api, saas). An app may import its own modules and the apps
below it, never one above. Beside that line:
- outbox sits beside core: outbox may import only core, core only outbox;
- the sandbox imitates the marketplaces and must not know our models: it imports only core; an app
  imports the sandbox only from its tooling (demo.py, benchmarks*.py, management commands), which
  drives the sandbox;
- the project package itself (marketdock/settings.py, urls.py, wsgi.py, manage.py) wires every app.
Every `import` counts, at the top or inside a function, and so does `import_module("marketdock…")`.

A function over 100 lines is allowed only in benchmarks*.py or a connector (channels/connectors/),
and its docstring must say why with the words "100 lines" (e.g. "Longer than 100 lines because
the marketplace's payload is one flat record of 60 fields").

Each check runs per app, so a failure names the app and lists every offender as path:line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import marketdock

ROOT = Path(marketdock.__file__).resolve().parent
PACKAGE = "marketdock"

LEVELS = {
    "core": 0, "outbox": 0,
    "catalog": 1, "inventory": 2, "channels": 3, "orders": 4, "shipping": 5, "listings": 6,
    "claims": 7, "settlement": 8, "analytics": 8,
    "api": 9, "saas": 9,
}
SANDBOX = "sandbox"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100
LONG_FUNCTION_PLACES = ("benchmarks", "channels/connectors/")
# the one ImportError guard allowed: gunicorn is a runtime dependency the access log uses when present
IMPORT_ERROR_ALLOWED = {"core/accesslog.py"}


@dataclass(frozen=True)
class Module:
    path: Path
    rel: str  # "orders/services_flow.py"
    name: str  # "marketdock.orders.services_flow"
    app: str  # "orders"; "" for the project package's own modules
    tree: ast.Module
    source: str

    @property
    def lines(self) -> int:
        return len(self.source.splitlines())


@cache
def modules() -> tuple[Module, ...]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{rel}":
            continue
        parts = rel[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join([PACKAGE, *parts])
        app = rel.split("/")[0] if "/" in rel else ""
        text = path.read_text(encoding="utf-8")
        out.append(Module(path, rel, name, app, ast.parse(text, filename=str(path)), text))
    return tuple(out)


def apps() -> list[str]:
    return sorted({m.app for m in modules() if m.app})


def _param(check: str, app: str):
    return pytest.param(app, id=app)


def params_for(check: str):
    return [_param(check, app) for app in apps()]


# --- imports ---------------------------------------------------------------------------------------


def imported_names(module: Module) -> list[tuple[int, str]]:
    """Every (line, dotted module) this module imports, relative imports resolved."""
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from marketdock import orders` / `from . import services` name modules too
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "import_string") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def target_app(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    candidate = parts[1]
    return candidate if (ROOT / candidate).is_dir() else None


def is_tooling(module: Module) -> bool:
    base = module.path.name
    return base == "demo.py" or base.startswith("benchmarks") or "/management/commands/" in f"/{module.rel}"


def import_problem(module: Module, target: str) -> str | None:
    """Why `module` may not import app `target` (None: it may)."""
    app = module.app
    if target == app:
        return None
    if target == SANDBOX:
        return None if is_tooling(module) else "imports the sandbox outside demo/benchmarks/management commands"
    if app == SANDBOX:
        return None if target == "core" else "the sandbox may import only core"
    if app == "outbox":
        return None if target == "core" else "outbox may import only core"
    if app == "core":
        return None if target == "outbox" else "core may import only outbox"
    if app not in LEVELS:
        return f"app '{app}' has no place in the dependency order (tests/core/test_architecture.py LEVELS)"
    if target not in LEVELS:
        return f"app '{target}' has no place in the dependency order (tests/core/test_architecture.py LEVELS)"
    if target == "outbox":
        return None
    if LEVELS[target] < LEVELS[app]:
        return None
    return "upward import" if LEVELS[target] > LEVELS[app] else "import between apps of the same level"


def upward_imports(app: str) -> list[str]:
    offenders = []
    for module in modules():
        if module.app != app:
            continue
        seen = set()
        for line, dotted in imported_names(module):
            target = target_app(dotted)
            if target is None or (line, target) in seen:
                continue
            seen.add((line, target))
            if why := import_problem(module, target):
                offenders.append(f"{module.rel}:{line} imports {dotted} ({app} → {target}: {why})")
    return offenders


@pytest.mark.parametrize("app", params_for("imports"))
def test_apps_import_only_downward(app):
    offenders = upward_imports(app)
    assert not offenders, f"{len(offenders)} import(s) against the dependency order:\n" + "\n".join(offenders)


# --- no hidden dependency ----------------------------------------------------------------------------


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names if n)


def import_error_guards(mods) -> list[str]:
    offenders = []
    for module in mods:
        source = module.source.splitlines()
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None and _catches_import_error(node):
                if module.rel in IMPORT_ERROR_ALLOWED and "#" in source[node.lineno - 1]:
                    continue  # allowed, and the line says why
                offenders.append(f"{module.rel}:{node.lineno} `{source[node.lineno - 1].strip()}`")
    return offenders


@pytest.mark.parametrize("app", params_for("import_error"))
def test_no_dependency_hidden_behind_import_error(app):
    offenders = import_error_guards(m for m in modules() if m.app == app)
    assert not offenders, (
        "`except ImportError` hides a dependency (register a hook from the higher app's ready() instead):\n"
        + "\n".join(offenders))


# --- size ----------------------------------------------------------------------------------------------


def long_modules(app: str) -> list[str]:
    return [f"{m.rel}: {m.lines} lines" for m in modules() if m.app == app and m.lines > MAX_MODULE_LINES]


@pytest.mark.parametrize("app", params_for("module_lines"))
def test_no_module_over_800_lines(app):
    offenders = long_modules(app)
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines (split them by concern):\n" + "\n".join(offenders)


def _function_span(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    return node.end_lineno - start + 1


def long_functions(mods) -> list[str]:
    offenders = []
    for module in mods:
        may_be_long = any(place in module.rel for place in LONG_FUNCTION_PLACES)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            span = _function_span(node)
            if span <= MAX_FUNCTION_LINES:
                continue
            says_why = re.search(r"\b100 lines\b", ast.get_docstring(node) or "")
            if may_be_long and says_why:
                continue
            why = (" (its docstring must say why it is over 100 lines)" if may_be_long
                   else " (only benchmarks and connector parsers may be longer)")
            offenders.append(f"{module.rel}:{node.lineno} {node.name}: {span} lines{why}")
    return offenders


@pytest.mark.parametrize("app", params_for("function_lines"))
def test_no_function_over_100_lines(app):
    offenders = long_functions(m for m in modules() if m.app == app)
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(offenders)


# --- the checks themselves ---------------------------------------------------------------------------


def _module(rel: str, source: str) -> Module:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return Module(ROOT / rel, rel, ".".join([PACKAGE, *parts]), rel.split("/")[0], ast.parse(source), source)


@pytest.mark.parametrize("rel, source, problem", [
    ("catalog/services.py", "from marketdock.inventory.hooks import x", "upward import"),
    ("catalog/services.py", "def f():\n    from marketdock.orders import services", "upward import"),
    ("inventory/views.py", "from ..listings import services", "upward import"),
    ("catalog/views.py", "from importlib import import_module\nimport_module('marketdock.shipping.models')",
     "upward import"),
    ("outbox/services.py", "from marketdock.channels import models", "outbox may import only core"),
    ("core/views.py", "from marketdock.catalog import models", "core may import only outbox"),
    ("sandbox/coupang.py", "from marketdock.shipping import models", "the sandbox may import only core"),
    ("listings/services.py", "from marketdock.sandbox import server", "imports the sandbox outside"),
    ("shipping/services.py", "from marketdock.orders.models import Order", None),
    ("shipping/services.py", "from . import selectors\nfrom ..orders import models", None),
    ("listings/demo.py", "from marketdock.sandbox import server", None),
    ("orders/management/commands/bench.py", "from marketdock.sandbox import server", None),
    ("listings/benchmarks_workers.py", "from marketdock.sandbox.server import run", None),
    ("sandbox/server.py", "from marketdock.core import money", None),
    ("catalog/services.py", "from marketdock.outbox import services", None),
])
def test_the_import_check_tells_upward_from_downward(rel, source, problem):
    module = _module(rel, source)
    problems = [import_problem(module, t) for _line, d in imported_names(module) if (t := target_app(d))]
    found = [p for p in problems if p]
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


def test_the_size_checks_find_long_functions_and_accept_a_reasoned_parser():
    body = "\n".join(f"    x{i} = {i}" for i in range(100))  # 101 lines with the def
    short = _module("orders/views.py", "def f():\n" + "\n".join(f"    x{i} = {i}" for i in range(99)) + "\n")
    long_view = _module("orders/views.py", f"def f():\n{body}\n")
    reasoned = _module("channels/connectors/naver.py", f'def parse():\n    """Over 100 lines: one flat record."""\n{body}\n')
    unreasoned = _module("channels/connectors/naver.py", f"def parse():\n{body}\n")
    reasoned_view = _module("orders/views.py", f'def f():\n    """Over 100 lines: because."""\n{body}\n')
    assert long_functions([short, reasoned]) == []
    assert long_functions([long_view]) == ["orders/views.py:1 f: 101 lines (only benchmarks and connector parsers "
                                           "may be longer)"]
    assert len(long_functions([unreasoned, reasoned_view])) == 2


def test_the_import_error_check_allows_only_the_commented_gunicorn_guard():
    guard = "try:\n    import gunicorn\nexcept ImportError:{}\n    gunicorn = None\n"
    assert import_error_guards([_module("core/accesslog.py", guard.format("  # runtime dependency"))]) == []
    assert len(import_error_guards([_module("core/accesslog.py", guard.format(""))])) == 1
    assert len(import_error_guards([_module("orders/flow.py", guard.format("  # hidden cycle"))])) == 1
    assert len(import_error_guards([_module("orders/flow.py", guard.replace("ImportError", "(KeyError, ModuleNotFoundError)")
                                             .format(""))])) == 1


def test_every_app_has_a_place_in_the_order():
    unplaced = [app for app in apps() if app not in LEVELS and app != SANDBOX]
    assert not unplaced, f"apps missing from LEVELS in tests/core/test_architecture.py: {unplaced}"
