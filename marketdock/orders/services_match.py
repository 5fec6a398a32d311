"""Matching order lines to SKUs (ORD-3) and the stock reservation that follows it.

A line matches, in this order, by
1. a listing mapping (`channels.OptionMapping`: account + channel product id + option id → SKU × qty),
2. seller code equality (`seller_option_code`, then `seller_product_code`, equal to a SKU code or barcode),
3. a remembered rule (`MatchRule`: account + match key; the key is the channel product/option ids, or the
   normalized product name + option text when the channel has no ids).
Everything is batched: one query for mappings, one for codes, one for rules per batch of lines.

`OrderLineComponent.quantity` is the SKU units for the whole line as ordered (per-unit × line quantity);
the reserved amount follows the line's quantity net of cancellations.

Reservation (INV-5 via `inventory.services.stock_reserve_each`) is all-or-nothing per order: an
order reserves only when every active line is matched. A page of orders is reserved in one pass over
the ledger — its stock rows locked at once in (sku, warehouse) order, each order decided in memory in
page order — so one short order never blocks the others and two pages never lock rows in opposite
orders. A short order is `StockState.SHORT` with an `OrderEvent` naming the SKU — not an error of
the run.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.channels.models import OptionMapping
from marketdock.core.models import Company, User
from marketdock.inventory.models import Warehouse
from marketdock.inventory.services import (
    InsufficientStock,
    StockError,
    StockLine,
    stock_lock,
    stock_release,
    stock_reserve_each,
)

from .models import (
    ChannelStatus,
    MatchRule,
    MatchRuleComponent,
    MatchSource,
    MatchStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderLineComponent,
    OrderStatus,
    StockState,
)

# channel statuses of a line whose goods still have to leave the warehouse (stock is held for them)
# (plain strings: a str-mixin Enum member hashes by its name, so `"new" in {ChannelStatus.NEW}` is False)
RESERVABLE = frozenset(s.value for s in (ChannelStatus.NEW, ChannelStatus.CONFIRMED, ChannelStatus.READY,
                                         ChannelStatus.CANCEL_REQUESTED))
CANCELLED_CHANNEL = frozenset({ChannelStatus.CANCELLED.value})
# OMS order statuses before shipping (a marketplace cancel still cancels the order)
OPEN_ORDER = frozenset(s.value for s in (OrderStatus.NEW, OrderStatus.CONFIRMED, OrderStatus.READY, OrderStatus.HOLD))
SHIPPED_ORDER = frozenset(s.value for s in (OrderStatus.SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERED))
MAX_COMPONENTS = 20


class MatchError(Exception):
    """A manual match was refused; `str(exc)` is a Korean message for the user."""


# --- keys -------------------------------------------------------------------------------------------


def normalize_text(value: str) -> str:
    """NFKC, lower case, single spaces: "  블랙 /  M " and "블랙 / m" are the same option."""
    return " ".join(unicodedata.normalize("NFKC", value or "").lower().split())


def match_key(*, channel_product_id: str, channel_option_id: str, product_name: str, option_text: str) -> str:
    """The rule key of a line: its channel ids, or its normalized name + option when it has none."""
    if channel_product_id:
        raw = f"id\x1f{channel_product_id}\x1f{channel_option_id}"
    else:
        raw = f"name\x1f{normalize_text(product_name)}\x1f{normalize_text(option_text)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def text_key(product_name: str, option_text: str) -> str:
    """The key of a rule that applies on every channel account: the normalized product name + option
    text only (channel ids differ from one marketplace to the next)."""
    return match_key(channel_product_id="", channel_option_id="", product_name=product_name, option_text=option_text)


class RuleScope:
    ACCOUNT = "account"  # this channel account's lines (by its ids, or name + option)
    ALL = "all"  # the same product name + option text on every channel account


def line_effective_quantity(line: OrderLine) -> int:
    """Units still to ship: the quantity net of cancellations (0 once the marketplace cancelled the line)."""
    if line.channel_status in CANCELLED_CHANNEL:
        return 0
    return max(0, (line.quantity or 0) - (line.cancelled_quantity or 0))


def line_is_cancelled(line: OrderLine) -> bool:
    return line.channel_status in CANCELLED_CHANNEL or line.status == OrderStatus.CANCELLED or (
        line.quantity > 0 and line.cancelled_quantity >= line.quantity)


# --- batched matcher ---------------------------------------------------------------------------------


@dataclass
class Match:
    source: str
    components: list[tuple[int, int]]  # (sku id, units per 1 ordered)


def lines_find_matches(company: Company, lines: Sequence[OrderLine]) -> dict[int, Match]:
    """For each line (by its position in `lines`), the match found by mapping, code or rule.
    Three queries at most, whatever the number of lines."""
    found: dict[int, Match] = {}
    if not lines:
        return found
    # 1. listing mappings
    product_ids = {ln.channel_product_id for ln in lines if ln.channel_product_id}
    if product_ids:
        account_ids = {ln.account_id for ln in lines}
        mappings: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
        for acc, pid, oid, sku_id, qty in (
            OptionMapping.objects.filter(company=company, account_id__in=account_ids, channel_product_id__in=product_ids)
            .order_by("id").values_list("account_id", "channel_product_id", "channel_option_id", "sku_id", "quantity")
        ):
            mappings[(acc, pid, oid)].append((sku_id, qty))
        for i, ln in enumerate(lines):
            comps = mappings.get((ln.account_id, ln.channel_product_id, ln.channel_option_id))
            if comps:
                found[i] = Match(MatchSource.MAPPING, comps)
    # 2. seller code = SKU code or barcode
    codes = {c for i, ln in enumerate(lines) if i not in found for c in (ln.seller_option_code, ln.seller_product_code) if c}
    if codes:
        by_code: dict[str, int] = {}
        by_barcode: dict[str, int] = {}
        for sku_id, code, barcode in SKU.objects.filter(
                Q(code__in=codes) | Q(barcode__in=codes), company=company).values_list("pk", "code", "barcode"):
            by_code[code] = sku_id
            by_barcode[barcode] = sku_id
        for i, ln in enumerate(lines):
            if i in found:
                continue
            for code in (ln.seller_option_code, ln.seller_product_code):
                sku_id = by_code.get(code) or by_barcode.get(code) if code else None
                if sku_id:
                    found[i] = Match(MatchSource.CODE, [(sku_id, 1)])
                    break
    # 3. remembered rules: this account's rule first, then a rule for every account (name + option text)
    waiting = [i for i in range(len(lines)) if i not in found]
    keys = {lines[i].match_key for i in waiting if lines[i].match_key}
    texts = {i: text_key(lines[i].product_name, lines[i].option_text) for i in waiting if lines[i].product_name}
    if keys or texts:
        rules: dict[tuple[int | None, str], list[tuple[int, int]]] = defaultdict(list)
        for acc, key, sku_id, qty in (
            MatchRuleComponent.objects.filter(
                Q(rule__match_key__in=keys, rule__account_id__in={ln.account_id for ln in lines})
                | Q(rule__match_key__in=set(texts.values()), rule__account__isnull=True), company=company)
            .order_by("rule_id", "id").values_list("rule__account_id", "rule__match_key", "sku_id", "quantity")
        ):
            rules[(acc, key)].append((sku_id, qty))
        for i in waiting:
            ln = lines[i]
            comps = (rules.get((ln.account_id, ln.match_key)) if ln.match_key else None) \
                or (rules.get((None, texts[i])) if i in texts else None)
            if comps:
                found[i] = Match(MatchSource.RULE, comps)
    return found


def components_for(line: OrderLine, per_unit: Iterable[tuple[int, int]]) -> list[OrderLineComponent]:
    """The line's components: per-unit quantities × the quantity ordered (duplicate SKUs merged)."""
    merged: dict[int, int] = {}
    for sku_id, qty in per_unit:
        merged[sku_id] = merged.get(sku_id, 0) + qty
    ordered = max(1, line.quantity)
    return [OrderLineComponent(company_id=line.company_id, line_id=line.pk, sku_id=sku_id, quantity=qty * ordered)
            for sku_id, qty in merged.items()]


# --- reservation ---------------------------------------------------------------------------------------


def inventory_enabled(company: Company) -> bool:
    """Stock is held for orders when the company keeps stock: it has a default warehouse."""
    return Warehouse.objects.filter(company=company, is_default=True).exists()


def _reserve_quantity(line: OrderLine, comp_qty: int) -> int:
    ordered = max(1, line.quantity)
    return comp_qty * line_effective_quantity(line) // ordered


@dataclass
class ReserveOutcome:
    reserved: int = 0  # orders
    short: int = 0
    unmanaged: int = 0
    events: list[OrderEvent] = field(default_factory=list)
    changed_lines: list[OrderLine] = field(default_factory=list)


def orders_reserve(*, company: Company, orders: Sequence[Order], lines_by_order: dict[int, list[OrderLine]],
                   components: dict[int, list[tuple[int, int]]], user: User | None = None,
                   run_id: int | None = None) -> ReserveOutcome:
    """Hold stock for every order whose active lines are all matched and not yet held. Sets
    `stock_state` on lines and orders in memory (the caller saves them) and returns the events.
    `components` maps line id → [(sku id, units for the whole line)]."""
    out = ReserveOutcome()
    candidates: list[tuple[Order, list[OrderLine]]] = []
    for order in orders:
        if order.status not in OPEN_ORDER:
            continue
        lines = lines_by_order.get(order.pk, [])
        # lines the marketplace already shipped hold nothing (their goods left without marketdock)
        active = [ln for ln in lines if not line_is_cancelled(ln) and line_effective_quantity(ln) > 0
                  and ln.status not in SHIPPED_ORDER]
        if not active or any(ln.match_status != MatchStatus.MATCHED for ln in active):
            continue
        if any(ln.channel_status not in RESERVABLE for ln in active):
            continue
        todo = [ln for ln in active if ln.stock_state in (StockState.NONE, StockState.SHORT)]
        if todo and all(components.get(ln.pk) for ln in todo):
            candidates.append((order, todo))
    if not candidates:
        return out

    def stock_lines(todo: list[OrderLine]) -> list[StockLine]:
        return [StockLine(sku_id, None, _reserve_quantity(ln, qty), ("order_line", ln.pk))
                for ln in todo for sku_id, qty in components[ln.pk] if _reserve_quantity(ln, qty) > 0]

    def apply_ok(order: Order, todo: list[OrderLine], held_line_ids: set[str]) -> None:
        codes = []
        for ln in todo:
            ln.stock_state = StockState.RESERVED if str(ln.pk) in held_line_ids else StockState.UNMANAGED
            out.changed_lines.append(ln)
            codes.append(ln.pk)
        states = {str(ln.stock_state) for ln in lines_by_order[order.pk] if not line_is_cancelled(ln)}
        order.stock_state = StockState.UNMANAGED if states == {StockState.UNMANAGED.value} else StockState.RESERVED
        if order.stock_state == StockState.UNMANAGED:
            out.unmanaged += 1
            return
        out.reserved += 1
        out.events.append(OrderEvent(company=company, order=order, kind="stock_reserved", user=user,
                                     message=_("재고를 할당했습니다."), data={"lines": codes, "run": run_id}))

    def apply_short(order: Order, todo: list[OrderLine], exc: StockError) -> None:
        for ln in todo:
            ln.stock_state = StockState.SHORT
            out.changed_lines.append(ln)
        order.stock_state = StockState.SHORT
        out.short += 1
        data = {"run": run_id}
        if isinstance(exc, InsufficientStock):
            data["skus"] = [s.sku_code for s in exc.shortages]
        out.events.append(OrderEvent(company=company, order=order, kind="stock_short", user=user,
                                     message=str(exc)[:500], data=data))

    def held(result) -> set[str]:
        return {m.reference_id for m in result.movements if m.reference_type == "order_line"}

    # One pass over the ledger for the whole page (issue 11): the page's stock rows are locked at once
    # in (sku, warehouse) order, each order is decided in memory, first come first served.
    outcomes = stock_reserve_each(company=company, groups=[stock_lines(todo) for _o, todo in candidates],
                                  user=user, reason=_("주문 수집 재고할당"))
    for (order, todo), result in zip(candidates, outcomes, strict=True):
        if isinstance(result, StockError):
            apply_short(order, todo, result)
        else:
            apply_ok(order, todo, held(result))
    return out


def order_lines_stock_lock(*, company: Company, lines: Sequence[OrderLine],
                           components: dict[int, list[tuple[int, int]]]) -> None:
    """Lock, in the one global (sku, warehouse) order, every stock row the matched `lines` hold or may
    reserve: a transaction that releases some lines and reserves others (a collection page) calls it
    before its first stock change, so it never takes stock rows in two different orders."""
    stock_lock(company=company, lines=[StockLine(sku_id, None, 1) for ln in lines
                                       for sku_id, _qty in components.get(ln.pk, [])])


def line_release(*, company: Company, line: OrderLine, components: list[tuple[int, int]], old_effective: int,
                 user: User | None = None) -> tuple[str, str]:
    """Give back what a line held beyond its current effective quantity (a marketplace cancel of
    the line, whole or partial). Returns (event kind, message)."""
    ordered = max(1, line.quantity)
    delta = old_effective - line_effective_quantity(line)
    stock = [StockLine(sku_id, None, qty * delta // ordered, ("order_line", line.pk))
             for sku_id, qty in components if qty * delta // ordered > 0]
    if not stock:
        return "", ""
    try:
        stock_release(company=company, lines=stock, user=user, reason=_("쇼핑몰 취소 재고할당 해제"))
    except StockError as exc:
        return "stock_error", _("재고할당 해제 실패: %(err)s") % {"err": exc}
    if line_effective_quantity(line) == 0:
        line.stock_state = StockState.RELEASED
    return "stock_released", _("쇼핑몰 취소로 재고할당을 해제했습니다: %(name)s") % {"name": line.product_name[:100]}


# --- order rollup (denormalized fields) ------------------------------------------------------------


def order_rollup(order: Order, lines: Sequence[OrderLine]) -> None:
    """Recompute an order's denormalized fields from all its lines (in memory)."""
    lines = sorted(lines, key=lambda ln: (ln.pk or 0, ln.channel_line_id))
    order.line_count = len(lines)
    if lines:
        first = lines[0]
        summary = " ".join(x for x in (first.product_name, first.option_text) if x)
        if len(lines) > 1:
            summary += _(" 외 %(n)s건") % {"n": len(lines) - 1}
        order.item_summary = summary[:300]
    parts = [order.channel_order_id, order.bundle_id]
    for ln in lines:
        parts += [ln.product_name, ln.option_text, ln.seller_product_code, ln.seller_option_code, ln.channel_line_id]
    order.search_text = " ".join(dict.fromkeys(p for p in parts if p))
    active = [ln for ln in lines if not line_is_cancelled(ln)]
    order.is_matched = bool(lines) and all(ln.match_status == MatchStatus.MATCHED for ln in (active or lines))
    if lines and not active and order.status in OPEN_ORDER:
        order.status = OrderStatus.CANCELLED
    order.claim = next((ln.claim for ln in active if ln.claim), "")
    dues = [ln.dispatch_due for ln in active if ln.dispatch_due and ln.status in TO_SHIP]
    order.dispatch_due = min(dues) if dues else None
    states = {str(ln.stock_state) for ln in active}
    if not active:
        order.stock_state = StockState.RELEASED if any(ln.stock_state == StockState.RELEASED for ln in lines) \
            else StockState.NONE
    elif StockState.SHORT in states:
        order.stock_state = StockState.SHORT
    elif states == {StockState.UNMANAGED.value}:
        order.stock_state = StockState.UNMANAGED
    elif states <= {StockState.RESERVED.value, StockState.UNMANAGED.value, StockState.OUTSIDE.value} \
            and StockState.RESERVED.value in states:
        order.stock_state = StockState.RESERVED
    elif StockState.DEDUCTED in states:
        order.stock_state = StockState.DEDUCTED
    elif states <= {StockState.OUTSIDE.value, StockState.UNMANAGED.value}:
        order.stock_state = StockState.OUTSIDE
    else:
        order.stock_state = StockState.NONE


ORDER_ROLLUP_FIELDS = ["line_count", "item_summary", "search_text", "is_matched", "status", "stock_state", "claim",
                       "dispatch_due"]
# line statuses whose goods have not left: their 출고기한 counts
TO_SHIP = frozenset({OrderStatus.NEW.value, OrderStatus.CONFIRMED.value, OrderStatus.READY.value,
                     OrderStatus.HOLD.value})


# --- applying matches to waiting lines ------------------------------------------------------------------


def _apply_matches(*, company: Company, lines: list[OrderLine], matches: dict[int, Match], user: User | None,
                   manual: bool = False) -> dict:
    """Save matches of lines (components, match fields), then reserve the orders now complete."""
    now = timezone.now()
    matched = [(lines[i], m) for i, m in matches.items()]
    if not matched:
        return {"matched": 0, "reserved": 0, "short": 0}
    with transaction.atomic():
        line_ids = [ln.pk for ln, _m in matched]
        OrderLineComponent.objects.filter(company=company, line_id__in=line_ids).delete()
        comps: list[OrderLineComponent] = []
        events: list[OrderEvent] = []
        for ln, m in matched:
            ln.match_status, ln.match_source, ln.updated_at = MatchStatus.MATCHED, m.source, now
            comps.extend(components_for(ln, m.components))
            events.append(OrderEvent(company=company, order_id=ln.order_id, line_id=ln.pk, kind="matched", user=user,
                                     message=_("상품 매칭: %(name)s (%(how)s)") % {
                                         "name": f"{ln.product_name} {ln.option_text}".strip()[:200],
                                         "how": MatchSource(m.source).label},
                                     data={"components": m.components, "source": m.source}))
        OrderLineComponent.objects.bulk_create(comps)
        OrderLine.objects.bulk_update([ln for ln, _m in matched], ["match_status", "match_source", "updated_at"])
        order_ids = {ln.order_id for ln, _m in matched}
        orders = list(Order.objects.filter(company=company, pk__in=order_ids))
        all_lines = list(OrderLine.objects.filter(company=company, order_id__in=order_ids))
        fresh = {ln.pk: ln for ln, _m in matched}
        lines_by_order: dict[int, list[OrderLine]] = defaultdict(list)
        for ln in all_lines:
            lines_by_order[ln.order_id].append(fresh.get(ln.pk, ln))
        comp_map: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for line_id, sku_id, qty in OrderLineComponent.objects.filter(
                company=company, line__order_id__in=order_ids).values_list("line_id", "sku_id", "quantity"):
            comp_map[line_id].append((sku_id, qty))
        outcome = ReserveOutcome()
        if inventory_enabled(company):
            outcome = orders_reserve(company=company, orders=orders, lines_by_order=lines_by_order,
                                     components=comp_map, user=user)
            if outcome.changed_lines:
                OrderLine.objects.bulk_update(outcome.changed_lines, ["stock_state"])
        for order in orders:
            order_rollup(order, lines_by_order[order.pk])
            order.changed_at = now
        Order.objects.bulk_update(orders, ORDER_ROLLUP_FIELDS + ["changed_at"])
        OrderEvent.objects.bulk_create(events + outcome.events)
    return {"matched": len(matched), "reserved": outcome.reserved, "short": outcome.short}


def waiting_lines(company: Company):
    """Lines waiting for a match (the 미매칭 queue): unmatched and not cancelled."""
    return (OrderLine.objects.filter(company=company, match_status=MatchStatus.UNMATCHED)
            .exclude(status=OrderStatus.CANCELLED).exclude(channel_status=ChannelStatus.CANCELLED))


def line_match_manual(*, company: Company, line: OrderLine, components: list[tuple[int, int]], save_rule: bool,
                      user: User | None, scope: str = RuleScope.ACCOUNT) -> dict:
    """Match `line` — and every waiting line with the same key (account + match key) — to
    `components` [(sku id, units per 1 ordered)], e.g. 1+1 → [(sku, 2)], a gift box → two SKUs.
    With `save_rule`, the match is remembered as a MatchRule for future lines. With scope ALL the
    rule holds for the same product name + option text on every channel account (account empty), and
    the waiting lines of every account with that text are matched now too.
    Returns {"matched": lines, "reserved": orders, "short": orders, "rule": MatchRule | None}."""
    if line.company_id != company.pk:
        raise MatchError(_("주문을 찾을 수 없습니다."))
    if scope not in (RuleScope.ACCOUNT, RuleScope.ALL):
        raise MatchError(_("매칭 규칙의 적용 범위를 고르세요."))
    if scope == RuleScope.ALL and not normalize_text(line.product_name):
        raise MatchError(_("상품명이 없는 주문은 전체 쇼핑몰 규칙으로 저장할 수 없습니다."))
    if line.stock_state in (StockState.RESERVED, StockState.DEDUCTED):
        raise MatchError(_("재고가 할당된 주문은 매칭을 바꿀 수 없습니다. 먼저 할당을 해제하세요."))
    merged: dict[int, int] = {}
    for sku_id, qty in components:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or qty > 9999:
            raise MatchError(_("수량은 1 이상 9999 이하의 정수여야 합니다: %(q)s") % {"q": qty})
        merged[int(sku_id)] = merged.get(int(sku_id), 0) + qty
    if not merged:
        raise MatchError(_("매칭할 단품을 하나 이상 선택하세요."))
    if len(merged) > MAX_COMPONENTS:
        raise MatchError(_("단품은 %(n)s개까지 선택할 수 있습니다.") % {"n": MAX_COMPONENTS})
    known = set(SKU.objects.filter(company=company, pk__in=merged).values_list("pk", flat=True))
    missing = sorted(set(merged) - known)
    if missing:
        raise MatchError(_("단품을 찾을 수 없습니다: %(ids)s") % {"ids": ", ".join(map(str, missing))})
    per_unit = list(merged.items())
    rule = None
    with transaction.atomic():
        everywhere = scope == RuleScope.ALL
        if save_rule:
            if everywhere:
                rule, _created = MatchRule.objects.update_or_create(
                    company=company, account=None, match_key=text_key(line.product_name, line.option_text),
                    defaults={"channel_product_id": "", "channel_option_id": "", "product_name": line.product_name,
                              "option_text": line.option_text, "created_by": user, "created_at": timezone.now()})
            else:
                rule, _created = MatchRule.objects.update_or_create(
                    company=company, account_id=line.account_id, match_key=line.match_key,
                    defaults={"channel_product_id": line.channel_product_id,
                              "channel_option_id": line.channel_option_id, "product_name": line.product_name,
                              "option_text": line.option_text, "created_by": user, "created_at": timezone.now()})
            rule.components.all().delete()
            MatchRuleComponent.objects.bulk_create([
                MatchRuleComponent(company=company, rule=rule, sku_id=sku_id, quantity=qty) for sku_id, qty in per_unit])
        same = Q(account_id=line.account_id, match_key=line.match_key)
        if everywhere:  # candidates by the name's longest word in SQL, the normalized name + option compared here
            same |= Q(product_name__icontains=max(normalize_text(line.product_name).split(), key=len))
        want = text_key(line.product_name, line.option_text)
        lines = [ln for ln in waiting_lines(company).filter(same).exclude(pk=line.pk).order_by("id")[:5000]
                 if (ln.account_id == line.account_id and ln.match_key == line.match_key)
                 or text_key(ln.product_name, ln.option_text) == want]
        lines.insert(0, line)
        result = _apply_matches(company=company, lines=lines,
                                matches={i: Match(MatchSource.MANUAL, per_unit) for i in range(len(lines))},
                                user=user, manual=True)
    result["rule"] = rule
    return result


def match_rules_apply(*, company: Company, user: User | None = None, batch: int = 500) -> int:
    """Re-run matching (mappings, codes, rules) over every waiting line; reserve what became
    complete. Returns the number of lines matched."""
    total = 0
    last_id = 0
    while True:
        lines = list(waiting_lines(company).filter(pk__gt=last_id).order_by("id")[:batch])
        if not lines:
            return total
        last_id = lines[-1].pk
        matches = lines_find_matches(company, lines)
        total += _apply_matches(company=company, lines=lines, matches=matches, user=user)["matched"]


def match_waiting_by_sku_codes(*, company: Company, sku_ids: set[int]) -> int:
    """Match the waiting lines whose seller code is the code or barcode of one of `sku_ids` (SKUs just
    registered, e.g. through 상품 등록 from 미매칭); reserve what became complete. Returns lines matched."""
    codes = {c for pair in SKU.objects.filter(company=company, pk__in=sku_ids).values_list("code", "barcode")
             for c in pair if c}
    if not codes:
        return 0
    lines = list(waiting_lines(company).filter(Q(seller_option_code__in=codes) | Q(seller_product_code__in=codes))
                 .order_by("id")[:5000])
    if not lines:
        return 0
    return _apply_matches(company=company, lines=lines, matches=lines_find_matches(company, lines), user=None)["matched"]


def match_rule_delete(*, company: Company, rule: MatchRule) -> None:
    """Forget a rule (lines already matched by it stay matched)."""
    if rule.company_id != company.pk:
        raise MatchError(_("매칭 규칙을 찾을 수 없습니다."))
    rule.delete()


def line_unmatch(*, company: Company, line: OrderLine, user: User | None = None) -> None:
    """Undo a line's match (only while its order holds no stock)."""
    if line.company_id != company.pk:
        raise MatchError(_("주문을 찾을 수 없습니다."))
    if line.stock_state in (StockState.RESERVED, StockState.DEDUCTED):
        raise MatchError(_("재고가 할당된 주문은 매칭을 취소할 수 없습니다. 먼저 할당을 해제하세요."))
    with transaction.atomic():
        OrderLineComponent.objects.filter(company=company, line=line).delete()
        line.match_status, line.match_source, line.stock_state = MatchStatus.UNMATCHED, "", StockState.NONE
        line.save(update_fields=["match_status", "match_source", "stock_state"])
        order = Order.objects.get(company=company, pk=line.order_id)
        order_rollup(order, list(OrderLine.objects.filter(company=company, order=order)))
        order.save(update_fields=ORDER_ROLLUP_FIELDS)
        OrderEvent.objects.create(company=company, order=order, line=line, kind="unmatched", user=user,
                                  message=_("상품 매칭을 취소했습니다: %(name)s") % {"name": line.product_name[:200]})
