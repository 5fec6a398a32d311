"""주문확인/처리: the unified order list (ORD-2) and the order detail. Thin: parse the URL, call
selectors, render."""

from __future__ import annotations

import json
from datetime import timedelta

from django.http import QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core import params, permissions
from marketdock.core import selectors as core_selectors
from marketdock.core.masking import mask_email, mask_name, mask_phone
from marketdock.core.money import KRW
from marketdock.core.rates import KrwConverter, MoneyTotal
from marketdock.core.screens import screen_view
from marketdock.core.validators import format_phone
from marketdock.core.views_helpers import get_or_404

from . import hooks, selectors
from .models import MatchStatus, OrderStatus
from .selectors import OrderFilters

PAGE_SIZES = (50, 100, 500)
SORT_CHOICES = (
    ("-ordered_at", gettext_lazy("주문일시 최신순")), ("ordered_at", gettext_lazy("주문일시 오래된순")),
    ("-collected_at", gettext_lazy("수집일시 최신순")), ("collected_at", gettext_lazy("수집일시 오래된순")),
    ("-total_amount", gettext_lazy("결제금액 높은순")), ("total_amount", gettext_lazy("결제금액 낮은순")),
    ("dispatch_due", gettext_lazy("출고기한 임박순")),
)
DUE_CHOICES = (("today", gettext_lazy("오늘 출고기한")), ("overdue", gettext_lazy("기한 초과")))
QUICK_PERIODS = (("today", gettext_lazy("오늘"), 0), ("3d", gettext_lazy("3일"), 2), ("7d", gettext_lazy("7일"), 6),
                 ("1m", gettext_lazy("1개월"), 30))


def parse_filters(g: QueryDict) -> OrderFilters:
    """The list's filters from the URL; anything malformed is ignored, never a 500."""
    matched = {"1": True, "0": False}.get(g.get("matched", ""))
    outcome = g.get("outcome", "")
    sort = g.get("sort", "") or selectors.DEFAULT_SORT
    return OrderFilters(
        account_ids=params.id_list(g.getlist("account")),
        date_field="collected" if g.get("date_field") == "collected" else "ordered",
        start=params.date_param(g.get("start", "")), end=params.date_param(g.get("end", "")),
        statuses=[s for s in g.getlist("status") if s in OrderStatus.values],
        matched=matched,
        name=g.get("name", "").strip()[:100], phone=g.get("phone", "").strip()[:30],
        product=g.get("product", "").strip()[:100], order_no=g.get("order_no", "").strip()[:120],
        run_id=params.id_param(g.get("run")), outcome=outcome if outcome in ("created", "updated") else "",
        effect="failed" if g.get("effect") == "failed" else "", delayed=g.get("delayed") == "1",
        due=g.get("due", "") if g.get("due", "") in selectors.DUE_FILTERS else "",
        sort=sort if sort in selectors.SORTS else selectors.DEFAULT_SORT,
    )


def _query(g: QueryDict, **changes) -> str:
    q = g.copy()
    for key, value in changes.items():
        q.pop(key, None)
        if value not in (None, ""):
            q[key] = value
    return q.urlencode()


def _quick_links(g: QueryDict) -> list[dict]:
    today = timezone.localdate()
    links = []
    for code, label, days in QUICK_PERIODS:
        start = today - timedelta(days=days)
        links.append({"code": code, "label": label, "start": start.isoformat(), "end": today.isoformat(),
                      "query": _query(g, start=start.isoformat(), end=today.isoformat(), cursor="")})
    return links


def _account_label(accounts, selected_ids: list[int]) -> str:
    """What the closed 쇼핑몰 dropdown shows: 전체, the one chosen shop, or how many are chosen."""
    chosen = [a for a in accounts if a.pk in selected_ids]
    if not chosen or len(chosen) == len(accounts):
        return _("전체 쇼핑몰")
    if len(chosen) == 1:
        return chosen[0].name
    return _("%(first)s 외 %(n)s곳") % {"first": chosen[0].name, "n": len(chosen) - 1}


@screen_view("orders.list")
def order_list(request):
    company = request.company
    g = request.GET
    filters = parse_filters(g)
    size = params.int_param(g.get("size"), 50)
    size = size if size in PAGE_SIZES else 50
    page = selectors.order_page(company, filters, cursor=g.get("cursor", ""), size=size)
    count, capped = selectors.order_count(company, filters)
    rows = [{
        "order": o,
        "buyer_name": mask_name(o.buyer_name), "buyer_phone": mask_phone(o.buyer_phone),
        "recipient_name": mask_name(o.recipient_name), "recipient_phone": mask_phone(o.recipient_phone),
    } for o in page.rows]
    effects = selectors.effect_states(company, [o.pk for o in page.rows])
    page_total = MoneyTotal()  # won, with foreign amounts converted at the order day's rate or kept apart
    if page.rows:  # the rates are read only when the page has a foreign-currency order
        converter = (core_selectors.krw_converter(company) if any(o.currency != KRW for o in page.rows)
                     else KrwConverter(()))
        for o in page.rows:
            page_total.add(converter, o.total_amount, o.currency, timezone.localdate(o.ordered_at))
    for r in rows:
        r["effect"] = effects.get(r["order"].pk, "")
    accounts = list(selectors.channel_accounts(company))
    return render(request, "orders/list/order_list.html", {
        "rows": rows, "page": page, "filters": filters, "count": count, "capped": capped,
        "size": size, "sizes": PAGE_SIZES, "sort_choices": SORT_CHOICES, "due_choices": DUE_CHOICES,
        "page_total": page_total, "today": timezone.localdate(),
        "accounts": accounts, "account_label": _account_label(accounts, filters.account_ids),
        "statuses": OrderStatus.choices,
        "quick_links": _quick_links(g),
        "next_query": _query(g, cursor=page.next_cursor) if page.next_cursor else "",
        "prev_query": _query(g, cursor=page.prev_cursor) if page.prev_cursor else "",
        "first_query": _query(g, cursor="") if g.get("cursor") else "",
        "export_templates": list(selectors.export_templates(company)),
        "bulk_actions": hooks.bulk_actions(request=request),
        "hidden_filters": [(k, v) for k in g for v in g.getlist(k) if k not in ("cursor", "order", "template")],
    })


def _unmatched_url(request) -> str:
    """The 미매칭 주문 screen, when it exists and the user may open it."""
    if not permissions.can_read(request.user, "orders.unmatched"):
        return ""
    try:
        return reverse("orders:unmatched")
    except NoReverseMatch:
        return ""


def _flow_context(request, order) -> dict:
    from .views_flow import detail_context  # views_flow reads this module's filters

    return detail_context(request, order)


@screen_view("orders.list")
def order_detail(request, pk: int):
    company = request.company
    order = get_or_404(selectors.order_get, company, pk, _("주문을 찾을 수 없습니다."))
    full = permissions.can_write(request.user, "orders.list")
    lines = list(selectors.order_lines(company, order))
    flow = _flow_context(request, order)
    carrier_names = {c.key: c.name for c in flow.get("carriers", [])}
    for line in lines:
        line.raw_pretty = json.dumps(line.raw or {}, ensure_ascii=False, indent=2, sort_keys=True)
        line.carrier_name = carrier_names.get(line.carrier_key, line.carrier_key)
    if full:
        person = {
            "buyer_name": order.buyer_name, "buyer_phone": format_phone(order.buyer_phone) or order.buyer_phone,
            "buyer_email": order.buyer_email, "recipient_name": order.recipient_name,
            "recipient_phone": format_phone(order.recipient_phone) or order.recipient_phone,
            "address": " ".join(p for p in (order.recipient_address1, order.recipient_address2) if p),
            "postal_code": order.recipient_postal_code, "delivery_message": order.delivery_message,
        }
    else:
        person = {
            "buyer_name": mask_name(order.buyer_name), "buyer_phone": mask_phone(order.buyer_phone),
            "buyer_email": mask_email(order.buyer_email), "recipient_name": mask_name(order.recipient_name),
            "recipient_phone": mask_phone(order.recipient_phone),
            "address": (order.recipient_address1.split(" ")[0] + " ****") if order.recipient_address1 else "",
            "postal_code": "*****" if order.recipient_postal_code else "", "delivery_message": "",
        }
    krw_rate = krw_total = None
    if order.currency != KRW:
        converter = core_selectors.krw_converter(company)
        day = timezone.localdate(order.ordered_at)
        krw_rate, krw_total = converter.rate(order.currency, day), converter.to_krw(order.total_amount, order.currency, day)
    history = [{"order": o, "buyer_name": o.buyer_name if full else mask_name(o.buyer_name)}
               for o in selectors.buyer_history(company, order)]
    return render(request, "orders/list/order_detail.html", {
        "order": order, "lines": lines, "events": list(selectors.order_events(company, order)),
        "person": person, "full": full, "history": history, "unmatched": MatchStatus.UNMATCHED,
        "unmatched_url": _unmatched_url(request),
        "flow": flow, "today": timezone.localdate(),
        "krw_rate": krw_rate, "krw_total": krw_total,
        "extra_actions": hooks.order_actions(request=request, order=order),
    })
