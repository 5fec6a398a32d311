"""분석관리 screens (ANA-1, ANA-2, STL-5): 매출현황, 시간대별, 취소·반품률, 쇼핑몰 비교, and their
one-click xlsx. Each screen is built once as data (charts + tables, see `build_*`); the page renders
it, the xlsx writes the same tables."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketdock.catalog import selectors as catalog_selectors
from marketdock.channels import selectors as channel_selectors
from marketdock.core.downloads import xlsx_response
from marketdock.core.screens import screen_view

from . import selectors
from .selectors import Filters, delta
from .tables import Column, Table, workbook

WEEKDAYS = (gettext_lazy("월"), gettext_lazy("화"), gettext_lazy("수"), gettext_lazy("목"), gettext_lazy("금"),
            gettext_lazy("토"), gettext_lazy("일"))


# --- shared ---------------------------------------------------------------------------------------------


class Screen:
    """What a screen shows: filters, pickers, charts (specs for static/core/md-charts.js), tables."""

    def __init__(self, request, screen: str):
        self.request = request
        self.company = request.company
        self.screen = screen
        self.accounts = list(channel_selectors.channel_accounts(self.company).order_by("name", "pk"))
        self.account_names = {a.pk: a.name for a in self.accounts}
        self.brands = list(catalog_selectors.brands(self.company))
        self.categories = catalog_selectors.category_tree(self.company)
        self.f: Filters = selectors.filters_from(request.GET)
        self.f.accounts = [a for a in self.f.accounts if a in self.account_names]
        if self.f.categories:  # a category means its subcategories too
            chosen = set(self.f.categories)
            for node in self.categories:
                if node.category.parent_id in chosen:
                    chosen.add(node.category.pk)
            self.f.categories = sorted(chosen)
        self.state = selectors.state(self.company)
        self.charts: list[dict] = []
        self.tables: list[Table] = []
        self.kpis: list[dict] = []

    def account(self, pk) -> str:
        return self.account_names.get(pk, "-")

    def chart(self, key: str, title: str, kind: str, x: list, series: list[dict], *, unit: str = "",
              stack: bool = False, table: str = "", **extra) -> dict:
        spec = {"id": f"chart-{key}", "key": key, "title": title, "kind": kind, "x": x, "series": series,
                "unit": unit, "stack": stack, "table": table, **extra}
        self.charts.append(spec)
        return spec

    def filter_rows(self) -> list[tuple[str, str]]:
        f = self.f
        label = str(dict(selectors.PERIODS)[f.period])
        rows = [(_("기간"), f"{label}: {f.start:%Y-%m-%d} ~ {f.end:%Y-%m-%d} (KST)"),
                (_("비교 기간"), f"{f.prev_start:%Y-%m-%d} ~ {f.prev_end:%Y-%m-%d}"),
                (_("쇼핑몰"), ", ".join(self.account(a) for a in f.accounts) or _("전체")),
                (_("브랜드"), ", ".join(b.name for b in self.brands if b.pk in f.brands) or _("전체")),
                (_("분류"), ", ".join(n.path for n in self.categories if n.category.pk in f.categories) or _("전체")),
                (_("단위"), str(dict(selectors.UNITS)[f.unit]))]
        if self.state and self.state.as_of:
            from django.utils import timezone

            rows.append((_("기준 시각"), timezone.localtime(self.state.as_of).strftime("%Y-%m-%d %H:%M")))
        return rows

    def context(self, **extra) -> dict:
        f = self.f
        query = urlencode(f.query_items())
        tables = {t.key: t for t in self.tables}
        last = {spec["table"]: i for i, spec in enumerate(self.charts)}  # a shared table goes under its last chart
        charts = [{"spec": spec, "table": tables.get(spec["table"]) if last[spec["table"]] == i else None}
                  for i, spec in enumerate(self.charts)]
        shown = {spec["table"] for spec in self.charts}
        return {"f": f, "periods": selectors.PERIODS, "units": selectors.UNITS, "top_sizes": selectors.TOP_SIZES,
                "accounts": self.accounts, "brands": self.brands, "categories": self.categories,
                "state": self.state, "charts": charts, "kpis": self.kpis,
                "tables": self.tables, "loose_tables": [t for t in self.tables if t.key not in shown],
                "query": query, "filter_rows": self.filter_rows(), **extra}


def _pct(value):
    return None if value is None else round(value, 4)


def _kpi(label, now, before, kind="krw"):
    return {"label": label, "value": now, "previous": before, "delta": delta(now, before), "kind": kind}


def _bucket_label(day, unit):
    return day.strftime("%Y-%m") if unit == "month" else day.strftime("%Y-%m-%d")


def _product_label(names, sku_id):
    if not sku_id:
        return selectors.unmatched_label()
    info = names.get(sku_id)
    return f"{info['code']} {info['name']}" if info else "-"


def _sku_link(names, sku_id):
    if not sku_id or sku_id not in names:
        return (_product_label(names, sku_id), None)
    return (_product_label(names, sku_id), reverse("inventory:sku_stock", args=[sku_id]))


# --- 매출현황 ---------------------------------------------------------------------------------------------


def build_sales(request) -> Screen:
    s = Screen(request, "analytics.sales")
    f, company = s.f, s.company
    data = selectors.series(company, f)
    now = data["total"]  # the period's totals are the series summed (no second query)
    before = selectors.totals(company, f, previous=True)
    s.kpis = [
        _kpi(_("매출"), now["revenue"], before["revenue"]),
        _kpi(_("순매출 (취소·반품 제외)"), now["net_revenue"], before["net_revenue"]),
        _kpi(_("주문수"), now["orders"], before["orders"], "int"),
        _kpi(_("객단가"), now["aov"], before["aov"]),
        _kpi(_("수수료"), now["commission"], before["commission"]),
        _kpi(_("정산예정금액"), now["settlement"], before["settlement"]),
    ]
    x = [_bucket_label(r["bucket"], f.unit) for r in data["table"]]
    account_ids = sorted(data["accounts"], key=lambda a: -data["accounts"][a]["revenue"])
    s.chart("revenue", _("쇼핑몰별 매출 추이"), "bar", x, [
        {"name": s.account(a), "y": [data["by_account"].get((r["bucket"], a), {}).get("revenue", 0)
                                     for r in data["table"]]} for a in account_ids], unit="원", stack=True,
        table="series")
    s.chart("orders", _("주문수 · 순매출 추이"), "line", x, [
        {"name": _("주문수"), "y": [r["orders"] for r in data["table"]], "unit": "건"},
        {"name": _("순매출"), "y": [r["net_revenue"] for r in data["table"]], "axis": 2, "unit": "원"},
        {"name": _("수수료"), "y": [r["commission"] for r in data["table"]], "axis": 2, "unit": "원"},
        {"name": _("정산예정금액"), "y": [r["settlement"] for r in data["table"]], "axis": 2, "unit": "원"},
    ], unit="건", unit2="원", table="series")
    series = Table("series", _("기간별 매출"), [
        Column(_("일자") if f.unit == "day" else _("연월"), "text"), Column(_("주문수")), Column(_("수량")),
        Column(_("매출"), "krw"), Column(_("할인"), "krw"), Column(_("배송비"), "krw"), Column(_("취소금액"), "krw"),
        Column(_("반품금액"), "krw"), Column(_("순매출"), "krw"), Column(_("수수료"), "krw"),
        Column(_("정산예정금액"), "krw")])
    for r, label in zip(data["table"], x, strict=True):
        series.rows.append([label, r["orders"], r["quantity"], r["revenue"], r["discounts"], r["shipping_fees"],
                            r["cancelled_amount"], r["returned_amount"], r["net_revenue"], r["commission"],
                            r["settlement"]])
    series.footer = [_("합계"), now["orders"], now["quantity"], now["revenue"], now["discounts"], now["shipping_fees"],
                     now["cancelled_amount"], now["returned_amount"], now["net_revenue"], now["commission"],
                     now["settlement"]]
    if f.by_product:
        series.note = _("브랜드·분류 조건에서 주문수는 해당 상품이 든 주문을 상품별로 센 값입니다.")
    s.tables.append(series)

    channels = Table("channels", _("쇼핑몰별 매출"), [
        Column(_("쇼핑몰"), "text"), Column(_("주문수")), Column(_("매출"), "krw"), Column(_("비중"), "pct"),
        Column(_("순매출"), "krw"), Column(_("객단가"), "krw"), Column(_("취소율"), "pct")])
    for a in account_ids:
        r = data["accounts"][a]
        share = r["revenue"] / now["revenue"] if now["revenue"] else None
        channels.rows.append([s.account(a), r["orders"], r["revenue"], _pct(share), r["net_revenue"], r["aov"],
                              _pct(r["cancel_rate"])])
    s.chart("channels", _("쇼핑몰별 매출 비중"), "pie", [row[0] for row in channels.rows],
            [{"name": _("매출"), "y": [row[2] for row in channels.rows]}], unit="원", table="channels")
    s.tables.append(channels)

    top = selectors.top_products(company, f)
    mv = selectors.movers(company, f)
    names = selectors.sku_names(company, [r["sku_id"] for r in top["top"]] +
                                [m["sku_id"] for m in mv["best"] + mv["worst"]])
    products = Table("products", _("상품별 매출 상위 %(n)s") % {"n": f.top}, [
        Column(_("상품"), "text", link=True), Column(_("주문수")), Column(_("수량")), Column(_("매출"), "krw"),
        Column(_("비중"), "pct"), Column(_("취소율"), "pct"), Column(_("반품률"), "pct")])
    for r in top["top"]:
        share = r["revenue"] / top["total"]["revenue"] if top["total"]["revenue"] else None
        products.rows.append([_sku_link(names, r["sku_id"]), r["orders"], r["quantity"], r["revenue"], _pct(share),
                              _pct(r["cancel_rate"]), _pct(r["return_rate"])])
    if top["others"]:
        o = top["others"]
        share = o["revenue"] / top["total"]["revenue"] if top["total"]["revenue"] else None
        products.rows.append([(_("기타 (%(n)s개 상품)") % {"n": top["others_count"]}, None), o["orders"], o["quantity"],
                              o["revenue"], _pct(share), _pct(o["cancel_rate"]), _pct(o["return_rate"])])
    s.chart("products", products.title, "hbar", [row[0][0] for row in products.rows],
            [{"name": _("매출"), "y": [row[3] for row in products.rows]}], unit="원", table="products")
    s.tables.append(products)

    for key, title, rows in (("best", _("매출 상승 상품"), mv["best"]), ("worst", _("매출 하락 상품"), mv["worst"])):
        t = Table(key, title, [Column(_("상품"), "text", link=True), Column(_("이번 기간"), "krw"),
                               Column(_("비교 기간"), "krw"), Column(_("증감"), "krw"), Column(_("증감률"), "pct")])
        for m in rows:
            t.rows.append([_sku_link(names, m["sku_id"]), m["now"], m["before"], m["change"], _pct(m["delta"])])
        s.tables.append(t)

    cover = selectors.stock_cover(company)
    cover_names = selectors.sku_names(company, [r["sku_id"] for r in cover])
    t = Table("cover", _("재고 소진 예상 (최근 28일 판매 속도)"), [
        Column(_("상품"), "text", link=True), Column(_("28일 판매수량")), Column(_("하루 평균"), "days"),
        Column(_("가용재고")), Column(_("남은 일수"), "days"), Column(_("입고"), "text", link=True)])
    inbound = reverse("inventory:inbound_create")
    for r in cover:
        t.rows.append([_sku_link(cover_names, r["sku_id"]), r["sold_28"], round(r["per_day"], 2), r["available"],
                       round(r["cover_days"], 1), (_("입고등록"), inbound)])
    t.note = _("가용재고를 최근 28일 하루 평균 판매수량(취소 제외)으로 나눈 값입니다. 적은 순서.")
    s.tables.append(t)
    return s


@screen_view("analytics.sales")
def sales(request):
    s = build_sales(request)
    return render(request, "analytics/screen.html", s.context(title=_("매출현황"), xlsx_url="analytics:sales_xlsx",
                                                              this_url="analytics:sales"))


@screen_view("analytics.sales")
def sales_xlsx(request):
    s = build_sales(request)
    return _xlsx(s, _("매출현황"))


def _xlsx(s: Screen, title: str):
    content = workbook(title, s.filter_rows(), s.tables)
    return xlsx_response(content, f"{title}_{s.f.start:%Y%m%d}-{s.f.end:%Y%m%d}.xlsx")


# --- 시간대별 ---------------------------------------------------------------------------------------------


def build_hourly(request) -> Screen:
    s = Screen(request, "analytics.hourly")
    grid = selectors.heatmap(s.company, s.f)
    days = [str(w) for w in WEEKDAYS]
    hours = [f"{h:02d}" for h in range(24)]
    s.chart("heatmap", _("요일 × 시간대 주문수 (KST)"), "heatmap", hours, [], z=grid, y=days, unit="건",
            table="heatmap")
    t = Table("heatmap", _("요일 × 시간대 주문수"), [Column(_("요일"), "text")] + [Column(h + _("시")) for h in hours]
              + [Column(_("합계"))])
    for label, row in zip(days, grid, strict=True):
        t.rows.append([label, *row, sum(row)])
    t.footer = [_("합계"), *[sum(grid[d][h] for d in range(7)) for h in range(24)], sum(map(sum, grid))]
    s.tables.append(t)
    by_hour = [sum(grid[d][h] for d in range(7)) for h in range(24)]
    s.chart("hours", _("시간대별 주문수"), "bar", [h + _("시") for h in hours], [{"name": _("주문수"), "y": by_hour}],
            unit="건", table="heatmap")
    return s


@screen_view("analytics.hourly")
def hourly(request):
    s = build_hourly(request)
    return render(request, "analytics/screen.html", s.context(title=_("시간대별"), xlsx_url="analytics:hourly_xlsx",
                                                              this_url="analytics:hourly", hide_top=True))


@screen_view("analytics.hourly")
def hourly_xlsx(request):
    return _xlsx(build_hourly(request), _("시간대별"))


# --- 취소·반품률 -------------------------------------------------------------------------------------------


def build_rates(request) -> Screen:
    s = Screen(request, "analytics.rates")
    per = selectors.by_account(s.company, s.f)
    ids = sorted(per, key=lambda a: s.account(a))
    t = Table("channel_rates", _("쇼핑몰별 취소·반품률"), [
        Column(_("쇼핑몰"), "text"), Column(_("주문상품수")), Column(_("취소")), Column(_("취소율"), "pct"),
        Column(_("반품")), Column(_("반품률"), "pct"), Column(_("교환")), Column(_("취소금액"), "krw"),
        Column(_("반품금액"), "krw")])
    for a in ids:
        r = per[a]
        t.rows.append([s.account(a), r["lines"], r["cancel_lines"], _pct(r["cancel_rate"]), r["return_lines"],
                       _pct(r["return_rate"]), r["exchange_lines"], r["cancelled_amount"], r["returned_amount"]])
    t.note = _("클레임 사유는 클레임 기능이 들어오면 함께 표시됩니다. 취소·반품은 주문일 기준으로 집계합니다.")
    s.chart("channel_rates", t.title, "bar", [row[0] for row in t.rows], [
        {"name": _("취소율"), "y": [row[3] for row in t.rows]}, {"name": _("반품률"), "y": [row[5] for row in t.rows]}],
        unit="%", table="channel_rates")
    s.tables.append(t)
    rows = selectors.product_rates(s.company, s.f)
    names = selectors.sku_names(s.company, [r["sku_id"] for r in rows])
    p = Table("product_rates", _("상품별 취소·반품"), [
        Column(_("상품"), "text", link=True), Column(_("주문상품수")), Column(_("취소")), Column(_("취소율"), "pct"),
        Column(_("반품")), Column(_("반품률"), "pct"), Column(_("교환")), Column(_("취소금액"), "krw")])
    for r in rows:
        p.rows.append([_sku_link(names, r["sku_id"]), r["lines"], r["cancel_lines"], _pct(r["cancel_rate"]),
                       r["return_lines"], _pct(r["return_rate"]), r["exchange_lines"], r["cancelled_amount"]])
    s.chart("product_rates", p.title, "hbar", [row[0][0] for row in p.rows], [
        {"name": _("취소"), "y": [row[2] for row in p.rows]}, {"name": _("반품"), "y": [row[4] for row in p.rows]}],
        unit="건", stack=True, table="product_rates")
    s.tables.append(p)
    return s


@screen_view("analytics.rates")
def rates(request):
    s = build_rates(request)
    return render(request, "analytics/screen.html", s.context(title=_("취소·반품률"), xlsx_url="analytics:rates_xlsx",
                                                              this_url="analytics:rates"))


@screen_view("analytics.rates")
def rates_xlsx(request):
    return _xlsx(build_rates(request), _("취소·반품률"))


# --- 쇼핑몰 비교 -------------------------------------------------------------------------------------------


def build_compare(request) -> Screen:
    s = Screen(request, "analytics.compare")
    per = selectors.by_account(s.company, s.f)
    ids = sorted(per, key=lambda a: -per[a]["revenue"])
    t = Table("compare", _("쇼핑몰 비교"), [
        Column(_("쇼핑몰"), "text"), Column(_("주문수")), Column(_("매출"), "krw"), Column(_("객단가"), "krw"),
        Column(_("수수료율"), "pct"), Column(_("취소율"), "pct"), Column(_("반품률"), "pct"),
        Column(_("평균 출고일수"), "days"), Column(_("출고기한 초과 비율"), "pct")])
    for a in ids:
        r = per[a]
        t.rows.append([s.account(a), r["orders"], r["revenue"], r["aov"], _pct(r["commission_rate"]),
                       _pct(r["cancel_rate"]), _pct(r["return_rate"]),
                       None if r["days_to_ship"] is None else round(r["days_to_ship"], 2), _pct(r["late_share"])])
    t.note = _("수수료율은 정산 기능이 수수료를 채우면 표시됩니다.")
    names = [row[0] for row in t.rows]
    s.chart("compare_revenue", _("쇼핑몰별 매출 · 객단가"), "bar", names, [
        {"name": _("매출"), "y": [row[2] for row in t.rows], "unit": "원"},
        {"name": _("객단가"), "y": [row[3] for row in t.rows], "axis": 2, "unit": "원", "mode": "line"}],
        unit="원", unit2="원", table="compare")
    s.chart("compare_quality", _("쇼핑몰별 취소율 · 출고기한 초과 비율"), "bar", names, [
        {"name": _("취소율"), "y": [row[5] for row in t.rows]}, {"name": _("반품률"), "y": [row[6] for row in t.rows]},
        {"name": _("출고기한 초과 비율"), "y": [row[8] for row in t.rows]}], unit="%", table="compare")
    s.tables.append(t)
    return s


@screen_view("analytics.compare")
def compare(request):
    s = build_compare(request)
    return render(request, "analytics/screen.html", s.context(title=_("쇼핑몰 비교"), xlsx_url="analytics:compare_xlsx",
                                                              this_url="analytics:compare", hide_top=True))


@screen_view("analytics.compare")
def compare_xlsx(request):
    return _xlsx(build_compare(request), _("쇼핑몰 비교"))


# --- 지금 갱신 -----------------------------------------------------------------------------------------------


@require_POST
@screen_view("analytics.sales", write=True)
def refresh(request):
    from .tasks import refresh_rollup

    refresh_rollup.start(company=request.company, user=request.user, title=_("매출 집계 갱신"))
    messages.success(request, _("매출 집계 갱신을 시작했습니다. 잠시 후 다시 보세요."))
    from marketdock.core.redirects import safe_next

    return redirect(safe_next(request, reverse("analytics:sales")))
