"""Dependencies go one way: core ← catalog ← inventory ← channels ← orders ← shipping ← listings ← …,
the outbox beside core, the sandbox on core only. This checks the low apps whose upward imports were
removed (channels, outbox, sandbox): a new import of a higher app from them fails here. A lower app
that must trigger a higher one registers a hook instead (channels/hooks.py, inventory/hooks.py)."""

import ast
from pathlib import Path

import marketdock

ROOT = Path(marketdock.__file__).parent
ALLOWED = {
    # the outbox and the sandbox sit beside core: a higher app may use them (demo data, benchmarks)
    "channels": {"core", "catalog", "inventory", "outbox", "sandbox", "channels"},
    "outbox": {"core", "outbox"},
    "sandbox": {"core", "sandbox"},
}


def imported_apps(path: Path) -> set[tuple[int, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "marketdock" and len(parts) > 1 and (ROOT / parts[1]).is_dir():
                found.add((node.lineno, parts[1]))
    return found


def test_low_apps_import_nothing_above_them():
    upward = []
    for app, allowed in ALLOWED.items():
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            upward += [f"{path.relative_to(ROOT.parent)}:{line} imports marketdock.{target}"
                       for line, target in sorted(imported_apps(path)) if target not in allowed]
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from marketdock.orders.models import Order\n")
    assert (1, "orders") in imported_apps(sample)
