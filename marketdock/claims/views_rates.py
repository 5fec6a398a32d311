"""클레임 분석 (CS-5): claim rates per channel and per product, by type and reason class, with charts
and the same tables as xlsx."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketdock.channels import selectors as channel_selectors
from marketdock.core.downloads import new_workbook, workbook_bytes, xlsx_response
from marketdock.core.redirects import safe_next
from marketdock.core.screens import screen_view

from . import selectors_rates as rates
from .models import ClaimType, ReasonClass
from .services import reasons

SCREEN = "cs.analysis"
TYPE_LABELS = dict(ClaimType.choices)
CLASS_LABELS = dict(ReasonClass.choices)


def _pct(value):
    return None if value is None else round(value, 4)


def _table_rows(rows: list) -> list[list]:
    out = []
    for r in rows:
        cells = [r.label, r.lines]
        for t in rates.TYPES:
            cells += [r.claims[t], _pct(r.rate(t))]
        cells += [r.total_claims, _pct(r.total_rate)]
        cells += [r.classes[c] for c in rates.CLASSES]
        out.append(cells)
    return out


def _headers() -> list[str]:
    heads = [_("구분"), _("주문상품수")]
    for t in rates.TYPES:
        heads += [str(TYPE_LABELS[t]), _("%(type)s률") % {"type": TYPE_LABELS[t]}]
    heads += [_("클레임 합계"), _("클레임률")]
    return heads + [str(CLASS_LABELS[c]) for c in rates.CLASSES]


def build(request) -> dict:
    company = request.company
    f = rates.rate_filters_from(request.GET)
    accounts = list(channel_selectors.channel_accounts(company).order_by("name", "pk"))
    f.accounts = [a for a in f.accounts if a in {x.pk for x in accounts}]
    per_account = rates.by_account(company, f)
    per_product = rates.by_product(company, f)
    total = rates.totals(per_account)
    by_type = rates.class_by_type(company, f)
    type_names = [str(TYPE_LABELS[t]) for t in rates.TYPES]
    charts = [
        {"id": "chart-channel-rates", "key": "channel", "title": _("쇼핑몰별 클레임률"), "kind": "bar", "unit": "%",
         "x": [r.label for r in per_account],
         "series": [{"name": type_names[i], "y": [_pct(r.rate(t)) for r in per_account]}
                    for i, t in enumerate(rates.TYPES)]},
        {"id": "chart-reasons", "key": "reasons", "title": _("유형별 사유 분류"), "kind": "bar", "unit": "건",
         "stack": True, "x": type_names,
         "series": [{"name": str(CLASS_LABELS[c]), "y": [by_type[t][c] for t in rates.TYPES]} for c in rates.CLASSES]},
        {"id": "chart-products", "key": "products", "title": _("상품별 클레임 (상위)"), "kind": "hbar", "unit": "건",
         "stack": True, "x": [r.label for r in per_product],
         "series": [{"name": type_names[i], "y": [r.claims[t] for r in per_product]}
                    for i, t in enumerate(rates.TYPES)]},
    ]
    return {"f": f, "accounts": accounts, "headers": _headers(), "account_rows": _table_rows(per_account),
            "product_rows": _table_rows(per_product), "total_row": _table_rows([total])[0], "charts": charts,
            "query": urlencode(f.query_items())}


@screen_view(SCREEN)
def rates_view(request):
    return render(request, "claims/rates.html", build(request))


@screen_view(SCREEN)
def rates_xlsx(request):
    data = build(request)
    f = data["f"]
    wb = new_workbook()
    ws = wb.active
    ws.title = _("쇼핑몰별")
    ws.append([_("기간"), f"{f.start:%Y-%m-%d} ~ {f.end:%Y-%m-%d} (KST)"])
    ws.append(data["headers"])
    for row in data["account_rows"] + [data["total_row"]]:
        ws.append(row)
    products = wb.create_sheet(_("상품별"))
    products.append(data["headers"])
    for row in data["product_rows"]:
        products.append(row)
    name = f"{_('클레임 분석')}_{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx"
    return xlsx_response(workbook_bytes(wb), name)


@require_POST
@screen_view(SCREEN, write=True)
def rates_reclassify(request):
    changed = reasons.claims_classify(company=request.company)
    messages.success(request, _("클레임 사유를 다시 분류했습니다. (%(n)s건 변경)") % {"n": changed})
    return redirect(safe_next(request, reverse("claims:rates")))
