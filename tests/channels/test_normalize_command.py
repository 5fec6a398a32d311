"""`marketdock channels normalize --kind … FILE`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("channels", "normalize", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_normalized_coupang_lines_as_json():
    lines = run("--kind", "coupang", str(FIXTURES / "coupang/delivery__lookup-order-list-per-day.response.json"))
    assert [line["order_line_id"] for line in lines] == ["448531493-3242596358", "448537989-3261300431"]
    assert lines[0]["ordered_at"] == "2017-10-10T01:20:16Z" and lines[0]["status"] == "delivered"
    assert "raw" not in lines[0]


def test_raw_payload_on_request_and_shopify_rest_order():
    lines = run("--kind", "shopify", "--raw", str(FIXTURES / "shopify/order.json"))
    assert len(lines) == 3 and lines[0]["raw"]["name"] == "#1001" and lines[0]["currency"] == "USD"


def test_naver_change_list_prints_change_rows():
    rows = run("--kind", "naver", str(FIXTURES / "naver/last-changed-statuses.response.not_more.json"))
    assert [r["order_line_id"] for r in rows] == ["2022051122441251", "2022051122442301", "2022051122443341"]


def test_malformed_payload_exits_with_the_field_named(tmp_path):
    payload = json.loads((FIXTURES / "coupang/delivery__lookup-order-by-orderid.response.json").read_text())
    payload["data"]["orderItems"][0]["shippingCount"] = "many"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(payload))
    with pytest.raises(CommandError) as info:
        run("--kind", "coupang", str(bad))
    assert "data.orderItems[0].shippingCount" in str(info.value) and "many" in str(info.value)


def test_not_json_and_missing_file_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="JSON 형식이 아닙니다"):
        run("--kind", "naver", str(bad))
    with pytest.raises(CommandError, match="파일을 읽을 수 없습니다"):
        run("--kind", "naver", str(tmp_path / "missing.json"))


def test_wrong_payload_for_the_kind_is_refused():
    with pytest.raises(CommandError, match="잘못된 naver 주문 데이터"):
        run("--kind", "naver", str(FIXTURES / "shopify/order.json"))


def test_command_line_exit_status(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.json"
    bad.write_text('{"orders": "nope"}')
    result = subprocess.run([sys.executable, "-m", "marketdock.manage", "channels", "normalize", "--kind", "coupang",
                             str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert "발주서(ordersheet) 데이터가 아닙니다" in result.stderr
