"""Order list benchmark for `marketdock bench orderlist`.

Fills the database (once; later runs reuse the rows) with `--orders` generated orders of one
company across four channel accounts, then requests the real 주문확인/처리 screen through the
Django test Client as a logged-in user: the first page, channel + period + status filters, a
buyer-phone search (full number and last 4 digits), product searches by a part of the name or option
(answered on PostgreSQL by the pg_trgm GIN index of orders migration 0003), order-number searches by a
prefix and by a part from the middle, and `--pages` deep pages followed through the keyset cursor,
unfiltered and inside a search. Prints p50/p95 of the response times and the number of SQL queries
per page (which must be the same on every page).
"""

from __future__ import annotations

import random
import re
import statistics
import time
from datetime import timedelta

from marketdock.core.bench import register

COMPANY_CODE = "benchorders"
BATCH = 5000
NAMES = ("김민준", "이서연", "박지호", "최하은", "정도윤", "강서준", "조하린", "윤지우", "장예준", "임수아", "한지민",
         "오세훈", "서지안", "신유나", "권도현", "황보민", "남궁현", "안서윤", "송민재", "류하준")
PRODUCTS = ("반팔 티셔츠", "데님 팬츠", "후드 집업", "린넨 셔츠", "머그컵 350ml", "텀블러", "양말 5족 세트", "에코백",
            "니트 가디건", "캠핑 의자", "무선 충전기", "아이폰 케이스", "수분 크림", "선크림 SPF50", "요가 매트")
OPTIONS = ("블랙/M", "화이트/L", "네이비/S", "그레이/XL", "기본", "베이지/FREE")
STATUSES = (("new", 30), ("confirmed", 20), ("ready", 10), ("shipped", 10), ("in_transit", 8), ("delivered", 17),
            ("hold", 2), ("cancelled", 3))


def add_arguments(parser) -> None:
    parser.add_argument("--orders", type=int, default=200_000, help="orders in the benchmark company")
    parser.add_argument("--pages", type=int, default=20, help="deep pages followed through the cursor")
    parser.add_argument("--rounds", type=int, default=3, help="times each request is repeated")
    parser.add_argument("--size", type=int, default=50, help="page size (50/100/500)")


def _company():
    from marketdock.channels.models import ChannelAccount, ChannelKind
    from marketdock.core.models import Company, User
    from marketdock.core.services import company_create

    company = Company.objects.filter(code=COMPANY_CODE).first()
    if company is None:
        company = company_create(code=COMPANY_CODE, name="주문목록 벤치마크", business_no="211-87-00014",
                                 admin_username="benchorders_admin", admin_password="bench-Pass-1234!")
    accounts = []
    for kind, name in ((ChannelKind.NAVER, "스마트스토어 A"), (ChannelKind.NAVER, "스마트스토어 B"),
                       (ChannelKind.COUPANG, "쿠팡"), (ChannelKind.MANUAL, "자사몰")):
        account, _created = ChannelAccount.objects.get_or_create(company=company, name=name, defaults={"kind": kind})
        accounts.append(account)
    user = User.objects.get(username="benchorders_admin")
    return company, accounts, user


def _fill(company, accounts, target: int, out) -> int:
    """Insert generated orders (and one line each) until the company has `target` orders."""
    from django.db import transaction
    from django.utils import timezone

    from .models import Order, OrderLine

    have = Order.objects.filter(company=company).count()
    if have >= target:
        out(f"reusing {have} orders")
        return have
    rng = random.Random(have)
    now = timezone.now()
    weights = [w for _s, w in STATUSES]
    statuses = [s for s, _w in STATUSES]
    start = time.perf_counter()
    n = have
    while n < target:
        chunk = min(BATCH, target - n)
        orders, meta = [], []
        for i in range(chunk):
            seq = n + i
            account = accounts[seq % len(accounts)] if rng.random() < 0.9 else accounts[0]
            ordered = now - timedelta(seconds=rng.randint(0, 180 * 86400))
            ordered = ordered.replace(microsecond=0) if rng.random() < 0.3 else ordered  # many equal timestamps
            buyer, recipient = rng.choice(NAMES), rng.choice(NAMES)
            phone = f"010{rng.randint(0, 99_999_999):08d}"
            rphone = phone if rng.random() < 0.6 else f"010{rng.randint(0, 99_999_999):08d}"
            product, option = rng.choice(PRODUCTS), rng.choice(OPTIONS)
            qty = rng.randint(1, 3)
            price = rng.choice((9900, 12900, 15800, 29000, 39000, 59000))
            no = f"B{seq:09d}"
            orders.append(Order(
                company=company, account=account, channel_order_id=no, bundle_id=f"PK{seq:09d}",
                status=rng.choices(statuses, weights)[0], ordered_at=ordered, paid_at=ordered,
                collected_at=ordered + timedelta(minutes=rng.randint(1, 40)), changed_at=ordered,
                buyer_name=buyer, buyer_phone=f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", buyer_phone_digits=phone,
                recipient_name=recipient, recipient_phone=f"{rphone[:3]}-{rphone[3:7]}-{rphone[7:]}",
                recipient_phone_digits=rphone, recipient_postal_code=f"{rng.randint(1000, 63000):05d}",
                recipient_address1="서울특별시 강남구 테헤란로 " + str(rng.randint(1, 500)), recipient_address2="101호",
                total_amount=price * qty, shipping_fee=0 if price > 30000 else 3000, is_matched=rng.random() < 0.9,
                line_count=1, item_summary=f"{product} {option}",
                search_text=f"{no} PK{seq:09d} {product} {option} {no}-1",  # as order_rollup writes it
            ))
            meta.append((account, product, option, qty, price, no))
        with transaction.atomic():
            created = Order.objects.bulk_create(orders, batch_size=BATCH)
            if created[0].pk is None:  # backends that do not return ids
                by_no = dict(Order.objects.filter(company=company, channel_order_id__in=[m[5] for m in meta])
                             .values_list("channel_order_id", "pk"))
                for o in created:
                    o.pk = by_no[o.channel_order_id]
            OrderLine.objects.bulk_create([
                OrderLine(company=company, order_id=o.pk, account=m[0], channel_line_id=f"{m[5]}-1",
                          channel_product_id="P" + str(PRODUCTS.index(m[1])), channel_option_id=str(OPTIONS.index(m[2])),
                          product_name=m[1], option_text=m[2], quantity=m[3], unit_price=m[4],
                          total_amount=m[3] * m[4], status=o.status, channel_status=o.status if o.status in (
                              "new", "confirmed", "ready", "shipped", "in_transit", "delivered", "hold", "cancelled")
                          else "new", match_status="matched" if o.is_matched else "unmatched",
                          raw={"productOrderId": f"{m[5]}-1"})
                for o, m in zip(created, meta, strict=True)], batch_size=BATCH)
        n += chunk
        out(f"  {n}/{target} orders ({time.perf_counter() - start:.0f}s)")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE orders_order")
            cur.execute("ANALYZE orders_orderline")
    return n


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _constant(values: list[int]):
    """The one query count of every page, or the sorted distinct counts when they differ."""
    return values[0] if len(set(values)) == 1 else sorted(set(values))


def run(options: dict, out) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse
    from django.utils import timezone

    from .models import Order

    target, pages, rounds, size = options["orders"], options["pages"], options["rounds"], options["size"]
    if target < 1 or pages < 1 or rounds < 1 or size not in (50, 100, 500):
        raise ValueError("--orders, --pages, --rounds must be >= 1 and --size one of 50/100/500")
    company, accounts, user = _company()
    began = time.perf_counter()
    total = _fill(company, accounts, target, out)
    fill_seconds = time.perf_counter() - began
    sample = (Order.objects.filter(company=company).order_by("-id").values("buyer_phone_digits", "channel_order_id")
              .first()) or {"buyer_phone_digits": "01012345678", "channel_order_id": "B000000001"}
    phone, order_no = sample["buyer_phone_digits"], sample["channel_order_id"]
    today = timezone.localdate()
    url = reverse("orders:list")
    period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    scenarios = {
        "first_page": {},
        "channel_period_status": {"account": [accounts[0].pk], "status": "new", **period, "size": size},
        "channels_period": {"account": [accounts[0].pk, accounts[2].pk], **period, "size": size},
        "collected_period": {"date_field": "collected", **period, "size": size},
        "phone_full": {"phone": phone, "size": size},
        "phone_last4": {"phone": phone[-4:], "size": size},
        "product": {"product": "캠핑", "account": [accounts[1].pk], "size": size},
        "product_part": {"product": "충전", "size": size},  # inside the name: 무선 충전기
        "product_option_part": {"product": "셔츠 네이", "size": size},  # name end + option start
        "product_latin_part": {"product": "spf", "size": size},  # 선크림 SPF50, other letter case
        "order_no_prefix": {"order_no": order_no[:-2], "size": size},  # up to 100 orders
        "order_no_part": {"order_no": order_no[3:8].lower(), "size": size},  # digits from the middle
        "unmatched": {"matched": "0", "size": size},
    }
    # pages followed through the cursor: the whole period, and inside a partial product search
    walks = {
        "deep_pages": {"start": (today - timedelta(days=180)).isoformat(), "end": today.isoformat(), "size": size},
        "search_pages": {"product": "의자", "size": size},
    }
    times: dict[str, list[float]] = {name: [] for name in (*scenarios, *walks)}
    queries: dict[str, list[int]] = {name: [] for name in walks}
    db_times: dict[str, list[float]] = {name: [] for name in times}  # time spent in SQL per request
    followed: dict[str, int] = dict.fromkeys(walks, 0)
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        client.get(url)  # warm up (session, permissions, templates)
        for _round in range(rounds):
            for name, params in scenarios.items():
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(url, params)
                    times[name].append((time.perf_counter() - t0) * 1000)
                db_times[name].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {response.status_code}")
            for name, params in walks.items():
                cursor = ""
                for _page in range(pages):
                    with CaptureQueriesContext(connection) as ctx:
                        t0 = time.perf_counter()
                        response = client.get(url, {**params, "cursor": cursor} if cursor else params)
                        times[name].append((time.perf_counter() - t0) * 1000)
                    queries[name].append(len(ctx.captured_queries))
                    db_times[name].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
                    followed[name] += 1
                    m = re.search(r'href="\?([^"]*)" data-testid="page-next"', response.content.decode())
                    if not m:
                        break
                    cursor = re.search(r"cursor=([^&]+)", m.group(1).replace("&amp;", "&")).group(1)
    everything = [t for values in times.values() for t in values]
    return {
        "database": connection.vendor,
        "orders": total,
        "fill_seconds": round(fill_seconds, 1),
        "requests": len(everything),
        "p50_ms": round(statistics.median(everything), 1),
        "p95_ms": round(_pct(everything, 95), 1),
        "max_ms": round(max(everything), 1),
        "p95_ms_by_scenario": {k: round(_pct(v, 95), 1) for k, v in times.items() if v},
        # the database's share: what the indexes decide, apart from rendering and a busy CPU
        "db_p95_ms": round(_pct([t for v in db_times.values() for t in v], 95), 1),
        "db_p95_ms_by_scenario": {k: round(_pct(v, 95), 1) for k, v in db_times.items() if v},
        "deep_pages_followed": followed["deep_pages"] // rounds,
        "search_pages_followed": followed["search_pages"] // rounds,
        "queries_per_page": _constant(queries["deep_pages"]),
        "queries_per_search_page": _constant(queries["search_pages"]),
        "queries_constant": all(len(set(q)) == 1 for q in queries.values()),
        "page_size": size,
    }


register("orderlist", help="Fill N orders and time the unified order list (filters, phone, partial product and order-number searches, "
              "deep keyset pages).",
         add_arguments=add_arguments, run=run)
