"""Factories for settlement import and reconciliation (issue 14, helper settleimport): marketplace
settlement payloads in the documented shapes, ChannelSettlement rows."""

from __future__ import annotations


def _case(line: str, kind: str, pay: int, interlock: int, pay_commission: int, expect: int, *, basis: str,
          complete: str | None, order: str = "2026030112345") -> dict:
    return {"orderId": order, "productOrderId": line, "productOrderType": kind, "settleType": "NORMAL_SETTLE",
            "productName": "테스트 상품", "settleBasisDate": basis, "settleExpectDate": "2026-03-10",
            "settleCompleteDate": complete, "paySettleAmount": pay, "sellingInterlockCommissionAmount": interlock,
            "totalPayCommissionAmount": pay_commission, "freeInstallmentCommissionAmount": 0,
            "benefitSettleAmount": 0, "settleExpectAmount": expect}


def naver_case_payload() -> dict:
    """settle/case: a sale, its delivery fee and a refund of another line (not yet paid)."""
    return {"elements": [
        _case("2026030112345601", "PROD_ORDER", 39000, -9999, -9999, 36816, basis="2026-03-05", complete="2026-03-10"),
        _case("2026030112345601", "DELIVERY", 3000, 0, -108, 2892, basis="2026-03-05", complete="2026-03-10"),
        _case("2026030112345602", "REFUND", -12000, 0, 432, -11568, basis="2026-03-06", complete=None),
    ], "pagination": {"page": 1, "size": 100, "totalPages": 1, "totalElements": 3}}


def naver_commission_payload() -> dict:
    """commission-details for the sale of naver_case_payload (the case row's totals are replaced)."""
    return {"elements": [
        {"orderId": "2026030112345", "productOrderId": "2026030112345601", "productOrderType": "PROD_ORDER",
         "commissionClassType": "SALES_COMMISSION", "commissionSettleAmount": -780},
        {"orderId": "2026030112345", "productOrderId": "2026030112345601", "productOrderType": "PROD_ORDER",
         "commissionClassType": "PAY_COMMISSION", "commissionSettleAmount": -1404},
    ], "pagination": {"page": 1, "size": 100, "totalPages": 1}}
