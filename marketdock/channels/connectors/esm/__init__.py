"""Gmarket / Auction — the ESM Trading API (ESM+), one connector for both sites.

- Host `https://sa2.esmplus.com`; every request carries `Authorization: Bearer {JWT}`, a fresh HS256
  token signed with the seller's secret key (auth.py). The seller registers the calling IPs and turns on
  the selling tool in ESM+ (계정관리 › 셀링툴 관리); a 401/403 says so in Korean.
- The site is a parameter: G마켓 (`siteType` 2, goods key `gmkt`) and 옥션 (`siteType` 1, `iac`) are two
  channel kinds (`gmarket`, `auction`) served by the same EsmConnector (GmarketConnector /
  AuctionConnector fix the site), so the account list names each site.
- Orders: `POST /shipping/v1/Order/RequestOrders` per orderStatus (1 결제완료, 2 배송준비중, 3 배송중,
  4 배송완료) by order date, G마켓 ≤31 days and 옥션 ≤180 days per call, paged; one record = one line
  keyed by `OrderNo`, grouped by `PayNo`. Lookups are limited to 1 call per 5 s per seller ID (ResultCode
  3000 beyond it → RateLimited): the connector's default rate is 0.2/s.
- 발주확인 `POST /shipping/v1/Order/OrderCheck/{OrderNo}`; 발송처리 `POST /shipping/v1/Delivery/ShippingInfo`
  with ESM carrier codes (10001 우체국, 10003 로젠, 10007 한진, 10008 롯데, 10013 CJ대한통운, 10070 기타),
  the shipping date within 2 days of the call.
- Stock / price / sale status per product: `PUT /item/v1/goods/{goodsNo}/sell-status`.
- Refused with a Korean message (UnsupportedOperation or a per-line failure), never guessed: claims,
  Q&A, settlement, 발송지연, single-order re-read, option-level stock/price, listing reads/registration.

Nothing here is confirmed against the live API (marketplaces.md §6: all third-party); the capability
table (`statuses.CAPABILITY_TABLE`) says per operation what is done and how sure we are, and every
point §6 marks unconfirmed carries an `UNCONFIRMED:` comment where the code relies on it."""

from .auth import EsmCredentials, make_token
from .connector import CONNECTORS, AuctionConnector, EsmConnector, GmarketConnector
from .parsing import parse_orders, parse_payload
from .statuses import CAPABILITY_TABLE, CARRIER_CODES, SITES, STATUS_TABLE

__all__ = ["CAPABILITY_TABLE", "CARRIER_CODES", "CONNECTORS", "SITES", "STATUS_TABLE", "AuctionConnector",
           "EsmConnector", "EsmCredentials", "GmarketConnector", "make_token", "parse_orders", "parse_payload"]
