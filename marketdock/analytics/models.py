"""Sales rollups (ANA-1, ANA-2, STL-5): what the dashboards read instead of the order tables.

Two tables, both keyed by the KST day the order was placed (`Order.ordered_at` in Asia/Seoul):

- `SalesHour`: company × day × channel account × hour of day (KST). Every order-level figure
  (orders, shipping fees, days to ship) and every line figure summed over the channel, so the
  daily/monthly series, the channel comparison and the hour × weekday heat map read one small table.
- `SalesProductDay`: company × day × channel account × SKU (the line's first matched SKU; empty for
  lines not matched yet): the per-product breakdowns, with the product for brand/category filters.
  `SalesProductMonth` holds the same summed per month, for long periods.

Money is in won (KRW minor units, `currency` = KRW): foreign-currency amounts are converted with the
company's dated exchange rate of the order's day (core.rates), summed per day × currency first.
Lines whose currency has no rate on that day are counted in `unconverted_lines` and left out of
the amounts, so a screen can say so instead of adding dollars to won.

`commission` and `settlement` stay empty (NULL) until the settlement app fills them.

A cancel, return or exchange counts on the day the order was placed, whenever it happens: a row is
recomputed whole when any of its orders changes (services.rollup_refresh), so the rollup always
equals a straight aggregate over the orders (services.rollup_rebuild recomputes it from scratch).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned


class LineFigures(models.Model):
    """The line figures both rollups carry (amounts in won)."""

    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    lines = models.PositiveIntegerField(_("주문상품수"), default=0)
    quantity = models.PositiveIntegerField(_("수량"), default=0)
    revenue = models.BigIntegerField(_("매출"), default=0)  # the lines' 결제금액, before cancels and returns
    discounts = models.BigIntegerField(_("할인"), default=0)
    cancel_lines = models.PositiveIntegerField(_("취소 상품수"), default=0)
    cancel_quantity = models.PositiveIntegerField(_("취소수량"), default=0)
    cancelled_amount = models.BigIntegerField(_("취소금액"), default=0)
    return_lines = models.PositiveIntegerField(_("반품 상품수"), default=0)
    returned_amount = models.BigIntegerField(_("반품금액"), default=0)
    exchange_lines = models.PositiveIntegerField(_("교환 상품수"), default=0)
    shipped_lines = models.PositiveIntegerField(_("출고 상품수"), default=0)
    late_lines = models.PositiveIntegerField(_("출고기한 초과"), default=0)
    unconverted_lines = models.PositiveIntegerField(_("환율 미등록"), default=0)
    commission = models.BigIntegerField(_("수수료"), null=True, blank=True)  # filled by settlement
    settlement = models.BigIntegerField(_("정산예정금액"), null=True, blank=True)

    class Meta:
        abstract = True


class SalesHour(CompanyOwned, LineFigures):
    day = models.DateField(_("주문일"))
    hour = models.PositiveSmallIntegerField(_("시간"))  # 0..23, KST
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰"))
    orders = models.PositiveIntegerField(_("주문수"), default=0)
    cancelled_orders = models.PositiveIntegerField(_("취소 주문수"), default=0)
    shipping_fees = models.BigIntegerField(_("배송비"), default=0)
    shipped_orders = models.PositiveIntegerField(_("출고 주문수"), default=0)
    ship_seconds = models.BigIntegerField(_("출고까지 걸린 시간(초)"), default=0)  # sum over shipped orders

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "day", "account", "hour"], name="saleshour_unique")]
        indexes = [models.Index(fields=["company", "day"], name="saleshour_co_day")]


class SalesDay(CompanyOwned, LineFigures):
    """SalesHour summed over the hours of the day: what the day/month series, totals and the channel
    comparison read (24 times fewer rows than the hourly table)."""

    day = models.DateField(_("주문일"))
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰"))
    orders = models.PositiveIntegerField(_("주문수"), default=0)
    cancelled_orders = models.PositiveIntegerField(_("취소 주문수"), default=0)
    shipping_fees = models.BigIntegerField(_("배송비"), default=0)
    shipped_orders = models.PositiveIntegerField(_("출고 주문수"), default=0)
    ship_seconds = models.BigIntegerField(_("출고까지 걸린 시간(초)"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "day", "account"], name="salesday_unique")]


class SalesProductDay(CompanyOwned, LineFigures):
    day = models.DateField(_("주문일"))
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰"))
    sku = models.ForeignKey("catalog.SKU", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    orders = models.PositiveIntegerField(_("주문수"), default=0)  # orders with this SKU (not additive over SKUs)

    class Meta:
        indexes = [models.Index(fields=["company", "day"], name="salesproductday_co_day"),
                   models.Index(fields=["company", "sku", "day"], name="salesproductday_co_sku")]


class SalesProductMonth(CompanyOwned, LineFigures):
    """SalesProductDay summed per calendar month (KST): long periods read whole months from here and
    only the days at their edges from the daily table."""

    month = models.DateField(_("월"))  # the first day of the month
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰"))
    sku = models.ForeignKey("catalog.SKU", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    orders = models.PositiveIntegerField(_("주문수"), default=0)

    class Meta:
        indexes = [models.Index(fields=["company", "month"], name="salesproductmonth_co_month")]


class RollupState(CompanyOwned):
    """How fresh the company's rollup is: every order change before `as_of` is in it."""

    as_of = models.DateTimeField(_("기준 시각"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("갱신 시각"), default=timezone.now)
    days = models.PositiveIntegerField(default=0)  # days recomputed by the last refresh
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company"], name="rollupstate_unique")]
