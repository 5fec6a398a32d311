"""Inventory: warehouses and stores, the stock ledger, stock levels, inbound orders, physical counts
and transfers (INV-1..5, INV-7).

The ledger (`StockMovement`) is the truth: rows are only ever added, never edited or deleted.
`StockLevel` is a cache of the ledger per (SKU, warehouse) that the reservation services update
with conditional UPDATEs in the same transaction as the movement; an hourly job recomputes it from
the ledger and reports drift.

Stock rule (decided, enforced by CHECK constraints): 0 <= reserved <= on_hand. Stock never goes
negative and nothing is reserved that is not on hand, so concurrent orders cannot oversell.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned
from marketdock.core.validators import validate_phone


class Warehouse(CompanyOwned):
    """창고 or 매장 (INV-1). One default warehouse per company takes orders without a warehouse."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("창고")
        STORE = "store", _("매장")

    code = models.CharField(_("창고코드"), max_length=30)
    name = models.CharField(_("창고명"), max_length=100)
    kind = models.CharField(_("구분"), max_length=20, choices=Kind.choices, default=Kind.WAREHOUSE)
    postal_code = models.CharField(_("우편번호"), max_length=10, blank=True)
    address = models.CharField(_("주소"), max_length=300, blank=True)
    phone = models.CharField(_("전화번호"), max_length=20, blank=True, validators=[validate_phone])
    sender_name = models.CharField(_("보내는 사람"), max_length=100, blank=True,
                                   help_text=_("운송장에 인쇄되는 보내는 사람 이름"))
    exposed_to_channels = models.BooleanField(_("쇼핑몰 재고 노출"), default=True,
                                              help_text=_("이 창고의 재고를 쇼핑몰 판매가능 수량에 포함합니다."))
    is_default = models.BooleanField(_("기본 창고"), default=False)
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("등록일"), auto_now_add=True)

    class Meta:
        verbose_name = _("창고")
        verbose_name_plural = _("창고")
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="warehouse_unique_code"),
            models.UniqueConstraint(fields=["company"], condition=Q(is_default=True), name="warehouse_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MovementKind(models.TextChoices):
    INBOUND = "inbound", _("입고")
    SHIPMENT = "shipment", _("출고")
    RETURN = "return", _("반품입고")
    ADJUSTMENT = "adjustment", _("재고조정")
    TRANSFER_IN = "transfer_in", _("이동입고")
    TRANSFER_OUT = "transfer_out", _("이동출고")
    COUNT = "count", _("실사조정")
    RESERVE = "reserve", _("예약")
    RELEASE = "release", _("예약해제")


class StockMovementQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("stock movements are a ledger: they are never updated")

    def delete(self):
        raise TypeError("stock movements are a ledger: they are never deleted")


class StockMovement(CompanyOwned):
    """One ledger entry (INV-2). `quantity` is the signed change of on-hand stock and
    `reserved_change` the signed change of the reserved quantity: a reservation is (0, +q), a
    release (0, −q), a shipment of reserved stock (−q, −q), an inbound (+q, 0). The balances after
    the entry are kept for the 재고수불부 and the history chart."""

    sku = models.ForeignKey("catalog.SKU", on_delete=models.RESTRICT, related_name="stock_movements", verbose_name=_("SKU"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.RESTRICT, related_name="movements", verbose_name=_("창고"))
    kind = models.CharField(_("구분"), max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(_("수량"), default=0)
    reserved_change = models.IntegerField(_("예약 변동"), default=0)
    on_hand_after = models.IntegerField(_("현재고(후)"))
    reserved_after = models.IntegerField(_("예약(후)"))
    reason = models.CharField(_("사유"), max_length=200, blank=True)
    reference_type = models.CharField(_("참조 구분"), max_length=40, blank=True)
    reference_id = models.CharField(_("참조 번호"), max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("작업자"))
    created_at = models.DateTimeField(_("일시"), default=timezone.now, db_index=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = _("재고 수불")
        verbose_name_plural = _("재고 수불")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["sku", "warehouse", "created_at"]),
            models.Index(fields=["company", "reference_type", "reference_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} ({self.sku_id}@{self.warehouse_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("stock movements are a ledger: they are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("stock movements are a ledger: they are never deleted")

    @property
    def reference(self) -> str:
        if not self.reference_type:
            return self.reference_id
        return f"{self.reference_type}:{self.reference_id}" if self.reference_id else self.reference_type


class StockLevel(CompanyOwned):
    """On hand and reserved per (SKU, warehouse): a cache of the ledger. Available = on_hand − reserved."""

    sku = models.ForeignKey("catalog.SKU", on_delete=models.CASCADE, related_name="stock_levels", verbose_name=_("SKU"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="levels", verbose_name=_("창고"))
    on_hand = models.IntegerField(_("현재고"), default=0)
    reserved = models.IntegerField(_("예약"), default=0)
    updated_at = models.DateTimeField(_("변경일시"), auto_now=True)

    class Meta:
        verbose_name = _("재고")
        verbose_name_plural = _("재고")
        ordering = ["sku_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stocklevel_unique_sku_warehouse"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_not_negative"),
            models.CheckConstraint(condition=Q(on_hand__gte=F("reserved")), name="stocklevel_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["company", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


# --- inbound (INV-3) ----------------------------------------------------------------------------


class InboundOrder(CompanyOwned):
    """입고예정 → 입고등록 → (부분)입고확정. Confirmation raises stock through the ledger at once."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("입고예정")
        REGISTERED = "registered", _("입고등록")
        PARTIAL = "partial", _("부분확정")
        CONFIRMED = "confirmed", _("입고확정")
        CANCELLED = "cancelled", _("취소")

    OPEN_STATUSES = (Status.PLANNED, Status.REGISTERED, Status.PARTIAL)

    number = models.CharField(_("입고번호"), max_length=30)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbounds", verbose_name=_("입고창고"))
    supplier = models.ForeignKey("core.CommonCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("매입처"))
    supplier_name = models.CharField(_("매입처명"), max_length=100, blank=True)
    expected_date = models.DateField(_("입고예정일"), null=True, blank=True)
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    memo = models.CharField(_("메모"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("등록자"))
    created_at = models.DateTimeField(_("등록일시"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("확정일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("입고")
        verbose_name_plural = _("입고")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="inbound_unique_number")]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def supplier_label(self) -> str:
        if self.supplier_id:
            return self.supplier.name
        return self.supplier_name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class InboundLine(CompanyOwned):
    inbound = models.ForeignKey(InboundOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("예정수량"))
    confirmed_quantity = models.PositiveIntegerField(_("확정수량"), default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["inbound", "sku"], name="inboundline_unique_sku"),
            models.CheckConstraint(condition=Q(confirmed_quantity__lte=F("quantity")), name="inboundline_confirmed_le_qty"),
        ]

    @property
    def remaining(self) -> int:
        return self.quantity - self.confirmed_quantity


# --- physical count (INV-4) ---------------------------------------------------------------------


class CountSheet(CompanyOwned):
    """재고실사표 for one warehouse. The system quantity is recorded when the sheet is made; the
    difference counted − system is applied as `count` movements at the next :10 run or at once."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("작성중")
        SCHEDULED = "scheduled", _("반영대기")
        APPLIED = "applied", _("반영완료")
        FAILED = "failed", _("반영실패")
        CANCELLED = "cancelled", _("취소")

    number = models.CharField(_("실사번호"), max_length=30)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="count_sheets", verbose_name=_("창고"))
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    memo = models.CharField(_("메모"), max_length=300, blank=True)
    error = models.TextField(_("오류"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("작성자"))
    created_at = models.DateTimeField(_("작성일시"), auto_now_add=True)
    scheduled_at = models.DateTimeField(_("반영요청일시"), null=True, blank=True)
    applied_at = models.DateTimeField(_("반영일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("재고실사")
        verbose_name_plural = _("재고실사")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="countsheet_unique_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.FAILED)


class CountLine(CompanyOwned):
    sheet = models.ForeignKey(CountSheet, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    system_quantity = models.IntegerField(_("전산재고"))
    counted_quantity = models.PositiveIntegerField(_("실사수량"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["sheet", "sku"], name="countline_unique_sku")]

    @property
    def difference(self) -> int | None:
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.system_quantity


# --- transfers ----------------------------------------------------------------------------------


class StockTransfer(CompanyOwned):
    """재고이동 between warehouses/stores: paired transfer_out + transfer_in movements, done at once."""

    number = models.CharField(_("이동번호"), max_length=30)
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("보내는 창고"))
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("받는 창고"))
    memo = models.CharField(_("메모"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("작업자"))
    created_at = models.DateTimeField(_("이동일시"), auto_now_add=True)

    class Meta:
        verbose_name = _("재고이동")
        verbose_name_plural = _("재고이동")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="transfer_unique_number"),
            models.CheckConstraint(condition=~Q(from_warehouse=F("to_warehouse")), name="transfer_distinct_warehouses"),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self):
        if self.from_warehouse_id and self.from_warehouse_id == self.to_warehouse_id:
            raise ValidationError(_("보내는 창고와 받는 창고가 같습니다."))


class StockTransferLine(CompanyOwned):
    transfer = models.ForeignKey(StockTransfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("수량"))

    class Meta:
        ordering = ["id"]
