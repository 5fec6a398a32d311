"""Order collection (ORD-1): the upsert of marketplace order lines, the collection runs that feed it
and the schedule that starts them.

`channel_orders_ingest` takes one page of `ChannelOrder`s (one marketplace order line each) and, in one
transaction: looks the lines up by their unique key (company, account, channel line id) in ONE query,
skips the unchanged ones by `payload_hash`, bulk-inserts new orders and lines, bulk-updates changed
ones (with `OrderEvent`s old → new for status and address), matches new lines to SKUs (batched),
reserves stock for orders whose lines are all matched, flags duplicate orders (ORD-11) and
quarantines records that cannot be stored. Collection from a marketplace API and Excel uploads both
go through it.

A collection run claims its account with a conditional UPDATE (one run per account at a time, across
worker machines), pages through the window [collected_until − overlap, now] and commits the
connector's cursor in the same transaction as each page, so a crash re-collects from the last
committed page; `collected_until` advances when the window is done.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import ChannelOrder, FetchWindow, RecordError
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.business_days import dispatch_due
from marketdock.core.jobs import company_xact_lock, retry_on_conflict
from marketdock.core.models import Company, JobRun, User

from .models import (
    ChannelStatus,
    CollectionRun,
    DueSource,
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    QuarantinedRecord,
    StockState,
)
from .services_match import (
    ORDER_ROLLUP_FIELDS,
    components_for,
    inventory_enabled,
    line_effective_quantity,
    line_is_cancelled,
    line_release,
    lines_find_matches,
    match_key,
    order_lines_stock_lock,
    order_rollup,
    orders_reserve,
)
from .services_progress import (
    claim_state,
    line_advance,
    oms_status,
    order_advance,
    order_status_from_lines,
    outside_shipments_stock,
    progress_event,
    shipment_apply,
)

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
FIRST_RUN = timedelta(days=3)
MAX_BACKFILL = timedelta(days=90)
DUPLICATE_WINDOW = timedelta(hours=24)
LEASE = timedelta(minutes=10)  # a claimed account is free again if its run stops renewing the claim
RUNNING = "running"

# ChannelOrder fields that change without the order changing (excluded from payload_hash)
VOLATILE = {"raw", "changed_at"}
ADDRESS_FIELDS = ("recipient_name", "recipient_phone", "recipient_postal_code", "recipient_address1",
                  "recipient_address2")
HEADER_FIELDS = ("bundle_id", "ordered_at", "paid_at", "buyer_name", "buyer_phone", "buyer_email",
                 "recipient_country", "delivery_message", "currency") + ADDRESS_FIELDS
LINE_FIELDS = ["channel_product_id", "channel_option_id", "product_name", "option_text", "seller_product_code",
               "seller_option_code", "quantity", "cancelled_quantity", "unit_price", "discount_amount",
               "total_amount", "status", "channel_status", "raw_status", "raw_claim_status", "match_key", "raw",
               "payload_hash", "updated_at", "stock_state", "claim", "shipping_method", "carrier_key",
               "tracking_number", "shipped_at", "currency", "dispatch_due", "dispatch_due_source"]
ORDER_UPDATE_FIELDS = list(HEADER_FIELDS) + [
    "address_changed", "total_amount", "shipping_fee", "changed_at", "buyer_phone_digits",
    "recipient_phone_digits", "buyer_key", "changed_run", "hold_from", "hold_reason", "shipped_at"] + ORDER_ROLLUP_FIELDS
# (model field, max length) checked before a record is stored; too long = quarantined
_KEY_LIMITS = (("order_id", 100), ("order_line_id", 120), ("channel_product_id", 100), ("channel_option_id", 100),
               ("seller_product_code", 100), ("seller_option_code", 100), ("bundle_id", 100))


class CollectionError(Exception):
    """A collection could not start; `str(exc)` is a Korean message for the user."""


# --- normalizing -----------------------------------------------------------------------------------


def phone_digits(value: str) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    if digits.startswith("82") and len(digits) >= 11:  # +82 10-1234-5678 → 01012345678
        digits = "0" + digits[2:]
    return digits[:20]


def buyer_key(name: str, phone: str, company_id: int | None = None) -> str:
    """sha256 of the company, normalized name and phone digits; "" when either is missing (no false
    history). The company is part of the key, so a lookup by key alone never crosses companies and
    uses the buyer_key index (a company + date index would scan every order of the period)."""
    from .services_match import normalize_text

    digits, norm = phone_digits(phone), normalize_text(name).replace(" ", "")
    if not digits or not norm:
        return ""
    return hashlib.sha256(f"{company_id or ''}|{norm}|{digits}".encode()).hexdigest()


def payload_hash(order: ChannelOrder) -> str:
    """The hash of a line as the marketplace reports it, without volatile fields."""
    # a line without a marketplace due date hashes as before the field existed (no mass "changed")
    data = order.model_dump(mode="json", exclude=VOLATILE | ({"dispatch_due"} if order.dispatch_due is None else set()))
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _check(co: ChannelOrder) -> tuple[str, str] | None:
    for name, limit in _KEY_LIMITS:
        value = getattr(co, name)
        if len(value) > limit:
            return name, _("값이 너무 깁니다 (%(n)s자, 최대 %(max)s자)") % {"n": len(value), "max": limit}
    if co.quantity > 1_000_000:
        return "quantity", _("수량이 너무 큽니다: %(q)s") % {"q": co.quantity}
    return None


def _label(status: str) -> str:
    try:
        return str(ChannelStatus(status).label)
    except ValueError:
        return status


def _line_values(co: ChannelOrder, digest: str) -> dict:
    return {
        "channel_product_id": co.channel_product_id, "channel_option_id": co.channel_option_id,
        "product_name": co.product_name[:300], "option_text": co.option_text[:300],
        "seller_product_code": co.seller_product_code, "seller_option_code": co.seller_option_code,
        "quantity": co.quantity, "cancelled_quantity": min(co.cancelled_quantity, co.quantity),
        "currency": (co.currency or "KRW")[:3], "unit_price": co.unit_price, "discount_amount": co.discount_amount,
        "total_amount": co.total_amount,
        "channel_status": str(co.status), "raw_status": co.raw_status[:60], "raw_claim_status": co.raw_claim_status[:60],
        "claim": claim_state(co),
        "match_key": match_key(channel_product_id=co.channel_product_id, channel_option_id=co.channel_option_id,
                               product_name=co.product_name, option_text=co.option_text),
        "raw": co.raw, "payload_hash": digest,
    }


def _dispatch_due(co: ChannelOrder, account: ChannelAccount) -> tuple:
    """(출고기한, 근거): the marketplace's own date, else the account's rule on KST business days."""
    if co.dispatch_due:
        return co.dispatch_due, DueSource.MARKETPLACE
    return dispatch_due(co.paid_at or co.ordered_at, days=account.dispatch_days,
                        cutoff_hour=account.dispatch_cutoff_hour), DueSource.RULE


def _header_values(co: ChannelOrder) -> dict:
    address1 = co.recipient_address1
    if co.recipient_city or co.recipient_region:  # Shopify splits them; Korean addresses carry them in address1
        address1 = ", ".join(x for x in (co.recipient_address1, co.recipient_city, co.recipient_region) if x)
    return {
        "bundle_id": co.bundle_id, "ordered_at": co.ordered_at, "paid_at": co.paid_at,
        "buyer_name": co.buyer_name[:100], "buyer_phone": co.buyer_phone[:30], "buyer_email": co.buyer_email[:200],
        "recipient_name": co.recipient_name[:100], "recipient_phone": co.recipient_phone[:30],
        "recipient_postal_code": co.recipient_postal_code[:10], "recipient_address1": address1[:300],
        "recipient_address2": co.recipient_address2[:300], "recipient_country": (co.recipient_country or "KR")[:2],
        "delivery_message": co.delivery_message[:300], "currency": co.currency[:3],
    }


# --- the page upsert -------------------------------------------------------------------------------


def _by_channel_key(model, *, company: Company, account: ChannelAccount, field: str, keys: list[str],
                    exclude: tuple[str, ...] = ()) -> Iterable:
    """The rows of `model` whose unique key (company, account, `field`) has one of `keys`, without the
    fields in `exclude` (deferred).

    On PostgreSQL every key is its own probe of the unique index (a LATERAL subquery with LIMIT 1,
    which the planner cannot flatten into a join): `… AND field = ANY(keys)` is planned from the
    statistics, and while they do not yet know the account's rows (a new account, a big first
    collection, autovacuum behind) it scans every row of the account and filters — a page lookup then
    costs as much as the account has lines. SQLite always probes the unique index per key."""
    if not keys:
        return []
    connection = connections[router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return model.objects.filter(company=company, account=account, **{f"{field}__in": keys}).defer(*exclude) \
            .order_by()
    meta, qn = model._meta, connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in meta.concrete_fields if f.name not in exclude)
    sql = (f"SELECT r.* FROM unnest(%s::text[]) AS k(v) CROSS JOIN LATERAL ("
           f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('company').column)} = %s "
           f"AND {qn(meta.get_field('account').column)} = %s AND {qn(meta.get_field(field).column)} = k.v LIMIT 1) r")
    return model.objects.raw(sql, [list(keys), company.pk, account.pk])


def channel_orders_ingest(*, account: ChannelAccount, orders: Sequence[ChannelOrder], run: CollectionRun,
                          errors: Iterable[RecordError] = (), user: User | None = None) -> dict:
    """Upsert one page of marketplace order lines for `account` (one transaction); match, reserve,
    flag duplicates and quarantine bad records. Adds the page's ledger counts to `run` and returns
    them: {"seen", "created", "updated", "unchanged", "quarantined"} (orders; quarantined = records)."""
    company = account.company
    now = timezone.now()
    bad: list[RecordError] = list(errors)
    by_line: dict[str, ChannelOrder] = {}
    for co in orders:
        problem = _check(co)
        if problem:
            bad.append(RecordError(order_id=co.order_id[:100], order_line_id=co.order_line_id[:120], field=problem[0],
                                   message=problem[1], raw=co.raw or co.model_dump(mode="json")))
            continue
        by_line.pop(co.order_line_id, None)  # the later record of a line is the newer one
        by_line[co.order_line_id] = co
    groups: dict[str, list[ChannelOrder]] = defaultdict(list)
    for co in by_line.values():
        groups[co.order_id].append(co)
    digests = {line_id: payload_hash(co) for line_id, co in by_line.items()}
    counts = {"seen": len(groups), "created": 0, "updated": 0, "unchanged": 0, "quarantined": len(bad)}
    user = user or run.created_by

    with transaction.atomic():
        existing = {ln.channel_line_id: ln for ln in _by_channel_key(
            OrderLine, company=company, account=account, field="channel_line_id", keys=list(by_line),
            exclude=("raw",))}
        touched_ids = [oid for oid, cos in groups.items()
                       if any(co.order_line_id not in existing
                              or existing[co.order_line_id].payload_hash != digests[co.order_line_id] for co in cos)]
        counts["unchanged"] = len(groups) - len(touched_ids)
        if touched_ids:
            _upsert(company=company, account=account, run=run, user=user, now=now, groups=groups,
                    touched_ids=touched_ids, existing=existing, digests=digests, counts=counts)
        if bad:
            QuarantinedRecord.objects.bulk_create([
                QuarantinedRecord(company=company, account=account, run=run, channel_order_id=e.order_id[:100],
                                  channel_line_id=e.order_line_id[:120], field=e.field[:200], message=e.message[:500],
                                  raw=e.raw, created_at=now) for e in bad])
        CollectionRun.objects.filter(pk=run.pk).update(
            seen=F("seen") + counts["seen"], created=F("created") + counts["created"],
            updated=F("updated") + counts["updated"], unchanged=F("unchanged") + counts["unchanged"],
            quarantined=F("quarantined") + counts["quarantined"])
    for key in ("seen", "created", "updated", "unchanged", "quarantined"):
        setattr(run, key, getattr(run, key) + counts[key])
    return counts


def _upsert(*, company: Company, account: ChannelAccount, run: CollectionRun, user: User | None, now: datetime,
            groups: dict[str, list[ChannelOrder]], touched_ids: list[str], existing: dict[str, OrderLine],
            digests: dict[str, str], counts: dict) -> None:
    events: list[OrderEvent] = []
    orders = {o.channel_order_id: o for o in _by_channel_key(
        Order, company=company, account=account, field="channel_order_id", keys=touched_ids)}

    # 1. orders: new ones built, existing ones' headers compared (address change → event)
    new_orders: list[Order] = []
    changed_orders: list[Order] = []
    for oid in touched_ids:
        cos = groups[oid]
        head = max(cos, key=lambda c: (c.changed_at or c.ordered_at))
        values = _header_values(head)
        fee = sum(c.shipping_fee for c in cos if c.order_line_id not in existing)
        order = orders.get(oid)
        if order is None:
            order = Order(company=company, account=account, channel_order_id=oid, collected_at=now,
                          changed_at=head.changed_at or now, created_run=run, shipping_fee=fee,
                          address_changed=any(c.address_changed for c in cos), **values)
            new_orders.append(order)
            orders[oid] = order
        else:
            old = {f: getattr(order, f) for f in ADDRESS_FIELDS}
            for name, value in values.items():
                setattr(order, name, value)
            order.shipping_fee += fee
            new = {f: getattr(order, f) for f in ADDRESS_FIELDS}
            if old != new:
                order.address_changed = True
                events.append(OrderEvent(
                    company=company, order=order, kind="address", at=now,
                    message=_("배송지 변경: %(old)s → %(new)s") % {
                        "old": " ".join(x for x in (old["recipient_address1"], old["recipient_address2"]) if x),
                        "new": " ".join(x for x in (new["recipient_address1"], new["recipient_address2"]) if x)},
                    data={"old": old, "new": new, "run": run.pk}))
            if any(c.address_changed for c in cos):
                order.address_changed = True
            order.changed_at = max(order.changed_at, head.changed_at or now)
            order.changed_run = run
            changed_orders.append(order)
        order.buyer_phone_digits = phone_digits(order.buyer_phone)
        order.recipient_phone_digits = phone_digits(order.recipient_phone)
        order.buyer_key = buyer_key(order.buyer_name, order.buyer_phone, company.pk)
    counts["created"] += len(new_orders)
    counts["updated"] += len(changed_orders)
    status_before = {o.pk: o.status for o in changed_orders}

    # 2. lines: the other lines of changed orders (for the rollup) and their components
    changed_pks = [o.pk for o in changed_orders]
    page_line_ids = [co.order_line_id for oid in touched_ids for co in groups[oid]]
    lines_by_order: dict[str, list[OrderLine]] = defaultdict(list)  # by channel order id
    comp_map: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if changed_pks:
        by_pk = {o.pk: o.channel_order_id for o in changed_orders}
        for ln in OrderLine.objects.filter(company=company, order_id__in=changed_pks).exclude(
                channel_line_id__in=page_line_ids).defer("raw"):
            lines_by_order[by_pk[ln.order_id]].append(ln)
        for line_id, sku_id, qty in OrderLineComponent.objects.filter(
                company=company, line__order_id__in=changed_pks).values_list("line_id", "sku_id", "quantity"):
            comp_map[line_id].append((sku_id, qty))

    new_lines: list[OrderLine] = []
    changed_lines: list[OrderLine] = []
    releases: list[tuple[OrderLine, int]] = []
    shipped_by_market: list[tuple[OrderLine, ChannelOrder]] = []  # lines the marketplace moved on: tracking
    advanced: dict[str, list[OrderLine]] = defaultdict(list)  # existing lines moved forward, by order id
    for oid in touched_ids:
        order = orders[oid]
        for co in groups[oid]:
            digest = digests[co.order_line_id]
            values = _line_values(co, digest)
            line = existing.get(co.order_line_id)
            if line is None:
                due, source = _dispatch_due(co, account)
                line = OrderLine(company=company, order=order, account=account, channel_line_id=co.order_line_id,
                                 status=oms_status(co), created_at=now, updated_at=now, dispatch_due=due,
                                 dispatch_due_source=source, **values)
                new_lines.append(line)
                shipped_by_market.append((line, co))
            elif line.payload_hash != digest:
                old_status, old_effective = line.channel_status, line_effective_quantity(line)
                for name, value in values.items():
                    setattr(line, name, value)
                if co.dispatch_due and co.dispatch_due != line.dispatch_due:  # e.g. a delay made at the marketplace
                    line.dispatch_due, line.dispatch_due_source = co.dispatch_due, DueSource.MARKETPLACE
                elif line.dispatch_due is None:
                    line.dispatch_due, line.dispatch_due_source = _dispatch_due(co, account)
                if oms_status(co) == OrderStatus.CANCELLED:
                    line.status = OrderStatus.CANCELLED
                elif line_advance(line, co):
                    advanced[oid].append(line)
                    shipped_by_market.append((line, co))
                line.updated_at = now
                if old_status != line.channel_status:
                    events.append(OrderEvent(company=company, order=order, line=line, kind="channel_status", at=now,
                                             message=_("쇼핑몰 상태 변경: %(name)s %(old)s → %(new)s") % {
                                                 "name": line.product_name[:100], "old": _label(old_status),
                                                 "new": _label(line.channel_status)},
                                             data={"old": old_status, "new": line.channel_status, "run": run.pk}))
                if line.stock_state == StockState.RESERVED and line_effective_quantity(line) < old_effective:
                    releases.append((line, old_effective))
                changed_lines.append(line)
            lines_by_order[oid].append(line)  # unchanged lines of a touched order count in its rollup too

    shipment_apply(shipped_by_market, channel=account.kind, now=now)

    # 3. matching of new lines and of changed lines still waiting (batched: 3 queries)
    waiting = new_lines + [ln for ln in changed_lines if ln.match_status != MatchStatus.MATCHED]
    matches = lines_find_matches(company, waiting)
    for i, m in matches.items():
        waiting[i].match_status, waiting[i].match_source = MatchStatus.MATCHED, m.source

    # 4. new orders (rolled up from their lines in memory), then all lines, then components
    for order in new_orders:
        order_status_from_lines(order, lines_by_order[order.channel_order_id])
        order_rollup(order, lines_by_order[order.channel_order_id])
        order.total_amount = sum(ln.total_amount for ln in lines_by_order[order.channel_order_id]) + order.shipping_fee
    if new_orders:
        Order.objects.bulk_create(new_orders)
    inserted_state = {o.pk: o.stock_state for o in new_orders}
    if new_lines:
        for line in new_lines:
            line.order_id = line.order.pk
        OrderLine.objects.bulk_create(new_lines)
    if changed_lines:
        OrderLine.objects.bulk_update(changed_lines, LINE_FIELDS + ["match_status", "match_source"])
    if matches:
        comps = []
        for i, m in matches.items():
            line_comps = components_for(waiting[i], m.components)
            comps.extend(line_comps)
            comp_map[waiting[i].pk] = [(c.sku_id, c.quantity) for c in line_comps]
        OrderLineComponent.objects.bulk_create(comps)
        for i in matches:
            ln = waiting[i]
            if ln.created_at != now:  # a waiting line matched on re-collection (new lines get "collected")
                events.append(OrderEvent(company=company, order_id=ln.order_id, line=ln, kind="matched", at=now,
                                         message=_("상품 매칭: %(name)s") % {"name": ln.product_name[:200]},
                                         data={"source": matches[i].source, "run": run.pk}))

    # 5. stock: release what marketplace cancels freed, reserve orders now complete
    all_orders = new_orders + changed_orders
    by_pk_lines = {o.pk: lines_by_order[o.channel_order_id] for o in all_orders}
    stock_changed: list[OrderLine] = []
    stock_on = inventory_enabled(company)
    if stock_on:
        # one lock order for the page: every stock row its releases, reservations and outside shipments
        # may touch, locked at once in (sku, warehouse) order before the first of them
        order_lines_stock_lock(company=company, components=comp_map,
                               lines=[ln for ln, _o in releases] + [ln for o in all_orders for ln in by_pk_lines[o.pk]])
        for line, old_effective in releases:
            kind, message = line_release(company=company, line=line, components=comp_map.get(line.pk, []),
                                         old_effective=old_effective, user=user)
            if kind:
                stock_changed.append(line)
                events.append(OrderEvent(company=company, order_id=line.order_id, line=line, kind=kind, at=now,
                                         message=message[:500], data={"run": run.pk}))
        for order in changed_orders:
            order_rollup(order, by_pk_lines[order.pk])
            order_advance(order, by_pk_lines[order.pk])
        outcome = orders_reserve(company=company, orders=all_orders, lines_by_order=by_pk_lines,
                                 components=comp_map, user=user, run_id=run.pk)
        events.extend(outcome.events)
        stock_changed.extend(outcome.changed_lines)
    outside_events, outside_changed = outside_shipments_stock(
        company=company, lines=[ln for ln, _co in shipped_by_market], components=comp_map, user=user,
        run_id=run.pk, now=now, stock=stock_on)
    events.extend(outside_events)
    stock_changed.extend(outside_changed)
    by_state: dict[str, list[int]] = defaultdict(list)
    for line in stock_changed:
        by_state[line.stock_state].append(line.pk)
    for state, pks in by_state.items():
        OrderLine.objects.filter(pk__in=pks).update(stock_state=state)

    # 6. orders' rollups after stock (status, matched, stock state), history
    new_states: dict[str, list[int]] = defaultdict(list)
    for order in new_orders:
        order_rollup(order, by_pk_lines[order.pk])
        if order.stock_state != inserted_state[order.pk]:
            new_states[order.stock_state].append(order.pk)
        events.append(OrderEvent(company=company, order=order, kind="collected", at=now,
                                 message=_("주문 수집: %(account)s") % {"account": account.name},
                                 data={"run": run.pk, "lines": order.line_count}))
    for state, pks in new_states.items():
        Order.objects.filter(pk__in=pks).update(stock_state=state)
    for order in changed_orders:
        before = status_before[order.pk]
        lines = by_pk_lines[order.pk]
        order.total_amount = sum(ln.total_amount for ln in lines) + order.shipping_fee
        order_rollup(order, lines)
        order_advance(order, lines)
        if before != order.status and order.status != OrderStatus.CANCELLED:
            events.append(progress_event(company, order, before, run.pk, advanced.get(order.channel_order_id, []), now))
        if before != order.status and order.status == OrderStatus.CANCELLED:
            events.append(OrderEvent(company=company, order=order, kind="status", at=now,
                                     message=_("쇼핑몰에서 모든 상품이 취소되어 주문을 취소했습니다."),
                                     data={"old": before, "new": order.status, "run": run.pk}))
    if changed_orders:
        Order.objects.bulk_update(changed_orders, ORDER_UPDATE_FIELDS)

    # 7. duplicate orders (same buyer + phone, same items, within the window)
    events.extend(_flag_duplicates(company=company, orders=new_orders, lines_by_order=by_pk_lines, now=now))
    OrderEvent.objects.bulk_create(events)


def _item_signature(lines: Sequence[OrderLine]) -> tuple:
    return tuple(sorted((ln.match_key, ln.quantity) for ln in lines if not line_is_cancelled(ln)))


def _flag_duplicates(*, company: Company, orders: list[Order], lines_by_order: dict[int, list[OrderLine]],
                     now: datetime) -> list[OrderEvent]:
    keyed = [o for o in orders if o.buyer_key and o.status != OrderStatus.CANCELLED]
    if not keyed:
        return []
    window = getattr(settings, "ORDERS_DUPLICATE_WINDOW", DUPLICATE_WINDOW)
    low = min(o.ordered_at for o in keyed) - window
    high = max(o.ordered_at for o in keyed) + window
    new_pks = {o.pk for o in keyed}
    candidates = [c for c in Order.objects.filter(buyer_key__in={o.buyer_key for o in keyed})
                  .exclude(status=OrderStatus.CANCELLED).only("pk", "company_id", "buyer_key", "ordered_at",
                                                               "channel_order_id")
                  if c.company_id == company.pk and c.pk not in new_pks and low <= c.ordered_at <= high]
    cand_lines: dict[int, list[OrderLine]] = defaultdict(list)
    if candidates:
        for ln in OrderLine.objects.filter(company=company, order_id__in=[c.pk for c in candidates]).only(
                "order_id", "match_key", "quantity", "cancelled_quantity", "status", "channel_status"):
            cand_lines[ln.order_id].append(ln)
    pool = [(c, _item_signature(cand_lines[c.pk])) for c in candidates]
    pool += [(o, _item_signature(lines_by_order[o.pk])) for o in keyed]
    events = []
    for order in keyed:
        signature = _item_signature(lines_by_order[order.pk])
        if not signature:
            continue
        earlier = [c for c, sig in pool
                   if c.pk != order.pk and c.buyer_key == order.buyer_key and sig == signature
                   and abs(c.ordered_at - order.ordered_at) <= window
                   and (c.ordered_at, c.pk) < (order.ordered_at, order.pk)]
        if not earlier:
            continue
        first = min(earlier, key=lambda c: (c.ordered_at, c.pk))
        order.duplicate_of_id = first.pk
        Order.objects.filter(pk=order.pk).update(duplicate_of=first.pk)
        events.append(OrderEvent(company=company, order=order, kind="duplicate", at=now,
                                 message=_("중복 의심 주문: 같은 주문자·연락처로 같은 상품을 주문한 %(no)s 주문이 있습니다.")
                                 % {"no": first.channel_order_id},
                                 data={"duplicate_of": first.pk}))
    return events


# --- collection runs -----------------------------------------------------------------------------------


def collection_run_open(*, account: ChannelAccount, trigger: str = CollectionRun.Trigger.UPLOAD,
                        user: User | None = None, job_run: JobRun | None = None, window_start: datetime | None = None,
                        window_end: datetime | None = None) -> CollectionRun:
    """A new ledger row (e.g. for an Excel upload, which then calls `channel_orders_ingest`)."""
    return CollectionRun.objects.create(company=account.company, account=account, trigger=trigger, job_run=job_run,
                                        window_start=window_start, window_end=window_end,
                                        created_by=user if user and user.pk else None)


def collection_run_close(*, run: CollectionRun, error: str = "") -> CollectionRun:
    run.refresh_from_db()
    if error:
        run.status = CollectionRun.Status.FAILED
    elif run.quarantined:
        run.status = CollectionRun.Status.PARTIAL
    else:
        run.status = CollectionRun.Status.SUCCEEDED
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


def _lease_valid(now: datetime):
    return Q(last_status=RUNNING, next_collect_at__gt=now)


def account_collect_claim(*, account: ChannelAccount, now: datetime | None = None) -> bool:
    """Claim the account for one collection: a conditional UPDATE, so of two workers (on any
    machine, SQLite or PostgreSQL) exactly one wins. The claim is a lease kept alive per page."""
    now = now or timezone.now()
    won = ChannelAccount.objects.filter(pk=account.pk, company=account.company_id).exclude(_lease_valid(now)).update(
        last_status=RUNNING, next_collect_at=now + LEASE)
    if won:
        account.last_status, account.next_collect_at = RUNNING, now + LEASE
    return bool(won)


def _lease_renew(account: ChannelAccount) -> None:
    ChannelAccount.objects.filter(pk=account.pk, last_status=RUNNING).update(next_collect_at=timezone.now() + LEASE)


def _finish_stale_runs(account: ChannelAccount) -> None:
    """Runs of this account left RUNNING by a worker that died (its lease expired)."""
    stale = list(CollectionRun.objects.filter(account=account, status=CollectionRun.Status.RUNNING)
                 .values_list("pk", "job_run_id"))
    if not stale:
        return
    message = _("작업자가 중단되어 수집이 끝나지 않았습니다. 다음 수집이 이어서 가져옵니다.")
    now = timezone.now()
    CollectionRun.objects.filter(pk__in=[pk for pk, _j in stale]).update(
        status=CollectionRun.Status.FAILED, error=message, finished_at=now)
    JobRun.objects.filter(pk__in=[j for _p, j in stale if j], status__in=[JobRun.Status.RUNNING, JobRun.Status.QUEUED]
                          ).update(status=JobRun.Status.FAILED, error=message, finished_at=now)


def collection_due_accounts(*, now: datetime | None = None) -> list[ChannelAccount]:
    """Accounts whose scheduled collection is due (auto on, active, API marketplaces)."""
    now = now or timezone.now()
    return list(ChannelAccount.objects.filter(is_active=True, auto_collect=True)
                .exclude(kind=ChannelKind.MANUAL).exclude(_lease_valid(now))
                .filter(Q(next_collect_at__isnull=True) | Q(next_collect_at__lte=now)).select_related("company"))


def collection_schedule_claim(*, account: ChannelAccount, now: datetime | None = None) -> bool:
    """Take the account's due slot (so the minute scheduler enqueues it once even if several
    schedulers run): next_collect_at moves to the next interval with a conditional UPDATE."""
    now = now or timezone.now()
    nxt = now + timedelta(minutes=max(1, account.collect_every_minutes))
    return bool(ChannelAccount.objects.filter(pk=account.pk).filter(
        Q(next_collect_at__isnull=True) | Q(next_collect_at__lte=now)).exclude(_lease_valid(now))
        .update(next_collect_at=nxt))


def account_schedule_update(*, company: Company, account: ChannelAccount, auto_collect: bool,
                            collect_every_minutes: int) -> ChannelAccount:
    """자동주문스케줄관리: auto collection on/off and its interval (5 minutes to a day)."""
    if account.company_id != company.pk:
        raise CollectionError(_("쇼핑몰 계정을 찾을 수 없습니다."))
    if not isinstance(collect_every_minutes, int) or not 5 <= collect_every_minutes <= 1440:
        raise CollectionError(_("수집 주기는 5분에서 1440분 사이여야 합니다: %(v)s") % {"v": collect_every_minutes})
    account.auto_collect = bool(auto_collect)
    account.collect_every_minutes = collect_every_minutes
    fields = ["auto_collect", "collect_every_minutes", "updated_at"]
    if account.last_status != RUNNING:
        account.next_collect_at = timezone.now() + timedelta(minutes=collect_every_minutes) if auto_collect else None
        fields.append("next_collect_at")
    account.save(update_fields=fields)
    return account


def collection_run_start(*, account: ChannelAccount, user: User | None = None, trigger: str = "manual",
                         window_start: datetime | None = None, window_end: datetime | None = None) -> JobRun:
    """Enqueue a collection of `account` (지금 수집, the schedule, or a backfill of a past period of at
    most 90 days). Returns the JobRun whose page shows the progress."""
    from .tasks import collect_orders

    now = timezone.now()
    if account.kind == ChannelKind.MANUAL:
        raise CollectionError(_("기타(엑셀 업로드) 쇼핑몰은 API 수집이 없습니다. 주문은 엑셀로 등록하세요."))
    if not account.is_active:
        raise CollectionError(_("사용 중지된 쇼핑몰 계정입니다: %(name)s") % {"name": account.name})
    if trigger not in CollectionRun.Trigger.values or trigger == CollectionRun.Trigger.UPLOAD:
        raise CollectionError(_("알 수 없는 수집 구분입니다: %(t)s") % {"t": trigger})
    if trigger == CollectionRun.Trigger.BACKFILL:
        if window_start is None or window_end is None:
            raise CollectionError(_("기간 수집은 시작과 끝을 모두 입력하세요."))
        window_end = min(window_end, now)
        if window_end <= window_start:
            raise CollectionError(_("수집기간의 끝은 시작보다 뒤여야 합니다."))
        if window_end - window_start > MAX_BACKFILL:
            raise CollectionError(_("기간 수집은 최대 90일까지입니다."))
        params = {"window_start": window_start.isoformat(), "window_end": window_end.isoformat()}
        title = _("주문 기간수집: %(name)s") % {"name": account.name}
    else:
        params = {}
        title = _("주문 수집: %(name)s") % {"name": account.name}
    if account.last_status == RUNNING and account.next_collect_at and account.next_collect_at > now \
            and trigger != CollectionRun.Trigger.SCHEDULE:
        raise CollectionError(_("이 계정은 이미 수집 중입니다. 끝난 뒤 다시 시도하세요."))
    return collect_orders.start(company=account.company, user=user, title=title, account_id=account.pk,
                                trigger=trigger, **params)


# --- the collector -----------------------------------------------------------------------------------


def connector_options(account: ChannelAccount) -> HttpOptions | None:
    """HTTP options for the account's connector (tests and benchmarks replace this)."""
    return None


def _connector(account: ChannelAccount):
    from marketdock.channels.services import connector_for

    conn = connector_for(account, options=connector_options(account))
    page_size = (account.options or {}).get("page_size")
    if isinstance(page_size, int) and page_size > 0:
        conn.page_size = max(1, min(conn.page_size, page_size))
    return conn


@dataclass
class _Pending:
    start: datetime
    end: datetime
    cursor: str | None

    def dump(self) -> str:
        return json.dumps({"ws": self.start.isoformat(), "we": self.end.isoformat(), "c": self.cursor})

    @classmethod
    def load(cls, text: str) -> _Pending | None:
        try:
            data = json.loads(text)
            return cls(datetime.fromisoformat(data["ws"]), datetime.fromisoformat(data["we"]), data.get("c"))
        except (ValueError, KeyError, TypeError):
            return None


def collection_execute(*, account_id: int, trigger: str = "manual", window_start: datetime | None = None,
                       window_end: datetime | None = None, job_run: JobRun | None = None, user: User | None = None,
                       progress: Callable[..., None] | None = None, log: Callable[[str], None] | None = None,
                       after_page: Callable[[int], None] | None = None) -> dict:
    """Run one collection of an account now (the job calls this). Returns the ledger counts."""
    account = ChannelAccount.objects.select_related("company").get(pk=account_id)
    log = log or (lambda line: None)
    if not account_collect_claim(account=account):
        log(_("이 계정은 이미 수집 중이어서 건너뜁니다."))
        return {"skipped": 1}
    _finish_stale_runs(account)
    backfill = trigger == CollectionRun.Trigger.BACKFILL
    now = timezone.now()
    windows: list[_Pending] = []
    if backfill:
        windows.append(_Pending(window_start, window_end, None))
    else:
        pending = _Pending.load(account.cursor) if account.cursor else None
        if pending:
            windows.append(pending)  # a run died mid-window: finish it from its last committed page
        start = account.collected_until - OVERLAP if account.collected_until else now - FIRST_RUN
        if pending:
            start = min(start, pending.end - OVERLAP)
        windows.append(_Pending(start, now, None))
    run = collection_run_open(account=account, trigger=trigger, user=user, job_run=job_run,
                              window_start=windows[0].start, window_end=windows[-1].end)
    pages = 0
    try:
        with _connector(account) as conn:
            for window in windows:
                fetch = FetchWindow(start=window.start, end=window.end)
                cursor = window.cursor
                for page in conn.iter_pages(fetch, cursor):
                    counted = {key: getattr(run, key) for key in _RUN_COUNTS}

                    def commit_page(page=page, window=window, counted=counted, done=pages) -> None:
                        for key, value in counted.items():  # a retried page counts once
                            setattr(run, key, value)
                        with transaction.atomic():
                            if settings.COLLECT_PAGE_PER_COMPANY:
                                company_xact_lock(COLLECT_LOCK_NAMESPACE, account.company_id)
                            channel_orders_ingest(account=account, orders=page.orders, run=run, errors=page.errors,
                                                  user=user)
                            CollectionRun.objects.filter(pk=run.pk).update(pages=done + 1)
                            if not backfill:  # the cursor commits with the page
                                state = _Pending(window.start, window.end, page.next_cursor).dump() \
                                    if page.has_more else ""
                                fields = {"cursor": state}
                                if not page.has_more:
                                    fields["collected_until"] = window.end
                                ChannelAccount.objects.filter(pk=account.pk).update(**fields)

                    # a deadlock rolled the whole page back (orders, stock, cursor): ingesting it again is exact
                    retry_on_conflict(commit_page)
                    pages += 1
                    _lease_renew(account)
                    if progress:
                        progress(pages, seen=run.seen, created=run.created, updated=run.updated,
                                 unchanged=run.unchanged, quarantined=run.quarantined)
                    if after_page:
                        after_page(pages)
    except (ConnectorError, ValueError) as exc:
        message = str(exc)
        log(message)
        collection_run_close(run=run, error=message)
        ChannelAccount.objects.filter(pk=account.pk).update(
            last_status=CollectionRun.Status.FAILED, last_error=message[:2000], last_collected_at=timezone.now(),
            next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
        raise CollectionFailed(message, run=run) from exc
    except BaseException as exc:
        message = f"{exc.__class__.__name__}: {exc}"
        collection_run_close(run=run, error=message)
        ChannelAccount.objects.filter(pk=account.pk).update(
            last_status=CollectionRun.Status.FAILED, last_error=message[:2000],
            next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
        raise
    run = collection_run_close(run=run)
    ChannelAccount.objects.filter(pk=account.pk).update(
        last_status=run.status, last_error="", last_collected_at=timezone.now(),
        next_collect_at=timezone.now() + timedelta(minutes=max(1, account.collect_every_minutes)))
    log(_("수집 완료: 조회 %(seen)s, 신규 %(created)s, 변경 %(updated)s, 변경없음 %(unchanged)s, 오류 %(q)s") % {
        "seen": run.seen, "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
        "q": run.quarantined})
    return {"run": run.pk, "pages": pages, "seen": run.seen, "created": run.created, "updated": run.updated,
            "unchanged": run.unchanged, "quarantined": run.quarantined}


_RUN_COUNTS = ("seen", "created", "updated", "unchanged", "quarantined")
COLLECT_LOCK_NAMESPACE = 11  # advisory lock key space of "one collection page per company"


class CollectionFailed(Exception):
    """The marketplace refused or failed; the message is the marketplace's own."""

    def __init__(self, message: str, *, run: CollectionRun) -> None:
        super().__init__(message)
        self.run = run
