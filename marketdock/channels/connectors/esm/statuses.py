"""ESM (G마켓 / 옥션) tables: sites, order status → canonical status, carrier codes, and the capability
table that says, per operation, what the connector does and how sure we are of it.

Everything about the ESM Trading API comes from third parties (marketplaces.md §6: "all [3RD],
verify with etapi.gmarket.com"); the points §6 itself marks unconfirmed carry `UNCONFIRMED:`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..models import Claim, OrderStatus, Progress


@dataclass(frozen=True)
class Site:
    code: str  # "gmarket" | "auction" (the channel kind)
    name: str  # Korean name shown to the seller
    site_type: int  # RequestOrders `siteType`: 1 옥션, 2 G마켓
    goods_key: str  # per-site key in the goods sell-status body: gmkt | iac
    max_window: timedelta  # RequestOrders date range per call


SITES = {
    "gmarket": Site("gmarket", "G마켓", 2, "gmkt", timedelta(days=31)),
    "auction": Site("auction", "옥션", 1, "iac", timedelta(days=180)),
}

# RequestOrders `orderStatus` → (canonical status, progress, pending claim). 6 (G마켓 장바구니번호 조회) is
# a lookup mode, not a status. Claim states (cancel/return/exchange) are not part of this API as far as
# §6 knows. UNCONFIRMED: claims — a claim on a line is invisible to this connector.
STATUS_TABLE: dict[str, tuple[OrderStatus, Progress, Claim]] = {
    "1": (OrderStatus.NEW, Progress.PAID, Claim.NONE),  # 결제완료 (주문확인 전)
    "2": (OrderStatus.CONFIRMED, Progress.CONFIRMED, Claim.NONE),  # 배송준비중 (주문확인 완료)
    "3": (OrderStatus.SHIPPED, Progress.SHIPPED, Claim.NONE),  # 배송중
    "4": (OrderStatus.DELIVERED, Progress.DELIVERED, Claim.NONE),  # 배송완료
    "5": (OrderStatus.DELIVERED, Progress.DELIVERED, Claim.NONE),  # 구매결정완료
}
STATUS_NAMES = {"1": "결제완료", "2": "배송준비중", "3": "배송중", "4": "배송완료", "5": "구매결정완료"}
COLLECTED_STATUSES = ("1", "2", "3", "4")  # 구매결정완료 changes nothing the OMS acts on

# OMS carrier key → ESM delivery company code. UNCONFIRMED: third-party list only (marketplaces.md §7);
# a carrier not listed is refused per line rather than sent with a guessed code.
CARRIER_CODES = {"epost": "10001", "logen": "10003", "hanjin": "10007", "lotte": "10008", "cj": "10013",
                 "other": "10070"}
# 스타배송 orders may ship only with the contracted carriers (CJ, 한진, 롯데).
STAR_DELIVERY_CARRIERS = {"10013", "10007", "10008"}
SHIPPING_DATE_LIMIT = timedelta(days=2)  # ShippingDate must be within 2 days of the call

RESULT_OK = 0
RESULT_RATE_LIMITED = 3000  # order lookups: 1 call per 5 s per seller ID (since 2025-04-23)


@dataclass(frozen=True)
class CapabilityNote:
    operation: str  # Korean name of the operation
    supported: bool  # the connector performs it
    confirmed: bool  # False: third-party or unconfirmed; check against the live API
    how: str  # the call, or why it is refused


# The capability table (also shown by `marketdock channels normalize --kind esm --help` readers and
# asserted by the tests): nothing about ESM is official; the `confirmed=False` rows with
# supported=True are third-party facts the connector relies on; supported=False rows are refused with
# a Korean message (UnsupportedOperation).
CAPABILITY_TABLE: tuple[CapabilityNote, ...] = (
    CapabilityNote("인증", True, False, "Bearer JWT (HS256, 시크릿 키 서명, kid=마스터 ID, ssi=A:/G: 판매자 ID) "
                   "— UNCONFIRMED: 클레임 값이 출처마다 다름"),
    CapabilityNote("주문 수집", True, False, "POST /shipping/v1/Order/RequestOrders (siteType, orderStatus 1~4, "
                   "주문일 기준, G마켓 31일·옥션 180일, 판매자당 5초에 1회)"),
    CapabilityNote("주문 단건 조회", False, False, "UNCONFIRMED: 주문번호로 한 건을 다시 읽는 API가 확인되지 않았습니다"),
    CapabilityNote("발주확인", True, False, "POST /shipping/v1/Order/OrderCheck/{OrderNo}"),
    CapabilityNote("발송처리", True, False, "POST /shipping/v1/Delivery/ShippingInfo (발송일은 호출 시점 2일 이내, "
                   "스타배송은 CJ·한진·롯데만) — UNCONFIRMED: 요청 필드 이름과 택배사 코드표"),
    CapabilityNote("발송지연 안내", False, False, "UNCONFIRMED: ESM 발송지연 API가 확인되지 않았습니다"),
    CapabilityNote("재고 수정", True, False, "PUT /item/v1/goods/{goodsNo}/sell-status Stock.{gmkt|iac} (상품 단위, "
                   "1~99,999) — UNCONFIRMED: 본문 형식"),
    CapabilityNote("가격 수정", True, False, "PUT /item/v1/goods/{goodsNo}/sell-status Price.{gmkt|iac} (상품 단위) "
                   "— UNCONFIRMED: 본문 형식"),
    CapabilityNote("판매상태 변경", True, False, "PUT /item/v1/goods/{goodsNo}/sell-status isSell.{gmkt|iac} "
                   "— UNCONFIRMED: 본문 형식"),
    CapabilityNote("옵션별 재고·가격", False, False, "UNCONFIRMED: 옵션 단위 변경 API가 확인되지 않았습니다"),
    CapabilityNote("상품 조회·등록", False, False, "UNCONFIRMED: 연동하지 않았습니다 (상품 번호 체계 마스터/사이트 미확인)"),
    CapabilityNote("취소·반품·교환", False, False, "UNCONFIRMED: ESM 클레임 API가 확인되지 않았습니다"),
    CapabilityNote("상품 문의(Q&A)", False, False, "UNCONFIRMED: ESM Q&A API가 확인되지 않았습니다"),
    CapabilityNote("정산", False, False, "UNCONFIRMED: ESM 정산 API가 확인되지 않았습니다"),
)
