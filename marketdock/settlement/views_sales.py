"""매출실적 (STL-5): orders, quantity, revenue, commission, expected and actual settlement by day or
month, per channel (stores are channels of their own) or per product, from the DailySales rollup;
a chart (core/static/core/md-charts.js) and the same table as xlsx."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.core.downloads import new_workbook, workbook_bytes, xlsx_response
from marketdock.core.params import choice_param, date_param, id_list
from marketdock.core.screens import screen_view

from . import selectors
from .selectors import SalesFilter

SCREEN = "settlement.sales"
MAX_DAYS = 731


def _filter(request) -> SalesFilter:
    g = request.GET
    today = timezone.localdate()
    end = date_param(g.get("to"), today)
    start = date_param(g.get("from"), end - timedelta(days=29))
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS))
    return SalesFilter(start=start, end=end, unit=choice_param(g.get("unit"), ("day", "month"), "day"),
                       group=choice_param(g.get("group"), ("channel", "product"), "channel"),
                       accounts=id_list(g.getlist("account")), stores=id_list(g.getlist("store")))


def _table(request, f: SalesFilter) -> dict:
    company = request.company
    rows = selectors.sales_rows(company, f)
    accounts = {a.pk: a.name for a in selectors.accounts(company)}
    stores = selectors.store_names(company)
    skus = selectors.sku_names(company, {r["sku_id"] for r in rows}) if f.group == "product" else {}
    for r in rows:
        kind, pk = r["channel"]
        r["channel_name"] = accounts.get(pk, "-") if kind == "a" else _("매장: %(name)s") % {"name": stores.get(pk, "-")}
        r["label"] = r["bucket"].strftime("%Y-%m" if f.unit == "month" else "%Y-%m-%d")
        if f.group == "product":
            r["product_name"] = skus.get(r["sku_id"]) or _("미매칭 상품")
    totals = defaultdict(int)
    for r in rows:
        for name in selectors.FIGURES:
            totals[name] += r[name]
    return {"rows": rows, "totals": dict(totals), "unconverted": any(r["unconverted"] for r in rows),
            "accounts": accounts, "stores": stores}


def _chart(f: SalesFilter, rows: list[dict]) -> dict:
    if f.group == "product":
        by_product: dict[str, int] = defaultdict(int)
        for r in rows:
            by_product[r["product_name"]] += r["revenue"]
        top = sorted(by_product.items(), key=lambda kv: -kv[1])[:15][::-1]
        return {"id": "chart-sales", "kind": "hbar", "title": str(_("상품별 매출")), "unit": "원",
                "x": [k for k, _v in top], "series": [{"name": str(_("매출")), "y": [v for _k, v in top]}]}
    buckets = sorted({r["label"] for r in rows})
    channels = sorted({r["channel_name"] for r in rows})
    cell = {(r["label"], r["channel_name"]): r["revenue"] for r in rows}
    return {"id": "chart-sales", "kind": "bar", "stack": True, "title": str(_("쇼핑몰·매장별 매출 추이")),
            "unit": "원", "x": buckets,
            "series": [{"name": c, "y": [cell.get((b, c), 0) for b in buckets]} for c in channels]}


@screen_view(SCREEN)
def sales(request):
    f = _filter(request)
    data = _table(request, f)
    query = urlencode([("from", f.start.isoformat()), ("to", f.end.isoformat()), ("unit", f.unit),
                       ("group", f.group)] + [("account", a) for a in f.accounts] + [("store", s) for s in f.stores])
    return render(request, "settlement/sales.html", {
        "f": f, **data, "chart": _chart(f, data["rows"]), "query": query, "state_row": selectors.state(request.company)})


HEADERS = (("label", gettext_lazy("기간")), ("channel_name", gettext_lazy("쇼핑몰/매장")),
           ("product_name", gettext_lazy("상품")), ("orders", gettext_lazy("주문수")), ("quantity", gettext_lazy("수량")),
           ("revenue", gettext_lazy("매출(원)")), ("discounts", gettext_lazy("할인(원)")),
           ("refunds", gettext_lazy("환불(원)")), ("commission", gettext_lazy("수수료(원)")),
           ("expected", gettext_lazy("정산예정금액(원)")), ("actual", gettext_lazy("실정산금액(원)")))


@screen_view(SCREEN)
def sales_xlsx(request):
    f = _filter(request)
    data = _table(request, f)
    wb = new_workbook()
    ws = wb.active
    ws.title = _("매출실적")
    columns = [(k, h) for k, h in HEADERS if k != "product_name" or f.group == "product"]
    ws.append([str(h) for _k, h in columns])
    for r in data["rows"]:
        ws.append([r.get(k, "") for k, _h in columns])
    name = _("매출실적_%(start)s_%(end)s.xlsx") % {"start": f.start.isoformat(), "end": f.end.isoformat()}
    return xlsx_response(workbook_bytes(wb), name)
