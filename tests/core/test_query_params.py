"""No server error for any query value (issue 10.3): every list and export screen reached without a
URL argument is sent random and extreme values for every query parameter it reads; a 5xx fails.

The parameter names are not listed by hand: a first plain request records every key the view looks
up on a QueryDict (request.GET, its copies, filter forms), so a filter added later is probed too."""

from __future__ import annotations

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketdock.core import params
from tests.screens import recording_keys, screen_urls

# Every parameter of every screen gets each of these (the values that gave 500s before).
SWEEP_VALUES = ["99999999999999999999999", "-9223372036854775809", "9999-12-31", "0001-01-01", "abc", "\x00"]
EXTREME_VALUES = SWEEP_VALUES + [
    "-99999999999999999999999", "9223372036854775808", "-1", "0", "1e400",
    "nan", "inf", "10000-01-01", "2024-02-30", "2024-13-01", "",
    " ", "%00", "' OR 1=1 --", "<script>", "=HYPERLINK(\"http://x\",\"y\")", "한글", "x" * 3000,
    "1.5", "0x10", "１２３",
]

# Names every list screen is known to read (a filter hidden behind another filter's value is still probed).
COMMON_NAMES = ["account", "brand", "category", "warehouse", "role", "start", "end", "from", "to", "page",
                "size", "status", "kind", "q", "sort", "sku", "product", "days", "cursor", "date_field"]


def _get(client: Client, url: str, query: dict) -> str:
    """'' when the screen answered, else the status and the exception that made it fail."""
    errors: list[str] = []

    def record(sender, request=None, **kwargs):
        import sys
        exc = sys.exc_info()[1]
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")

    got_request_exception.connect(record)
    try:
        response = client.get(url, query)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    finally:
        got_request_exception.disconnect(record)
    if response.status_code >= 500:
        return f"{response.status_code} {'; '.join(errors)}"
    return ""


def test_every_list_and_export_url_survives_extreme_values(demo_client):
    urls = screen_urls()
    assert "/orders/" in urls and "/catalog/products/export/" in urls and "/system/logs/export/" in urls
    names: dict[str, list[str]] = {}
    for url in urls:
        with recording_keys() as seen:
            error = _get(demo_client, url, {})
        assert not error, f"{url} without parameters gave {error}"
        names[url] = sorted((seen | set(COMMON_NAMES)) - {"csrfmiddlewaretoken"})
    failures = []
    for url in urls:
        for value in SWEEP_VALUES:
            error = _get(demo_client, url, dict.fromkeys(names[url], value))
            if error:
                failures.append(f"{url} with every parameter = {value[:40]!r}: {error}")
    assert not failures, "\n".join(failures)

    @settings(max_examples=120, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def probe(data):
        url = data.draw(st.sampled_from(urls))
        value = st.one_of(
            st.sampled_from(EXTREME_VALUES), st.integers().map(str),
            st.dates().map(lambda d: d.isoformat()), st.text(max_size=30),
        )
        query = data.draw(st.dictionaries(st.sampled_from(names[url]), value, max_size=6))
        error = _get(demo_client, url, query)
        assert not error, f"{url}?{query!r} gave {error}"

    probe()


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12), (" 7 ", 7), ("0", None), ("-3", None), ("99999999999999999999", None), ("abc", None),
    ("", None), (None, None), ("1.0", None), ("１２", None),
])
def test_id_param_accepts_only_ids_the_database_can_hold(raw, expected):
    assert params.id_param(raw) == expected


def test_date_param_keeps_dates_in_a_sane_range():
    assert params.date_param("2025-03-01").isoformat() == "2025-03-01"
    assert params.date_param("9999-12-31") is None
    assert params.date_param("0001-01-01") is None
    assert params.date_param("2024-02-30") is None
