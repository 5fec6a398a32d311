"""Matching order lines to SKUs (ORD-3); the stock reservation that follows it is `reservation`'s.

A line matches, in this order, by
1. a listing mapping (`channels.OptionMapping`: account + channel product id + option id → SKU × qty),
2. seller code equality (`seller_option_code`, then `seller_product_code`, equal to a SKU code or barcode),
3. a remembered rule (`MatchRule`: account + match key; the key is the channel product/option ids, or the
   normalized product name + option text when the channel has no ids).
Everything is batched: one query for mappings, one for codes, one for rules per batch of lines.

A manual match is remembered as a `MatchRule`; matching waiting lines reserves the orders now complete.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU
from marketdock.channels.models import OptionMapping
from marketdock.core.models import Company, User

from .. import events as rec
from ..models import (
    ChannelStatus,
    EventKind,
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
from .lines import ORDER_ROLLUP_FIELDS, order_rollup
from .reservation import ReserveOutcome, inventory_enabled, orders_reserve

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
            events.append(rec.event(company=company, order_id=ln.order_id, line_id=ln.pk, kind=EventKind.MATCHED,
                                    user=user, message=_("상품 매칭: %(name)s (%(how)s)") % {
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
        rec.record_all(events + outcome.events)
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
        rec.record(company=company, order=order, line=line, kind=EventKind.UNMATCHED, user=user,
                   message=_("상품 매칭을 취소했습니다: %(name)s") % {"name": line.product_name[:200]})
