"""schemathesis against /api/v1/openapi.json on a running server (pytest-django's live server) with a key
of a demo-like company: every operation, positive and negative data, the stateful phase; no server error,
no answer outside the declared schema (status, content type, body). Bounded: a few examples per
operation and a time budget, so it finishes within minutes on two cores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories.api import api_world, make_key

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "negative_data_rejection")


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, company, tmp_path):
    api_world(company)
    token = make_key(company, rate_per_minute=100_000)
    st = Path(sys.executable).parent / "st"
    run = subprocess.run(
        [str(st), "run", f"{live_server.url}/api/v1/openapi.json", "-H", f"Authorization: Bearer {token}",
         "--checks", CHECKS, "--mode", "all", "--max-examples", "8", "--workers", "1", "--seed", "7",
         "--phases", "examples,coverage,fuzzing,stateful", "--max-time", "110", "--no-color",
         "--generation-database", "none", "--request-timeout", "20", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=400, cwd=tmp_path)  # its cache stays out of the checkout
    (tmp_path.parent / "st-out.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
