"""`marketdock bench`: registry discovery and the --json contract (one JSON object, last line).
The oversell benchmark itself spawns OS processes against the configured database, so it is run
by hand (`marketdock bench oversell --json`); its scenario is tested in test_concurrency.py."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketdock.core import bench


@pytest.fixture
def tiny_bench():
    def add_arguments(parser):
        parser.add_argument("--n", type=int, default=2)

    def run(options, out):
        out("working")
        return {"n_squared": options["n"] ** 2}

    bench.register("tiny-test", help="a test benchmark", add_arguments=add_arguments, run=run)
    yield
    bench._registry.pop("tiny-test", None)


def test_discover_finds_the_inventory_oversell_benchmark():
    assert "oversell" in bench.discover()


@pytest.mark.django_db
def test_json_output_is_one_object_on_the_last_line(tiny_bench):
    out, err = StringIO(), StringIO()
    call_command("bench", "tiny-test", "--n", "3", "--json", "--no-migrate", stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert result["n_squared"] == 9 and result["benchmark"] == "tiny-test" and result["database"]
    assert "working" in err.getvalue() and "working" not in out.getvalue()


@pytest.mark.django_db
def test_plain_output_lists_figures(tiny_bench):
    out = StringIO()
    call_command("bench", "tiny-test", "--no-migrate", stdout=out)
    assert "working" in out.getvalue() and "n_squared  4" in out.getvalue()
