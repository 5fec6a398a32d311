"""Sandbox marketplace state: demo shops per protocol, their products and orders, switchable faults.

Everything is generated deterministically from (seed, shop, order number): the same seed gives the same
shops, products, buyers and orders. Times are relative to the moment the state was created (the
anchor), and new orders keep arriving at `order_rate` per minute after it. All access goes through
`SandboxState.lock` (the HTTP server is threaded)."""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import claims as sandbox_claims

PROTOCOLS = ("naver", "coupang", "shopify", "elevenst", "cafe24", "gmarket", "auction")
ESM_PROTOCOLS = ("gmarket", "auction")  # one ESM+ master account per demo suffix sells on both sites
_KST = ZoneInfo("Asia/Seoul")

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = ["민준", "서연", "지우", "하은", "도윤", "서윤", "예준", "지호", "수아", "지민", "현우", "유진", "건우", "채원"]
_ADDRESSES = [
    ("06236", "서울특별시 강남구 테헤란로 152", "강남파이낸스센터 21층"),
    ("04524", "서울특별시 중구 세종대로 110", "3층 민원실"),
    ("13529", "경기도 성남시 분당구 판교역로 166", "카카오판교아지트 B동"),
    ("48058", "부산광역시 해운대구 센텀중앙로 79", "센텀사이언스파크 1203호"),
    ("61945", "광주광역시 서구 내방로 111", "102동 1504호"),
    ("35242", "대전광역시 서구 둔산로 100", "201호"),
    ("63122", "제주특별자치도 제주시 문연로 6", "1층"),
    ("41911", "대구광역시 중구 공평로 88", "아파트 305동 802호"),
]
_MESSAGES = ["", "문 앞에 놓아주세요", "부재 시 경비실에 맡겨주세요", "배송 전 연락 바랍니다", ""]
_PRODUCTS = [
    ("기모 트레이닝 팬츠", 19900, [("블랙 / M", 0), ("블랙 / L", 0), ("그레이 / L", 1000)]),
    ("구스 경량 점퍼", 49900, [("네이비 / 95", 0), ("네이비 / 100", 0)]),
    ("섬유향수 500ml", 14000, [("보솔레이", 0), ("코튼 블라썸", 0)]),
    ("무선 충전 패드", 25000, [("화이트", 0)]),
    ("스테인리스 텀블러 473ml", 18900, [("실버", 0), ("매트 블랙", 2000)]),
    ("유기농 현미 4kg", 21000, [("2024년산", 0)]),
]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - demo data, not security


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class Faults:
    rate_limit_every: int = 0  # every Nth API call of the shop answers 429 (Shopify: THROTTLED)
    retry_after: int = 1  # seconds in Retry-After
    error_500_every: int = 0  # every Nth call answers 500
    error_500_rate: float = 0.0  # or this fraction of calls (seeded, reproducible)
    slow_ms: int = 0  # delay every response
    timeout_every: int = 0  # every Nth call hangs for timeout_seconds before answering
    timeout_seconds: float = 5.0
    duplicate_items: bool = False  # continuation pages repeat the previous page's last item
    malformed_order: bool = False  # the shop's first order is rendered with a broken field
    malformed_claim: bool = False  # the shop's first claim is rendered with a broken field (sandbox/claims.py)
    address_change: bool = False  # once an order was collected, its buyer changes the address (once)
    maintenance: bool = False  # 11st: every API call answers result_code -1000 (Friday early-morning maintenance)
    esm_lookup_interval: float = 5.0  # ESM: order lookups closer than this per seller ID answer ResultCode 3000

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if not hasattr(self, key):
                raise ValueError(f"unknown fault: {key}")
            current = getattr(self, key)
            if isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int):
                value = int(value)
            elif isinstance(current, float):
                value = float(value)
            if not isinstance(value, bool) and value < 0:
                raise ValueError(f"{key} must not be negative")
            setattr(self, key, value)


@dataclass
class Option:
    option_id: str  # Naver optionCode / Coupang vendorItemId / Shopify variant id
    name: str
    sku: str
    extra_price: int
    stock: int = 0
    on_sale: bool = True  # Coupang: per vendor item (sales/stop, sales/resume)


@dataclass
class Product:
    product_id: str  # Naver channel product no / Coupang sellerProductId / Shopify product id
    code: str  # seller product code
    name: str
    price: int
    options: list[Option]
    selling: bool = True  # Naver SALE vs SUSPENSION, Shopify ACTIVE vs DRAFT
    category_id: str = ""
    registered: dict[str, Any] = field(default_factory=dict)  # the payload a registration sent (kept as given)

    @property
    def origin_no(self) -> str:
        """Naver origin product no (orders render it as originalProductId)."""
        return str(int(self.product_id) + 1)

    def sale_status(self) -> str:
        if not self.selling or not any(o.on_sale for o in self.options):
            return "stopped"
        if sum(o.stock for o in self.options if o.on_sale) <= 0:
            return "sold_out"
        return "on_sale"


@dataclass
class Line:
    line_no: str  # Naver productOrderId / Coupang vendorItemId / Shopify line item id
    product_id: str
    option_id: str
    quantity: int
    unit_price: int
    discount: int = 0
    fulfilled: int = 0  # Shopify: quantity already fulfilled


@dataclass
class Order:
    seq: int
    order_no: str
    bundle_no: str
    ordered_at: datetime
    paid_at: datetime
    changed_at: datetime
    status: str  # Naver productOrderStatus / Coupang status / Shopify displayFulfillmentStatus
    buyer_name: str
    buyer_phone: str
    buyer_email: str
    recipient_name: str
    recipient_phone: str
    postal_code: str
    address1: str
    address2: str
    message: str
    shipping_fee: int
    lines: list[Line]
    placed: bool = False  # Naver placeOrderStatus OK
    claim_type: str = ""
    claim_status: str = ""
    financial: str = "PAID"  # Shopify displayFinancialStatus
    cancelled_at: datetime | None = None
    change_type: str = "PAYED"  # Naver lastChangedType
    address_changed: bool = False
    collected: bool = False
    dispatch_due: datetime | None = None  # Naver shippingDueDate after a 발송지연 (else paid + 3 days)
    line_status: dict[str, str] = field(default_factory=dict)  # 11st: a line confirmed before its order (seq → stat)
    # ESM: each line is an OrderNo of its own (the order is the PayNo); a line's stage apart from the order's


@dataclass
class Shop:
    code: str
    protocol: str
    index: int
    credentials: dict[str, str]
    currency: str
    products: list[Product]
    orders: list[Order] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    # Shopify: the shop's Dev Dashboard app (client-credentials grant), beside the legacy static token
    app: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    live_generated: int = 0
    fault_rng: random.Random = field(default_factory=random.Random)
    # Shopify cost bucket
    available_points: float = 1000.0
    points_at: float = 0.0
    idempotency: dict[str, Any] = field(default_factory=dict)  # Shopify @idempotent key -> answer
    last_lookup: float = 0.0  # ESM: monotonic time of the last order lookup (1 per 5 s per seller ID)
    claims: list[sandbox_claims.SandboxClaim] = field(default_factory=list)  # sandbox/claims.py

    def option(self, option_id: str) -> tuple[Product, Option]:
        for product in self.products:
            for option in product.options:
                if option.option_id == option_id:
                    return product, option
        raise KeyError(option_id)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.product_id == str(product_id)), None)

    def record(self, at: datetime, operation: str, **details: Any) -> None:
        self.received.append({"at": at.isoformat(), "operation": operation, **details})

    def line_ids(self, order: Order) -> list[str]:
        if self.protocol == "naver":
            return [line.line_no for line in order.lines]
        if self.protocol == "coupang":
            return [f"{order.bundle_no}-{line.option_id}" for line in order.lines]
        if self.protocol == "elevenst":
            return [f"{order.order_no}-{line.line_no}" for line in order.lines]
        if self.protocol == "cafe24":
            return [f"{order.order_no}-{line.line_no}" for line in order.lines]  # order_item_code
        if self.protocol in ESM_PROTOCOLS:
            return [line.line_no for line in order.lines]  # OrderNo
        return [f"{order.order_no}-{line.line_no}" for line in order.lines]


class SandboxState:
    def __init__(self, *, seed: int = 42, order_rate: float = 1.0, initial_orders: int = 40,
                 now: datetime | None = None, persist_path: Path | None = None, seeded_claims: bool = False) -> None:
        self.lock = threading.RLock()
        # the initial orders also bring returns and exchanges at every stage a demo shows
        # (`sandbox_claims.seed_returns`); `marketdock sandbox` turns it on, tests ask for it
        self.seeded_claims = seeded_claims
        self.seed = seed
        self.order_rate = order_rate
        self.initial_orders = initial_orders
        self.persist_path = persist_path
        self.tokens: dict[str, tuple[str, datetime]] = {}  # Naver token -> (shop, expires)
        self.shopify_tokens: dict[str, tuple[str, datetime]] = {}  # client-credentials token -> (shop, expires)
        self.shopify_token_requests = 0
        self.tracking_stage_seconds = 1800.0  # picked up → in transit → out for delivery → delivered
        self.claim_share = 0.1  # share of live orders that bring a claim on an earlier order (sandbox/claims.py)
        self.claim_collect_seconds = 600.0  # a return travels back (collecting → collected) in this long
        self.next_id = 0
        self.reset(now=now)

    # --- generation ------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, order_rate: float | None = None, now: datetime | None = None) -> None:
        with self.lock:
            if seed is not None:
                self.seed = seed
            if order_rate is not None:
                self.order_rate = order_rate
            self.anchor = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
            self.tokens.clear()
            self.shopify_tokens.clear()
            self.shopify_token_requests = 0
            self.cafe24_auth: dict[str, dict[str, Any]] = {}  # Cafe24 OAuth per mall (sandbox/cafe24.py)
            self.shipments: dict[str, dict[str, Any]] = {}  # tracking number -> dispatch (tracking events)
            self.inquiry_answers: dict[str, dict[str, Any]] = {}  # answers held per question (sandbox/inquiries.py)
            self.shops: dict[str, Shop] = {}
            for protocol in PROTOCOLS:
                for index, suffix in enumerate(("demo", "demo2")):
                    shop = self._make_shop(protocol, f"{protocol}-{suffix}", index)
                    self.shops[shop.code] = shop
                    for seq in range(1, self.initial_orders + 1):
                        shop.orders.append(self._make_order(shop, seq, live=False))
                        sandbox_claims.adopt(self, shop, shop.orders[-1])
                    if self.seeded_claims:
                        sandbox_claims.seed_returns(self, shop)

    def _make_shop(self, protocol: str, code: str, index: int) -> Shop:
        rng = _rng(self.seed, code, "shop")
        token = hashlib.sha256(f"{self.seed}:{code}".encode()).hexdigest()
        if protocol == "naver":
            # deterministic salt: bcrypt's alphabet, 22 chars, last char canonical
            alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            body = "".join(rng.choice(alphabet) for _ in range(21)) + rng.choice(".Oeu")
            salt = b"$2a$04$" + body.encode()
            credentials = {"client_id": f"sandbox{index + 1}{token[:14]}", "client_secret": salt.decode()}
        elif protocol == "coupang":
            credentials = {"vendor_id": f"A{10012345 + index:08d}", "access_key": f"{token[:8]}-{token[8:12]}-sandbox",
                           "secret_key": token[12:52]}
        elif protocol == "elevenst":
            credentials = {"openapikey": token[:32]}
        elif protocol == "cafe24":  # the app's keys; tokens come from the OAuth flow (sandbox/cafe24.py)
            credentials = {"mall_id": f"sandbox{index + 1}mall", "cafe24_client_id": f"c24{token[:19]}",
                           "cafe24_client_secret": token[19:41]}
        elif protocol in ESM_PROTOCOLS:  # the same ESM+ master ID and secret key for both sites
            master = hashlib.sha256(f"{self.seed}:esm-{code.split('-', 1)[1]}".encode()).hexdigest()
            credentials = {f"{protocol}_master_id": f"sandbox-esm{index + 1}", f"{protocol}_secret_key": master[:40],
                           f"{protocol}_seller_id": f"sb{protocol[0]}seller{index + 1}"}  # keys as the account form has them
        else:
            credentials = {"shop_domain": f"{code}.myshopify.com", "access_token": f"shpat_{token[:32]}"}
        currency = "USD" if code == "shopify-demo2" else "KRW"
        products = []
        for p_index, (name, price, options) in enumerate(_PRODUCTS):
            base = 10_000_000 + index * 100_000 + p_index * 100
            product_id = str((8_000_000_000 if protocol != "naver" else 9_000_000_000) + base)
            opts = [
                Option(option_id=str(3_000_000_000 + base + o_index + 1), name=o_name,
                       sku=f"SB-{p_index + 1:02d}-{o_index + 1:02d}", extra_price=extra,
                       stock=rng.choice((0, 3, 12, 25, 40, 100)))
                for o_index, (o_name, extra) in enumerate(options)
            ]
            if protocol in ESM_PROTOCOLS:  # ESM stock and price are per goods number: one option per product
                opts = opts[:1]
            products.append(Product(product_id=product_id, code=f"SBP-{p_index + 1:03d}", name=name,
                                    price=price if currency == "KRW" else round(price / 13), options=opts,
                                    category_id=str(50_000_000 + p_index)))
        app = {"client_id": token[32:64], "client_secret": f"shpss_{token[:32][::-1]}"} if protocol == "shopify" else {}
        return Shop(code=code, protocol=protocol, index=index, credentials=credentials, currency=currency,
                    products=products, fault_rng=_rng(self.seed, code, "faults"), points_at=0.0, app=app)

    def _make_order(self, shop: Shop, seq: int, *, live: bool, at: datetime | None = None) -> Order:
        rng = _rng(self.seed, shop.code, "order", seq)
        if live:
            ordered = at or self.anchor
        else:
            ordered = self.anchor - timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        ordered = ordered.replace(microsecond=0)
        paid = ordered + timedelta(seconds=rng.randint(5, 120))
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        recipient = name if rng.random() < 0.7 else rng.choice(_SURNAMES) + rng.choice(_GIVEN)
        postal, addr1, addr2 = rng.choice(_ADDRESSES)
        phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"
        n_lines = 22 if (shop.protocol == "shopify" and seq == 3) else rng.choice((1, 1, 1, 2, 3))
        date_part = ordered.astimezone(_KST).strftime("%Y%m%d")
        if shop.protocol == "naver":
            order_no = f"{date_part}{shop.index + 1}{seq:07d}"
            bundle = f"{date_part}{shop.index + 3}{seq:07d}"
        elif shop.protocol == "coupang":
            order_no = f"2{shop.index + 1}{seq:012d}"
            bundle = f"9{shop.index + 1}{seq:016d}"
        elif shop.protocol == "elevenst":
            order_no = f"{date_part}{shop.index + 1}{seq:06d}"  # 15 digits like 201001108318120
            bundle = str(40_000_000 + shop.index * 1_000_000 + seq)  # dlvNo
        elif shop.protocol == "cafe24":
            order_no = f"{date_part}-{shop.index + 1}{seq:06d}"  # order_id like 20190320-0000024
            bundle = order_no
        elif shop.protocol in ESM_PROTOCOLS:  # PayNo; each line gets its own OrderNo below
            site = ESM_PROTOCOLS.index(shop.protocol)
            order_no = str(2_100_000_000 + site * 100_000_000 + shop.index * 10_000_000 + seq * 10)
            bundle = order_no
        else:
            order_no = str(5_000_000_000 + shop.index * 10_000_000 + seq)
            bundle = order_no
        lines = []
        used: set[str] = set()
        for li in range(n_lines):
            product = rng.choice(shop.products)
            option = rng.choice(product.options)
            if shop.protocol == "coupang" and option.option_id in used:
                continue  # one vendorItemId per shipment box
            used.add(option.option_id)
            if shop.protocol == "naver":
                line_no = f"{date_part}{shop.index + 5}{seq:05d}{li:02d}"
            elif shop.protocol == "coupang":
                line_no = option.option_id
            elif shop.protocol == "elevenst":
                line_no = str(len(lines) + 1)  # ordPrdSeq
            elif shop.protocol == "cafe24":
                line_no = f"{len(lines) + 1:02d}"  # order_item_code suffix
            elif shop.protocol in ESM_PROTOCOLS:
                line_no = str(3_100_000_000 + ESM_PROTOCOLS.index(shop.protocol) * 100_000_000
                              + shop.index * 10_000_000 + seq * 10 + len(lines))  # OrderNo
            else:
                line_no = str(14_000_000_000_000 + shop.index * 1_000_000_000 + seq * 100 + li)
            unit = product.price + option.extra_price
            lines.append(Line(line_no=line_no, product_id=product.product_id, option_id=option.option_id,
                              quantity=rng.choice((1, 1, 1, 2, 3)), unit_price=unit,
                              discount=(unit // 10 if rng.random() < 0.2 else 0)))
        order = Order(
            seq=seq, order_no=order_no, bundle_no=bundle, ordered_at=ordered, paid_at=paid, changed_at=paid,
            status="", buyer_name=name, buyer_phone=phone, buyer_email=f"buyer{seq}@example.com",
            recipient_name=recipient, recipient_phone=phone if recipient == name else f"010-{rng.randint(2000, 9999)}-"
                                                                                   f"{rng.randint(1000, 9999)}",
            postal_code=postal, address1=addr1, address2=addr2, message=rng.choice(_MESSAGES),
            shipping_fee=(3000 if shop.currency == "KRW" else 5) if rng.random() < 0.5 else 0, lines=lines,
        )
        self._assign_status(shop, order, rng, live=live)
        return order

    def _assign_status(self, shop: Shop, order: Order, rng: random.Random, *, live: bool) -> None:
        roll = 0.0 if live else rng.random()
        later = min(self.anchor, order.paid_at + timedelta(minutes=rng.randint(10, 600)))
        if shop.protocol == "naver":
            order.status, order.change_type = "PAYED", "PAYED"
            if roll >= 0.5:
                order.changed_at = later
                if roll < 0.65:
                    order.placed = True
                    order.change_type = "PAYED"
                elif roll < 0.8:
                    order.status, order.placed, order.change_type = "DELIVERING", True, "DISPATCHED"
                elif roll < 0.9:
                    order.status, order.placed, order.change_type = "DELIVERED", True, "DISPATCHED"
                elif roll < 0.95:
                    order.status, order.placed, order.change_type = "PURCHASE_DECIDED", True, "PURCHASE_DECIDED"
                else:
                    order.claim_type, order.claim_status, order.change_type = "CANCEL", "CANCEL_REQUEST", "CLAIM_REQUESTED"
        elif shop.protocol == "coupang":
            order.status = "ACCEPT"
            for limit, status in ((0.5, "ACCEPT"), (0.7, "INSTRUCT"), (0.8, "DEPARTURE"), (0.9, "DELIVERING"),
                                  (1.01, "FINAL_DELIVERY")):
                if roll < limit:
                    order.status = status
                    break
            if order.status != "ACCEPT":
                order.changed_at = later
        elif shop.protocol == "elevenst":  # ordPrdStat: 결제완료, 발주확인, 발송완료, 배송완료
            order.status = "202"
            for limit, status in ((0.5, "202"), (0.7, "301"), (0.8, "401"), (1.01, "501")):
                if roll < limit:
                    order.status = status
                    break
            if order.status != "202":
                order.changed_at = later
        elif shop.protocol == "cafe24":  # item order_status: 상품준비중, 배송준비중, 배송중, 배송완료
            order.status = "N10"
            for limit, status in ((0.5, "N10"), (0.7, "N20"), (0.8, "N30"), (1.01, "N40")):
                if roll < limit:
                    order.status = status
                    break
            if order.status != "N10":
                order.changed_at = later
        elif shop.protocol in ESM_PROTOCOLS:  # orderStatus: 결제완료, 배송준비중, 배송중, 배송완료
            order.status = "1"
            for limit, status in ((0.5, "1"), (0.7, "2"), (0.8, "3"), (1.01, "4")):
                if roll < limit:
                    order.status = status
                    break
            if order.status != "1":
                order.changed_at = later
        if shop.protocol in ("naver", "coupang", "elevenst", "cafe24", *ESM_PROTOCOLS):
            self._assign_claim(shop, order)
        else:
            order.status, order.financial = "UNFULFILLED", "PAID"
            self._assign_claim(shop, order)
            if roll >= 0.6:
                order.changed_at = later
                if roll < 0.85:
                    order.status = "FULFILLED"
                elif roll < 0.9:
                    order.financial = "PENDING"
                elif roll < 0.95:
                    order.cancelled_at, order.financial = later, "VOIDED"
                else:
                    order.financial = "PARTIALLY_REFUNDED"

    def _assign_claim(self, shop: Shop, order: Order) -> None:
        """Some buyers ask to cancel before the goods leave (a claim the seller must decide before
        shipping): about one order in ten, and always the fifth order of a shop, so a demo has one.
        Naver: claimType CANCEL / CANCEL_REQUEST; Coupang: a cancel hold (출고중지요청, RU) on every
        item. Shopify buyers cannot ask to cancel (nothing here for them)."""
        if shop.protocol in ("shopify", *ESM_PROTOCOLS) or order.claim_type:  # ESM claims: API unconfirmed
            return
        if not (order.seq == 5 or _rng(self.seed, shop.code, "claim", order.seq).random() < 0.1):
            return
        if shop.protocol == "naver" and order.status == "PAYED":
            order.claim_type, order.claim_status, order.change_type = "CANCEL", "CANCEL_REQUEST", "CLAIM_REQUESTED"
        elif shop.protocol == "coupang" and order.status in ("ACCEPT", "INSTRUCT"):
            order.claim_type, order.claim_status = "CANCEL", "RU"
        elif shop.protocol == "elevenst" and order.status in ("202", "301"):
            order.claim_type, order.claim_status = "CANCEL", "701"  # 취소처리중
        elif shop.protocol == "cafe24" and order.status in ("N10", "N20"):
            order.claim_type, order.claim_status = "CANCEL", "C00"  # 취소신청

    def advance(self, now: datetime | None = None) -> None:
        """Generate the orders that have 'arrived' since the anchor at order_rate per minute, and apply
        pending address changes (fault)."""
        now = now or datetime.now(UTC)
        with self.lock:
            due = int(max(0.0, (now - self.anchor).total_seconds()) / 60.0 * self.order_rate) if self.order_rate else 0
            for shop in self.shops.values():
                while shop.live_generated < due:
                    shop.live_generated += 1
                    at = self.anchor + timedelta(minutes=shop.live_generated / self.order_rate)
                    self.add_order(shop, at=at)
                    sandbox_claims.generate(self, shop, shop.live_generated, at)
                sandbox_claims.advance(self, shop, now)
                if shop.faults.address_change and not any(o.address_changed for o in shop.orders):
                    # one buyer changes the address of an order the OMS already collected
                    collected = next((o for o in shop.orders if o.collected), None)
                    if collected is not None:
                        self.change_address(shop, collected, now)

    def add_order(self, shop: Shop, at: datetime | None = None) -> Order:
        with self.lock:
            seq = len(shop.orders) + 1
            order = self._make_order(shop, seq, live=True, at=at or datetime.now(UTC))
            shop.orders.append(order)
            sandbox_claims.adopt(self, shop, order)
            return order

    def change_address(self, shop: Shop, order: Order, now: datetime) -> None:
        rng = _rng(self.seed, shop.code, "address", order.seq)
        postal, addr1, addr2 = rng.choice([a for a in _ADDRESSES if a[1] != order.address1])
        order.postal_code, order.address1, order.address2 = postal, addr1, addr2
        order.address_changed = True
        order.changed_at = now.replace(microsecond=(now.microsecond // 1000) * 1000)
        order.change_type = "DELIVERY_ADDRESS_CHANGED"

    def new_id(self, base: int) -> str:
        """A fresh marketplace id for registered products/options (unique within the sandbox)."""
        with self.lock:
            self.next_id += 1
            return str(base + 900_000 + self.next_id)

    def ship(self, shop: Shop, *, carrier: str, number: str, lines: list[str], at: datetime) -> None:
        """Remember a dispatched tracking number so /_sandbox/tracking can answer for it."""
        if not number:
            return
        with self.lock:
            entry = self.shipments.setdefault(number, {"carrier": carrier, "shop": shop.code, "at": at.isoformat(),
                                                       "lines": []})
            entry["lines"].extend(line for line in lines if line not in entry["lines"])

    def listings_truth(self, shop: Shop) -> dict[str, Any]:
        return {"shop": shop.code, "protocol": shop.protocol, "currency": shop.currency, "products": [
            {"product_id": p.product_id, "origin_product_id": p.origin_no if shop.protocol == "naver" else p.product_id,
             "code": p.code, "name": p.name, "price": p.price, "selling": p.selling, "sale_status": p.sale_status(),
             "category_id": p.category_id, "registered": bool(p.registered),
             "options": [asdict(o) for o in p.options]} for p in shop.products]}

    def malformed_seq(self, shop: Shop) -> int | None:
        return 1 if shop.faults.malformed_order else None

    # --- views for the admin endpoints ----------------------------------------------------
    def ground_truth(self, shop: Shop) -> dict[str, Any]:
        orders = []
        for order in shop.orders:
            data = asdict(order)
            data["line_ids"] = shop.line_ids(order)
            data["malformed"] = order.seq == self.malformed_seq(shop)
            for key in ("ordered_at", "paid_at", "changed_at", "cancelled_at"):
                data[key] = _iso(getattr(order, key))
            orders.append(data)
        return {"shop": shop.code, "protocol": shop.protocol, "currency": shop.currency, "orders": orders,
                "line_ids": [line for order in shop.orders for line in shop.line_ids(order)]}

    def describe(self) -> list[dict[str, Any]]:
        return [{"code": s.code, "protocol": s.protocol, "currency": s.currency, "credentials": s.credentials,
                 **({"app": s.app} if s.app else {}), "orders": len(s.orders)} for s in self.shops.values()]

    # --- persistence (optional) -----------------------------------------------------------
    def save(self) -> None:
        if not self.persist_path:
            return
        with self.lock:
            payload = {"seed": self.seed, "order_rate": self.order_rate, "anchor": self.anchor.isoformat(),
                       "shipments": self.shipments, "next_id": self.next_id,
                       "inquiry_answers": self.inquiry_answers,
                       "tracking_stage_seconds": self.tracking_stage_seconds,
                       "claim_share": self.claim_share, "claim_collect_seconds": self.claim_collect_seconds,
                       "shops": {code: {"faults": asdict(shop.faults), "received": shop.received,
                                        "orders": [_order_json(o) for o in shop.orders],
                                        "products": [asdict(p) for p in shop.products],
                                        "live_generated": shop.live_generated,
                                        "claims": [sandbox_claims.claim_json(c) for c in shop.claims]}
                                 for code, shop in self.shops.items()}}
        self.persist_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.persist_path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False))
        tmp.replace(self.persist_path)

    def load(self) -> bool:
        if not self.persist_path or not self.persist_path.exists():
            return False
        payload = json.loads(self.persist_path.read_text())
        with self.lock:
            self.reset(seed=payload["seed"], order_rate=payload["order_rate"],
                       now=datetime.fromisoformat(payload["anchor"]))
            for code, saved in payload["shops"].items():
                shop = self.shops.get(code)
                if shop is None:
                    continue
                shop.faults.update(saved["faults"])
                shop.received = saved["received"]
                shop.live_generated = saved["live_generated"]
                shop.orders = [_order_from_json(o) for o in saved["orders"]]
                shop.claims = [sandbox_claims.claim_from_json(c) for c in saved.get("claims") or []]
                if saved.get("products"):
                    shop.products = [_product_from_json(p) for p in saved["products"]]
            self.shipments = payload.get("shipments") or {}
            self.inquiry_answers = payload.get("inquiry_answers") or {}
            self.next_id = int(payload.get("next_id") or 0)
            self.tracking_stage_seconds = float(payload.get("tracking_stage_seconds") or self.tracking_stage_seconds)
            self.claim_share = float(payload.get("claim_share", self.claim_share))
            self.claim_collect_seconds = float(payload.get("claim_collect_seconds", self.claim_collect_seconds))
        return True


def _order_json(order: Order) -> dict[str, Any]:
    data = asdict(order)
    for key in ("ordered_at", "paid_at", "changed_at", "cancelled_at"):
        data[key] = _iso(getattr(order, key))
    return data


def _order_from_json(data: dict[str, Any]) -> Order:
    data = dict(data)
    for key in ("ordered_at", "paid_at", "changed_at", "cancelled_at"):
        data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
    data["lines"] = [Line(**line) for line in data["lines"]]
    return Order(**data)


def _product_from_json(data: dict[str, Any]) -> Product:
    data = dict(data)
    data["options"] = [Option(**option) for option in data["options"]]
    return Product(**data)
