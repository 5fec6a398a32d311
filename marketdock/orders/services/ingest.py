"""Order ingestion (ORD-1): the upsert of one page of marketplace order lines (collection and Excel
uploads both go through it), duplicate flags and quarantine.

`channel_orders_ingest` takes one page of `ChannelOrder`s (one marketplace order line each) and, in one
transaction: looks the lines up by their unique key (company, account, channel line id) in ONE query,
skips the unchanged ones by `payload_hash`, bulk-inserts new orders and lines, bulk-updates changed
ones (with `OrderEvent`s old → new for status and address), matches new lines to SKUs (batched),
reserves stock for orders whose lines are all matched, flags duplicate orders (ORD-11) and
quarantines records that cannot be stored. The collection runs that feed it live in `collection`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.channels.connectors.models import ChannelOrder, RecordError
from marketdock.channels.models import ChannelAccount
from marketdock.core.business_days import dispatch_due
from marketdock.core.models import Company, User
from marketdock.core.usage import usage_record
from marketdock.core.validators import normalize_phone

from .. import events as rec
from .. import hooks
from ..models import (
    ChannelStatus,
    CollectionRun,
    DueSource,
    EventKind,
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    QuarantinedRecord,
    StockState,
)
from .lines import ORDER_ROLLUP_FIELDS, line_effective_quantity, line_is_cancelled, order_rollup
from .matching import components_for, lines_find_matches, match_key, normalize_text
from .progress import (
    claim_state,
    line_advance,
    oms_status,
    order_advance,
    order_status_from_lines,
    progress_event,
    shipment_apply,
)
from .reservation import (
    inventory_enabled,
    line_release,
    order_lines_stock_lock,
    orders_reserve,
    outside_shipments_stock,
)

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(hours=24)

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


# --- normalizing -----------------------------------------------------------------------------------


def phone_digits(value: str) -> str:
    """The stored form of a collected phone number: core's one normalizer, capped at the column's 20."""
    return normalize_phone(value)[:20]


def buyer_key(name: str, phone: str, company_id: int | None = None) -> str:
    """sha256 of the company, normalized name and phone digits; "" when either is missing (no false
    history). The company is part of the key, so a lookup by key alone never crosses companies and
    uses the buyer_key index (a company + date index would scan every order of the period)."""
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


@dataclass
class _Page:
    """One page being upserted: what came in, and what each step found or built."""

    company: Company
    account: ChannelAccount
    run: CollectionRun
    user: User | None
    now: datetime
    groups: dict[str, list[ChannelOrder]]
    touched_ids: list[str]
    existing: dict[str, OrderLine]
    digests: dict[str, str]
    counts: dict
    orders: dict[str, Order] = field(default_factory=dict)
    new_orders: list[Order] = field(default_factory=list)
    changed_orders: list[Order] = field(default_factory=list)
    status_before: dict[int, str] = field(default_factory=dict)
    lines_by_order: dict[str, list[OrderLine]] = field(default_factory=lambda: defaultdict(list))  # by channel id
    comp_map: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    new_lines: list[OrderLine] = field(default_factory=list)
    changed_lines: list[OrderLine] = field(default_factory=list)
    releases: list[tuple[OrderLine, int]] = field(default_factory=list)
    shipped_by_market: list[tuple[OrderLine, ChannelOrder]] = field(default_factory=list)  # lines moved on: tracking
    advanced: dict[str, list[OrderLine]] = field(default_factory=lambda: defaultdict(list))  # moved forward, by order
    events: list[OrderEvent] = field(default_factory=list)

    def event(self, **kwargs) -> None:
        self.events.append(rec.event(company=self.company, at=self.now, **kwargs))

    @property
    def by_pk_lines(self) -> dict[int, list[OrderLine]]:
        return {o.pk: self.lines_by_order[o.channel_order_id] for o in self.new_orders + self.changed_orders}


def _address_text(values: dict) -> str:
    return " ".join(x for x in (values["recipient_address1"], values["recipient_address2"]) if x)


def _upsert_orders(p: _Page) -> None:
    """1. orders: new ones built, existing ones' headers compared (address change → event)."""
    p.orders = {o.channel_order_id: o for o in _by_channel_key(
        Order, company=p.company, account=p.account, field="channel_order_id", keys=p.touched_ids)}
    for oid in p.touched_ids:
        cos = p.groups[oid]
        head = max(cos, key=lambda c: (c.changed_at or c.ordered_at))
        values = _header_values(head)
        fee = sum(c.shipping_fee for c in cos if c.order_line_id not in p.existing)
        order = p.orders.get(oid)
        if order is None:
            order = Order(company=p.company, account=p.account, channel_order_id=oid, collected_at=p.now,
                          changed_at=head.changed_at or p.now, created_run=p.run, shipping_fee=fee,
                          address_changed=any(c.address_changed for c in cos), **values)
            p.new_orders.append(order)
            p.orders[oid] = order
        else:
            old = {f: getattr(order, f) for f in ADDRESS_FIELDS}
            for name, value in values.items():
                setattr(order, name, value)
            order.shipping_fee += fee
            new = {f: getattr(order, f) for f in ADDRESS_FIELDS}
            if old != new:
                order.address_changed = True
                p.event(order=order, kind=EventKind.ADDRESS, data={"old": old, "new": new, "run": p.run.pk},
                        message=_("배송지 변경: %(old)s → %(new)s") % {"old": _address_text(old),
                                                                   "new": _address_text(new)})
            if any(c.address_changed for c in cos):
                order.address_changed = True
            order.changed_at = max(order.changed_at, head.changed_at or p.now)
            order.changed_run = p.run
            p.changed_orders.append(order)
        order.buyer_phone_digits = phone_digits(order.buyer_phone)
        order.recipient_phone_digits = phone_digits(order.recipient_phone)
        order.buyer_key = buyer_key(order.buyer_name, order.buyer_phone, p.company.pk)
    p.counts["created"] += len(p.new_orders)
    p.counts["updated"] += len(p.changed_orders)
    p.status_before = {o.pk: o.status for o in p.changed_orders}


def _load_other_lines(p: _Page) -> None:
    """2. the other lines of changed orders (for the rollup) and their components."""
    changed_pks = [o.pk for o in p.changed_orders]
    if not changed_pks:
        return
    page_line_ids = [co.order_line_id for oid in p.touched_ids for co in p.groups[oid]]
    by_pk = {o.pk: o.channel_order_id for o in p.changed_orders}
    for ln in OrderLine.objects.filter(company=p.company, order_id__in=changed_pks).exclude(
            channel_line_id__in=page_line_ids).defer("raw"):
        p.lines_by_order[by_pk[ln.order_id]].append(ln)
    for line_id, sku_id, qty in OrderLineComponent.objects.filter(
            company=p.company, line__order_id__in=changed_pks).values_list("line_id", "sku_id", "quantity"):
        p.comp_map[line_id].append((sku_id, qty))


def _update_line(p: _Page, oid: str, line: OrderLine, co: ChannelOrder, values: dict) -> None:
    """An existing line the marketplace changed: its values, 출고기한, progress, history, releases."""
    old_status, old_effective = line.channel_status, line_effective_quantity(line)
    for name, value in values.items():
        setattr(line, name, value)
    if co.dispatch_due and co.dispatch_due != line.dispatch_due:  # e.g. a delay made at the marketplace
        line.dispatch_due, line.dispatch_due_source = co.dispatch_due, DueSource.MARKETPLACE
    elif line.dispatch_due is None:
        line.dispatch_due, line.dispatch_due_source = _dispatch_due(co, p.account)
    if oms_status(co) == OrderStatus.CANCELLED:
        line.status = OrderStatus.CANCELLED
    elif line_advance(line, co):
        p.advanced[oid].append(line)
        p.shipped_by_market.append((line, co))
    line.updated_at = p.now
    if old_status != line.channel_status:
        p.event(order=p.orders[oid], line=line, kind=EventKind.CHANNEL_STATUS,
                data={"old": old_status, "new": line.channel_status, "run": p.run.pk},
                message=_("쇼핑몰 상태 변경: %(name)s %(old)s → %(new)s") % {
                    "name": line.product_name[:100], "old": _label(old_status), "new": _label(line.channel_status)})
    if line.stock_state == StockState.RESERVED and line_effective_quantity(line) < old_effective:
        p.releases.append((line, old_effective))
    p.changed_lines.append(line)


def _upsert_lines(p: _Page) -> None:
    """3. lines: new ones built, changed ones updated; the marketplace's shipments recorded."""
    for oid in p.touched_ids:
        order = p.orders[oid]
        for co in p.groups[oid]:
            digest = p.digests[co.order_line_id]
            values = _line_values(co, digest)
            line = p.existing.get(co.order_line_id)
            if line is None:
                due, source = _dispatch_due(co, p.account)
                line = OrderLine(company=p.company, order=order, account=p.account, channel_line_id=co.order_line_id,
                                 status=oms_status(co), created_at=p.now, updated_at=p.now, dispatch_due=due,
                                 dispatch_due_source=source, **values)
                p.new_lines.append(line)
                p.shipped_by_market.append((line, co))
            elif line.payload_hash != digest:
                _update_line(p, oid, line, co, values)
            p.lines_by_order[oid].append(line)  # unchanged lines of a touched order count in its rollup too
    shipment_apply(p.shipped_by_market, channel=p.account.kind, now=p.now)


def _save_lines(p: _Page) -> None:
    """4. matching of new lines and changed lines still waiting (batched: 3 queries); new orders rolled
    up from their lines in memory, then inserted; all lines saved; components."""
    waiting = p.new_lines + [ln for ln in p.changed_lines if ln.match_status != MatchStatus.MATCHED]
    matches = lines_find_matches(p.company, waiting)
    for i, m in matches.items():
        waiting[i].match_status, waiting[i].match_source = MatchStatus.MATCHED, m.source
    for order in p.new_orders:
        lines = p.lines_by_order[order.channel_order_id]
        order_status_from_lines(order, lines)
        order_rollup(order, lines)
        order.total_amount = sum(ln.total_amount for ln in lines) + order.shipping_fee
    if p.new_orders:
        Order.objects.bulk_create(p.new_orders)
    if p.new_lines:
        for line in p.new_lines:
            line.order_id = line.order.pk
        OrderLine.objects.bulk_create(p.new_lines)
    if p.changed_lines:
        OrderLine.objects.bulk_update(p.changed_lines, LINE_FIELDS + ["match_status", "match_source"])
    if not matches:
        return
    comps = []
    for i, m in matches.items():
        line_comps = components_for(waiting[i], m.components)
        comps.extend(line_comps)
        p.comp_map[waiting[i].pk] = [(c.sku_id, c.quantity) for c in line_comps]
    OrderLineComponent.objects.bulk_create(comps)
    for i in matches:
        ln = waiting[i]
        if ln.created_at != p.now:  # a waiting line matched on re-collection (new lines get "collected")
            p.event(order_id=ln.order_id, line=ln, kind=EventKind.MATCHED, data={"source": matches[i].source,
                                                                                 "run": p.run.pk},
                    message=_("상품 매칭: %(name)s") % {"name": ln.product_name[:200]})


def _stock(p: _Page) -> None:
    """5. stock: release what marketplace cancels freed, reserve orders now complete, goods that left
    without marketdock."""
    by_pk_lines = p.by_pk_lines
    all_orders = p.new_orders + p.changed_orders
    stock_changed: list[OrderLine] = []
    stock_on = inventory_enabled(p.company)
    if stock_on:
        # one lock order for the page: every stock row its releases, reservations and outside shipments
        # may touch, locked at once in (sku, warehouse) order before the first of them
        order_lines_stock_lock(company=p.company, components=p.comp_map,
                               lines=[ln for ln, _o in p.releases] + [ln for o in all_orders for ln in by_pk_lines[o.pk]])
        for line, old_effective in p.releases:
            kind, message = line_release(company=p.company, line=line, components=p.comp_map.get(line.pk, []),
                                         old_effective=old_effective, user=p.user)
            if kind:
                stock_changed.append(line)
                p.event(order_id=line.order_id, line=line, kind=kind, message=message, data={"run": p.run.pk})
        for order in p.changed_orders:
            order_rollup(order, by_pk_lines[order.pk])
            order_advance(order, by_pk_lines[order.pk])
        outcome = orders_reserve(company=p.company, orders=all_orders, lines_by_order=by_pk_lines,
                                 components=p.comp_map, user=p.user, run_id=p.run.pk)
        p.events.extend(outcome.events)
        stock_changed.extend(outcome.changed_lines)
    outside_events, outside_changed = outside_shipments_stock(
        company=p.company, lines=[ln for ln, _co in p.shipped_by_market], components=p.comp_map, user=p.user,
        run_id=p.run.pk, now=p.now, stock=stock_on)
    p.events.extend(outside_events)
    stock_changed.extend(outside_changed)
    by_state: dict[str, list[int]] = defaultdict(list)
    for line in stock_changed:
        by_state[line.stock_state].append(line.pk)
    for state, pks in by_state.items():
        OrderLine.objects.filter(pk__in=pks).update(stock_state=state)


def _rollup_orders(p: _Page, inserted_state: dict[int, str]) -> None:
    """6. orders' rollups after stock (status, matched, stock state), history."""
    by_pk_lines = p.by_pk_lines
    new_states: dict[str, list[int]] = defaultdict(list)
    for order in p.new_orders:
        order_rollup(order, by_pk_lines[order.pk])
        if order.stock_state != inserted_state[order.pk]:
            new_states[order.stock_state].append(order.pk)
        p.event(order=order, kind=EventKind.COLLECTED, data={"run": p.run.pk, "lines": order.line_count},
                message=_("주문 수집: %(account)s") % {"account": p.account.name})
    for state, pks in new_states.items():
        Order.objects.filter(pk__in=pks).update(stock_state=state)
    for order in p.changed_orders:
        before = p.status_before[order.pk]
        lines = by_pk_lines[order.pk]
        order.total_amount = sum(ln.total_amount for ln in lines) + order.shipping_fee
        order_rollup(order, lines)
        order_advance(order, lines)
        if before != order.status and order.status != OrderStatus.CANCELLED:
            p.events.append(progress_event(p.company, order, before, p.run.pk,
                                           p.advanced.get(order.channel_order_id, []), p.now))
        if before != order.status and order.status == OrderStatus.CANCELLED:
            p.event(order=order, kind=EventKind.STATUS, data={"old": before, "new": order.status, "run": p.run.pk},
                    message=_("쇼핑몰에서 모든 상품이 취소되어 주문을 취소했습니다."))
    if p.changed_orders:
        Order.objects.bulk_update(p.changed_orders, ORDER_UPDATE_FIELDS)


def _upsert(**kwargs) -> None:
    """The changed orders of a page, step by step (see the module's docstring)."""
    p = _Page(**kwargs)
    _upsert_orders(p)
    _load_other_lines(p)
    _upsert_lines(p)
    _save_lines(p)
    inserted_state = {o.pk: o.stock_state for o in p.new_orders}
    _stock(p)
    _rollup_orders(p, inserted_state)
    # 7. duplicate orders (same buyer + phone, same items, within the window)
    p.events.extend(_flag_duplicates(company=p.company, orders=p.new_orders, lines_by_order=p.by_pk_lines, now=p.now))
    rec.record_all(p.events)
    hooks.lines_changed(p.company.pk, [ln.pk for ln in p.new_lines + p.changed_lines])
    usage_record(p.company, "orders", _collected_count(p), at=p.now)


def _collected_count(p: _Page) -> int:
    """Service usage (SYS-8): the lines collected in this page. A line matched only to gift SKUs is a
    gift and does not count; a set counts once (its components are not lines); a line collected again
    after its order was deleted is a new line and counts again."""
    comps = {ln.pk: p.comp_map.get(ln.pk, []) for ln in p.new_lines}
    sku_ids = {sku_id for rows in comps.values() for sku_id, _qty in rows}
    gifts = set(SKU.objects.filter(pk__in=sku_ids, is_gift=True).values_list("pk", flat=True)) if sku_ids else set()
    return sum(1 for rows in comps.values() if not rows or not all(sku_id in gifts for sku_id, _qty in rows))


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
        events.append(rec.event(company=company, order=order, kind=EventKind.DUPLICATE, at=now,
                                message=_("중복 의심 주문: 같은 주문자·연락처로 같은 상품을 주문한 %(no)s 주문이 있습니다.")
                                % {"no": first.channel_order_id},
                                data={"duplicate_of": first.pk}))
    return events
