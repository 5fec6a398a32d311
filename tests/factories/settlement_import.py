"""Factories for settlement import and reconciliation (issue 14, helper settleimport): marketplace
settlement payloads in the documented shapes, ChannelSettlement rows."""

from __future__ import annotations

from datetime import date


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


# --- rows and expected settlements for import / reconciliation tests ------------------------------

def settled(order_id: str, key: str, *, payout: int, sale: int = 0, commission: int = 0, other_fee: int = 0,
            kind: str = "sale", record_id: str | None = None, settle_date: date = date(2026, 3, 5),
            pay_date: date | None = date(2026, 3, 10), paid: bool = True, marketplace: str = "naver",
            match_key: str = "", **extra):
    """One ChannelSettlement row (Naver-like unless told: the line id is the key)."""
    from marketdock.channels.connectors.settlement_models import ChannelSettlement

    return ChannelSettlement(marketplace=marketplace, record_id=record_id or f"{key}-{kind}", kind=kind,
                             order_id=order_id, order_line_id="" if match_key else key, match_key=match_key,
                             settle_date=settle_date, pay_date=pay_date, paid=paid, sale_amount=sale,
                             sale_commission=commission, other_fee=other_fee, payout_amount=payout, **extra)


def make_expected(account, *, order_no: str, line_no: str | None = None, payout: int = 36000, sale: int = 40000,
                  commission: int = 4000, shipping: int = 0, due: date | None = date(2026, 3, 10),
                  state: str = "scheduled"):
    """An order with one line (straight to the tables) and its expected settlement row."""
    from marketdock.orders.models import OrderLine
    from marketdock.settlement.models import ExpectedSettlement

    from .orders import make_raw_order

    order = make_raw_order(account, no=order_no, total=sale)
    line = OrderLine.objects.get(order=order)
    if line_no:
        line.channel_line_id = line_no
        line.save(update_fields=["channel_line_id"])
    return ExpectedSettlement.objects.create(
        company=account.company, account=account, line=line, order=order, quantity=1, sale_amount=sale,
        shipping_fee=shipping, sale_commission=commission, expected_payout=payout, payout_date=due, due_date=due,
        payout_estimated=False, state=state)


class PagedSettlements:
    """A stand-in connector answering two settlement pages (the second with an unreadable row), or
    failing with a marketplace 500 on page 2 (`fail=True`)."""

    def __init__(self, fail: bool = False):
        from datetime import timedelta

        from marketdock.channels.connectors.models import Capabilities

        self.capabilities = Capabilities(confirm=False, change_feed=False, max_window=timedelta(days=1), page_size=1,
                                         line_key="productOrderId", settlements=True)
        self.fail, self.calls = fail, []

    def fetch_settlements(self, start, end, cursor=None):
        from marketdock.channels.connectors.errors import TemporaryError
        from marketdock.channels.connectors.models import RecordError
        from marketdock.channels.connectors.settlement_models import SettlementPage

        self.calls.append(cursor)
        if cursor is None:
            return SettlementPage(records=[settled("N1", "L1", payout=36000)], next_cursor="p2", has_more=True)
        if self.fail:
            raise TemporaryError("HTTP 500: 내부 서버 오류", marketplace="naver", status=500)
        return SettlementPage(records=[settled("N2", "L2", payout=1000)],
                              errors=[RecordError(order_id="N3", field="elements[1].settleBasisDate",
                                                  message="값이 없습니다")])


class OnePageSettlements(PagedSettlements):
    """A stand-in connector answering the given rows on one page."""

    def __init__(self, records):
        super().__init__()
        self.records = records

    def fetch_settlements(self, start, end, cursor=None):
        from marketdock.channels.connectors.settlement_models import SettlementPage

        self.calls.append(cursor)
        return SettlementPage(records=list(self.records))


def reconciled_account(company, name: str = "스마트스토어"):
    """A Naver account with one matched line, one commission difference and one unpaid line,
    imported and reconciled through the real services: (account, {kind: issue})."""
    from marketdock.settlement.models import SettlementIssue, SettlementRun
    from marketdock.settlement.services import run_start, settlement_reconcile, settlement_records_store

    from .channels import make_account

    account = make_account(company, name)
    prefix = f"{company.pk}-"
    make_expected(account, order_no=prefix + "N1", line_no=prefix + "MATCH", payout=36000, commission=4000)
    make_expected(account, order_no=prefix + "N2", line_no=prefix + "COMM", payout=36000, commission=4000)
    make_expected(account, order_no=prefix + "N3", line_no=prefix + "UNPAID", payout=20000, due=date(2026, 3, 10))
    run = run_start(account, SettlementRun.What.IMPORT)
    settlement_records_store(account, [
        settled(prefix + "N1", prefix + "MATCH", sale=40000, commission=4000, payout=36000),
        settled(prefix + "N2", prefix + "COMM", sale=40000, commission=4800, payout=35200),
    ], run)
    settlement_reconcile(account, today=date(2026, 3, 20))
    return account, {i.kind: i for i in SettlementIssue.objects.filter(account=account)}
