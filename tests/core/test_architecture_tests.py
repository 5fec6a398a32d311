"""The test suite's own shape: test data comes from tests/factories, so a test module never imports
another test module or a conftest (pytest gives fixtures by name; each module runs alone, in any
order, on any xdist worker) and a factory such as `make_account` is defined in exactly one place
(a fix to it reaches every test)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
FACTORY_PREFIXES = ("make_", "_make", "create_")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, at any depth, names included for
    `from package import name` (the name may be a module)."""
    package = _module_name(path, root).rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def cross_test_imports(root: Path) -> list[str]:
    """Every place a tests/**/test_*.py module imports another test_* module or a conftest."""
    problems = []
    for path in sorted(root.rglob("test_*.py")):
        own = _module_name(path, root)
        for line, module in _imported_modules(path, root):
            last = module.rsplit(".", 1)[-1]
            if module != own and (last.startswith("test_") or last == "conftest") \
                    and module.split(".", 1)[0] == root.name:
                problems.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return problems


def factory_definitions(root: Path) -> dict[str, list[str]]:
    """Every factory (a function named make_*, _make*, create_*) defined at module or class level
    under `root`, by name: where each is defined."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
        for body in bodies:
            for node in body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(FACTORY_PREFIXES):
                    found[node.name].append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def duplicated_factories(root: Path) -> dict[str, list[str]]:
    return {name: places for name, places in factory_definitions(root).items() if len(places) > 1}


# --- the suite itself ---------------------------------------------------------------------------


def test_no_test_module_imports_another_test_module():
    problems = cross_test_imports(TESTS)
    assert not problems, "a test module imports another test module; move the helper to tests/factories:\n" + \
        "\n".join(problems)


def test_every_factory_is_defined_once():
    duplicated = duplicated_factories(TESTS)
    assert not duplicated, "factories defined more than once; keep one in tests/factories:\n" + "\n".join(
        f"{name}: {', '.join(places)}" for name, places in sorted(duplicated.items()))


def test_the_factories_are_where_the_suite_finds_them():
    defined = factory_definitions(TESTS)
    for name in ("make_company", "make_user", "make_product", "make_sku", "make_account", "make_order",
                 "make_contract", "make_warehouse"):
        assert defined[name] and all(place.startswith("tests/factories/") for place in defined[name]), name


# --- the checks catch what they are for ---------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "tests"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_import_check_finds_test_modules_imported_as_libraries(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "", "orders/__init__.py": "", "shipping/__init__.py": "",
        "orders/test_ingest.py": "def co(): ...\n",
        "orders/test_match.py": "from .test_ingest import co\n",
        "shipping/test_scan.py": "def test_x():\n    from tests.orders.test_ingest import co\n",
        "shipping/test_pack.py": "from tests.orders import test_ingest\n",
        "shipping/test_label.py": "class TestX:\n    def test_x(self):\n        from ..conftest import PASSWORD\n",
        "shipping/test_fine.py": "from tests.factories.orders import co\nfrom tests.screens import X\nimport pytest\n",
    })
    problems = cross_test_imports(root)
    assert [p.split(" imports ")[0] for p in problems] == [
        "tests/orders/test_match.py:1", "tests/shipping/test_label.py:3", "tests/shipping/test_pack.py:1",
        "tests/shipping/test_scan.py:2"]


def test_the_factory_check_finds_a_factory_defined_twice(tmp_path):
    root = _tree(tmp_path, {
        "factories/channels.py": "def make_account(company): ...\ndef make_order(account): ...\n",
        "outbox/test_outbox.py": "def make_account(company): ...\n\ndef test_x():\n    def make_order(): ...\n",
        "orders/conftest.py": "class Kit:\n    def make_account(self): ...\n",
    })
    assert duplicated_factories(root) == {"make_account": [
        "tests/factories/channels.py:1", "tests/orders/conftest.py:2", "tests/outbox/test_outbox.py:1"]}
