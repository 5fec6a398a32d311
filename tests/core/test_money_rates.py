"""Money keeps its currency: "US$69.08", never "6,908원"; won totals convert foreign amounts with the
company's dated rates or keep them apart (환율관리 screen: company-scoped, read-only for viewers)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from marketdock.core.models import ExchangeRate
from marketdock.core.money import format_money, minor_exponent, to_major
from marketdock.core.rates import MoneyTotal
from marketdock.core.selectors import krw_converter
from marketdock.core.services_rates import rate_save
from tests.isolation import assert_isolated


@pytest.mark.parametrize("minor, currency, shown", [
    (6908, "USD", "US$69.08"), (12900, "KRW", "12,900원"), (1200, "JPY", "JP¥1,200"), (550, "EUR", "€5.50"),
    (0, "USD", "US$0.00"), (123456789, "KRW", "123,456,789원"),
])
def test_amounts_show_in_their_own_currency(minor, currency, shown):
    with translation.override("ko"):
        assert format_money(minor, currency) == shown


def test_english_screens_use_english_symbols():
    with translation.override("en"):
        assert format_money(6908, "USD") == "$69.08"
        assert format_money(12900, "KRW") == "₩12,900"
        assert format_money(-800, "KRW") == "-₩800"  # the sign before the symbol, as with other currencies
    with translation.override("ko"):
        assert format_money(-800, "KRW") == "-800원"


def test_minor_units_follow_the_currency():
    assert [minor_exponent(c) for c in ("KRW", "JPY", "USD", "KWD")] == [0, 0, 2, 3]
    assert to_major(6908, "USD") == Decimal("69.08") and to_major(6908, "KRW") == Decimal(6908)


def test_the_rate_of_the_orders_day_is_used(company, admin_user):
    rate_save(company=company, user=admin_user, currency="usd", valid_from=date(2026, 3, 1), krw_per_unit="1,380.5")
    rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2026, 3, 10), krw_per_unit="1400")
    conv = krw_converter(company)
    assert conv.to_krw(6908, "USD", date(2026, 2, 28)) is None  # before any rate: not converted
    assert conv.to_krw(6908, "USD", date(2026, 3, 9)) == 95365  # 69.08 × 1380.5 = 95,364.94 → 95,365
    assert conv.to_krw(6908, "USD", date(2026, 3, 10)) == 96712
    assert conv.to_krw(12900, "KRW", date(2000, 1, 1)) == 12900


def test_totals_never_add_cents_to_won(company, admin_user):
    conv = krw_converter(company)
    total = MoneyTotal()
    total.add(conv, 10000, "KRW", date(2026, 3, 5))
    total.add(conv, 6908, "USD", date(2026, 3, 5))
    assert total.krw == 10000 and total.unconverted == {"USD": 6908} and not total.complete
    with translation.override("ko"):
        assert total.display() == "10,000원 + US$69.08"
    rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2026, 3, 1), krw_per_unit="1400")
    total = MoneyTotal()
    for minor, currency in ((10000, "KRW"), (6908, "USD")):
        total.add(krw_converter(company), minor, currency, date(2026, 3, 5))
    assert total.krw == 10000 + 96712 and total.complete and total.converted_from == {"USD"}


@pytest.mark.parametrize("currency, rate, field", [
    ("KRW", "1", "currency"), ("XYZ", "10", "currency"), ("US", "10", "currency"), ("USD", "0", "krw_per_unit"),
    ("USD", "-3", "krw_per_unit"), ("USD", "abc", "krw_per_unit"), ("USD", "1.00001", "krw_per_unit"),
])
def test_bad_rates_are_refused_with_the_field_named(company, admin_user, currency, rate, field):
    with pytest.raises(ValidationError) as info:
        rate_save(company=company, user=admin_user, currency=currency, valid_from=date(2026, 3, 1), krw_per_unit=rate)
    assert field in info.value.message_dict
    assert not ExchangeRate.objects.exists()


def test_rate_screen_saves_replaces_and_deletes(admin_client, company):
    url = reverse("core:rate_list")
    r = admin_client.post(url, {"currency": "USD", "valid_from": "2026-03-01", "krw_per_unit": "1380.5"})
    assert r.status_code == 302
    r = admin_client.post(url, {"currency": "USD", "valid_from": "2026-03-01", "krw_per_unit": "1390"})
    rate = ExchangeRate.objects.get(company=company)
    assert rate.krw_per_unit == Decimal("1390")  # the same day again: corrected, not doubled
    html = admin_client.get(url).content.decode()
    assert 'data-currency="USD"' in html and "1390" in html
    r = admin_client.post(url, {"currency": "XYZ", "valid_from": "2026-03-01", "krw_per_unit": "1"})
    assert r.status_code == 200 and "알 수 없는 통화 코드입니다: XYZ" in r.content.decode()
    admin_client.post(reverse("core:rate_delete", args=[rate.pk]))
    assert not ExchangeRate.objects.filter(company=company).exists()


def test_viewer_reads_rates_but_changes_nothing(viewer_client, company, admin_user):
    rate = rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2026, 3, 1), krw_per_unit="1400")
    r = viewer_client.get(reverse("core:rate_list"))
    assert r.status_code == 200 and 'data-testid="rate-form"' not in r.content.decode()
    assert viewer_client.post(reverse("core:rate_list"), {"currency": "JPY", "valid_from": "2026-03-01",
                                                          "krw_per_unit": "9"}).status_code == 403
    assert viewer_client.post(reverse("core:rate_delete", args=[rate.pk])).status_code == 403
    assert list(ExchangeRate.objects.values_list("currency", flat=True)) == ["USD"]


def test_another_companys_rates_are_invisible(other_client, company, admin_user):
    rate = rate_save(company=company, user=admin_user, currency="USD", valid_from=date(2026, 3, 1),
                     krw_per_unit="1377.77", memo="우리 환율")
    assert_isolated(other_client, [reverse("core:rate_delete", args=[rate.pk])], secrets=("1377.77",))
    html = other_client.get(reverse("core:rate_list")).content.decode()
    assert "1377.77" not in html and "우리 환율" not in html
    assert ExchangeRate.objects.filter(pk=rate.pk).exists()
