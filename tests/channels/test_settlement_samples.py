"""Each marketplace's published settlement samples parse to the right integer amounts (minor units),
with the sign conventions of settlement_models: deductions positive, the payout signed."""

from datetime import date

import pytest

from marketdock.channels.connectors import coupang, naver, shopify
from marketdock.channels.connectors.errors import MalformedPayload
from marketdock.channels.connectors.settlement_models import SettlementKind
from tests.factories.channels import sample
from tests.factories.settlement_import import naver_case_payload, naver_commission_payload


def test_coupang_revenue_history_sample_amounts():
    rows, errors, token = coupang.parse_revenue_response(sample("coupang/settlement__lookup-sales-history.response.json"),
                                                         frozenset({date(2019, 3, 22)}))
    assert errors == [] and token == ""
    by_id = {r.record_id: r for r in rows}
    sale = by_id["20000000000001-3911982076-SALE-2019-02-12"]
    assert (sale.kind, sale.sale_amount, sale.sale_commission, sale.payout_amount) == (SettlementKind.SALE, 16000,
                                                                                      1408, 14592)
    assert sale.settle_date == date(2019, 2, 12) and sale.pay_date == date(2019, 3, 22) and sale.paid
    assert sale.key == "20000000000001/3911982076"
    assert sale.sale_amount - sale.deductions == sale.payout_amount
    refund = by_id["20000000000000-123123123-REFUND-2019-02-11"]
    assert (refund.kind, refund.sale_amount, refund.sale_commission, refund.payout_amount) == (
        SettlementKind.REFUND, -31670, -2787, -28883)
    shipping = by_id["7000000000000-delivery-REFUND-2019-02-11"]
    assert (shipping.kind, shipping.shipping_fee, shipping.shipping_commission, shipping.payout_amount) == (
        SettlementKind.SHIPPING, -5000, -165, -4835)
    # zero-amount refund items still appear (they say the item was looked at), zero delivery fees do not
    assert len(rows) == 5 + 2
    assert sum(r.payout_amount for r in rows) == 14592 + 13543 - 28883 - 4835 - (7500 - 248)


def test_coupang_unpaid_when_no_payout_is_done():
    rows, _errors, _token = coupang.parse_revenue_response(
        sample("coupang/settlement__lookup-sales-history.response.json"))
    assert not any(r.paid for r in rows)


def test_coupang_line_key_matches_revenue_key():
    assert coupang.CoupangConnector.settlement_match_key("20000000000001", "344543911-3911982076") == \
        "20000000000001/3911982076"


def test_coupang_malformed_element_is_a_record_error_not_a_crash():
    payload = sample("coupang/settlement__lookup-sales-history.response.json")
    payload["data"][2]["items"][0]["settlementAmount"] = "12.5"
    rows, errors, _ = coupang.parse_revenue_response(payload)
    assert len(errors) == 1 and errors[0].order_id == "20000000000001" and "settlementAmount" in errors[0].field
    assert len(rows) == 6


def test_coupang_business_error_envelope():
    with pytest.raises(Exception, match="잘못"):
        coupang.parse_revenue_response({"code": 400, "message": "잘못된 요청", "data": []})


def test_shopify_rest_balance_transactions_sample_in_cents():
    rows, errors = shopify.parse_rest_transactions(sample("shopify/payouts_transactions.json"))
    assert errors == []
    by_id = {r.record_id: r for r in rows}
    charge = by_id["515523000"]
    assert (charge.kind, charge.currency, charge.sale_amount, charge.payment_commission, charge.payout_amount) == (
        SettlementKind.SALE, "USD", 1150, 65, 1085)
    assert charge.order_id == "217130470" and charge.key == "217130470" and charge.paid
    refund = by_id["1006917261"]
    assert (refund.kind, refund.sale_amount, refund.payout_amount) == (SettlementKind.REFUND, -345, -345)
    assert "854848137" not in by_id  # the payout transfer itself
    assert charge.settle_date == date(2020, 11, 5)  # 19:52 -05:00 is the next morning in Seoul


def test_shopify_rest_payouts_sample():
    payouts = [shopify.parse_rest_payout(p, f"payouts[{i}]") for i, p in enumerate(sample("shopify/payouts.json")["payouts"])]
    first = payouts[0]
    assert (first.payout_id, first.pay_date, first.paid, first.payout_amount, first.fee_amount) == (
        "854088011", date(2019, 11, 1), False, 4312, 132 + 12 - 23)
    single = shopify.parse_rest_payout(sample("shopify/payout.json")["payout"], "payout")
    assert single.paid and single.payout_amount == 4190 and single.gross_amount == 4452 + 213 - 354


def test_shopify_graphql_balance_transaction():
    node = {"id": "gid://shopify/ShopifyPaymentsBalanceTransaction/77", "type": "CHARGE", "test": False,
            "transactionDate": "2026-03-02T01:00:00Z", "sourceType": "CHARGE",
            "amount": {"amount": "25.10", "currencyCode": "USD"}, "fee": {"amount": "1.03", "currencyCode": "USD"},
            "net": {"amount": "24.07", "currencyCode": "USD"}, "associatedOrder": {"id": "gid://shopify/Order/55"},
            "associatedPayout": {"id": "gid://shopify/ShopifyPaymentsPayout/9", "status": "PAID"}}
    row = shopify.parse_balance_transaction(node, "n")
    assert (row.record_id, row.order_id, row.sale_amount, row.payment_commission, row.payout_amount, row.paid,
            row.payout_id) == ("77", "55", 2510, 103, 2407, True, "9")
    node["amount"]["amount"] = "25.105"
    with pytest.raises(MalformedPayload):
        shopify.parse_balance_transaction(node, "n")


def test_naver_case_with_commission_details():
    commissions = naver.parse_commissions(naver_commission_payload())
    rows, errors, pages = naver.parse_case_response(naver_case_payload(), commissions)
    assert errors == [] and pages == 1
    sale, shipping, refund = rows
    assert (sale.kind, sale.order_line_id, sale.sale_amount, sale.sale_commission, sale.payment_commission,
            sale.payout_amount, sale.paid) == (SettlementKind.SALE, "2026030112345601", 39000, 780, 1404, 36816, True)
    assert sale.pay_date == date(2026, 3, 10) and sale.settle_date == date(2026, 3, 5)
    assert (shipping.kind, shipping.shipping_fee, shipping.shipping_commission, shipping.payout_amount) == (
        SettlementKind.SHIPPING, 3000, 108, 2892)
    assert shipping.key == naver.NaverConnector.settlement_shipping_key("2026030112345") == "2026030112345/delivery"
    assert (refund.kind, refund.sale_amount, refund.payment_commission, refund.payout_amount, refund.paid) == (
        SettlementKind.REFUND, -12000, -432, -11568, False)


@pytest.mark.parametrize("name", ["naver/pay-settle.error.400.example.json", "naver/pay-settle.error.500.example.json"])
def test_naver_error_samples_are_not_settlement_pages(name):
    with pytest.raises(MalformedPayload):
        naver.parse_case_response(sample(name))
