"""Shipping foundation: the carrier master (SHP-1), each company's carrier contracts, tracking-number
bands (송장 대역) and every number issued from them.

`Carrier` and `CarrierChannelCode` are platform reference data (seeded by a data migration, shared
by every company): a carrier's tracking-number rule and the code each marketplace uses for it
(Naver and Coupang say HYUNDAI for 롯데 and KGB for 로젠; Shopify takes a free-text company name).

A `TrackingNumberBand` is a range of serials the carrier allotted to a contract; numbers are
`serial + check digit`. `next_serial` only moves forward by conditional UPDATE, and every issued
number is kept as an `IssuedTrackingNumber` (unique per company + carrier + number), so a number is
never handed out twice — a voided number stays voided.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned

from .tracking_numbers import NumberRule


class Carrier(models.Model):
    class NumberFormat(models.TextChoices):
        DIGITS = "digits", _("숫자")
        S10 = "s10", _("UPU S10 (국제)")

    key = models.CharField(_("택배사 키"), max_length=30, unique=True)
    name = models.CharField(_("택배사"), max_length=50)
    name_en = models.CharField(_("영문명"), max_length=80, blank=True)
    lengths = models.JSONField(_("송장번호 자릿수"), default=list, blank=True)
    check_digits = models.JSONField(_("검증번호 규칙"), default=dict, blank=True)
    number_format = models.CharField(_("번호 형식"), max_length=10, choices=NumberFormat.choices,
                                     default=NumberFormat.DIGITS)
    display_groups = models.JSONField(_("표시 형식"), default=dict, blank=True)
    tracking_url = models.CharField(_("배송조회 주소"), max_length=300, blank=True)
    supports_bands = models.BooleanField(_("송장 대역 발번"), default=True)
    is_active = models.BooleanField(_("사용"), default=True)
    sort_order = models.PositiveIntegerField(default=100)

    class Meta:
        verbose_name = _("택배사")
        verbose_name_plural = _("택배사")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rule(self) -> NumberRule:
        return NumberRule.from_carrier(self)

    def tracking_url_for(self, number: str) -> str:
        return f"{self.tracking_url}{number}" if self.tracking_url else ""

    def code_for(self, channel: str) -> str:
        channel = CHANNEL_OF_KIND.get(channel, channel)
        for code in self.channel_codes.all():
            if code.channel == channel:
                return code.code
        return ""


# channel account kind → CarrierChannelCode.channel where the two spell a marketplace differently
CHANNEL_OF_KIND = {"elevenst": "11st", "gmarket": "esm", "auction": "esm"}  # ESM: one code table, both sites


class CarrierChannelCode(models.Model):
    """The code one marketplace (or label service) uses for a carrier."""

    class Channel(models.TextChoices):
        NAVER = "naver", _("네이버 스마트스토어")
        COUPANG = "coupang", _("쿠팡")
        SHOPIFY = "shopify", _("Shopify")
        ELEVENST = "11st", _("11번가")
        ESM = "esm", _("G마켓·옥션(ESM)")
        GOODSFLOW = "goodsflow", _("굿스플로")

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="channel_codes")
    channel = models.CharField(_("쇼핑몰"), max_length=20, choices=Channel.choices)
    code = models.CharField(_("택배사 코드"), max_length=80)
    verified = models.BooleanField(_("공식 확인"), default=True,
                                   help_text=_("공식 문서로 확인된 코드인지 여부(미확인 코드는 연동 시 확인 필요)"))

    class Meta:
        verbose_name = _("쇼핑몰 택배사 코드")
        verbose_name_plural = _("쇼핑몰 택배사 코드")
        ordering = ["carrier__sort_order", "channel"]
        constraints = [models.UniqueConstraint(fields=["carrier", "channel"], name="carrierchannelcode_unique")]

    def __str__(self) -> str:
        return f"{self.carrier} · {self.channel}: {self.code}"


class SettlementType(models.TextChoices):
    CREDIT = "credit", _("신용")
    PREPAID = "prepaid", _("선불")
    COLLECT = "collect", _("착불")


# GoodsFlow's carrier-neutral box-size codes (carriers name them differently).
BOX_SIZES = (
    ("B01", _("B01 극소")),
    ("B02", _("B02 초소")),
    ("B05", _("B05 소")),
    ("B10", _("B10 중")),
    ("B20", _("B20 대")),
    ("B25", _("B25 특대")),
    ("B30", _("B30 이형")),
    ("B40", _("B40 취급제한")),
)


class CarrierContract(CompanyOwned):
    """A company's contract with a carrier (택배 계약): contract code, sender warehouse, box rates."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+", verbose_name=_("택배사"))
    name = models.CharField(_("계약명"), max_length=100)
    contract_code = models.CharField(_("계약코드(신용코드)"), max_length=50)
    customer_no = models.CharField(_("업체코드"), max_length=50, blank=True,
                                   help_text=_("우체국택배 계약 고객번호 등 택배사가 따로 주는 번호"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("출고지(보내는 곳)"))
    settlement = models.CharField(_("운임 구분"), max_length=10, choices=SettlementType.choices,
                                  default=SettlementType.CREDIT)
    # [{"code": "B05", "name": "소형", "price": 3000}, ...] — price in won
    box_rates = models.JSONField(_("박스 크기별 운임"), default=list, blank=True)
    is_default = models.BooleanField(_("기본 계약"), default=False)
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("등록일"), default=timezone.now)

    class Meta:
        verbose_name = _("택배 계약")
        verbose_name_plural = _("택배 계약")
        ordering = ["-is_default", "carrier__sort_order", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="carriercontract_unique_name"),
            models.UniqueConstraint(fields=["company"], condition=Q(is_default=True),
                                    name="carriercontract_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name} · {self.name}"


class TrackingNumberBand(CompanyOwned):
    """송장 대역: serials `start`..`end` (without check digit, `width` digits, zero-padded)."""

    contract = models.ForeignKey(CarrierContract, on_delete=models.PROTECT, related_name="bands",
                                 verbose_name=_("택배 계약"))
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+", verbose_name=_("택배사"))
    start = models.BigIntegerField(_("시작 번호"))
    end = models.BigIntegerField(_("끝 번호"))
    width = models.PositiveSmallIntegerField(_("일련번호 자릿수"))
    next_serial = models.BigIntegerField(_("다음 번호"))
    warning_threshold = models.PositiveIntegerField(_("소진 경고 기준"), default=500)
    is_active = models.BooleanField(_("사용"), default=True)
    memo = models.CharField(_("메모"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("등록일"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("송장 대역")
        verbose_name_plural = _("송장 대역")
        ordering = ["contract_id", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="band_start_le_end"),
            models.CheckConstraint(condition=Q(next_serial__gte=F("start")) & Q(next_serial__lte=F("end") + 1),
                                   name="band_next_in_range"),
        ]
        indexes = [models.Index(fields=["company", "carrier"])]

    def __str__(self) -> str:
        return f"{self.carrier.name} {self.start_text}~{self.end_text}"

    @property
    def start_text(self) -> str:
        return str(self.start).zfill(self.width)

    @property
    def end_text(self) -> str:
        return str(self.end).zfill(self.width)

    @property
    def next_text(self) -> str:
        return str(self.next_serial).zfill(self.width)

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def remaining(self) -> int:
        return max(0, self.end - self.next_serial + 1)

    @property
    def issued(self) -> int:
        return self.next_serial - self.start

    @property
    def near_exhaustion(self) -> bool:
        return self.remaining < self.warning_threshold


class IssuedTrackingNumber(CompanyOwned):
    class Status(models.TextChoices):
        ISSUED = "issued", _("발번")
        USED = "used", _("사용")
        VOIDED = "voided", _("폐기")

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+", verbose_name=_("택배사"))
    contract = models.ForeignKey(CarrierContract, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("택배 계약"))
    band = models.ForeignKey(TrackingNumberBand, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="numbers", verbose_name=_("송장 대역"))
    number = models.CharField(_("송장번호"), max_length=30)
    status = models.CharField(_("상태"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    reference = models.CharField(_("참조"), max_length=100, blank=True)  # e.g. "package:12"
    issued_at = models.DateTimeField(_("발번일시"), default=timezone.now)
    used_at = models.DateTimeField(_("사용일시"), null=True, blank=True)
    voided_at = models.DateTimeField(_("폐기일시"), null=True, blank=True)
    void_reason = models.CharField(_("폐기 사유"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("발번 송장번호")
        verbose_name_plural = _("발번 송장번호")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "carrier", "number"], name="issuedtrackingnumber_unique"),
        ]
        indexes = [models.Index(fields=["band", "-id"])]

    def __str__(self) -> str:
        return self.number


# --- packages (SHP-3, SHP-2, SHP-5, SHP-6, SHP-9) ------------------------------------------------


class PackageMethod(models.TextChoices):
    PARCEL = "parcel", _("택배")
    VISIT = "visit", _("방문수령")
    DIRECT = "direct", _("직접배송")


class PackageStatus(models.TextChoices):
    """open (묶음, no label yet) → printed (운송장 출력) → shipped (출고완료, after the scan check or
    visit pickup) → in_transit (배송중) → delivered (배송완료). `voided`: dissolved by a split/merge."""

    OPEN = "open", _("출고대기")
    PRINTED = "printed", _("운송장출력")
    SHIPPED = "shipped", _("출고완료")
    IN_TRANSIT = "in_transit", _("배송중")
    DELIVERED = "delivered", _("배송완료")
    VOIDED = "voided", _("해체")


class Package(CompanyOwned):
    """One box leaving the warehouse (합포장): one or more orders to the same recipient at the same
    address (same account and warehouse), one tracking number. The recipient is a snapshot of the
    first order's at grouping time; `group_key` is the hash of the normalized name + phone + address
    + account + warehouse the automatic grouping matched on."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("쇼핑몰"))
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("출고 창고"))
    status = models.CharField(_("상태"), max_length=20, choices=PackageStatus.choices, default=PackageStatus.OPEN)
    method = models.CharField(_("배송방법"), max_length=10, choices=PackageMethod.choices,
                              default=PackageMethod.PARCEL)
    group_key = models.CharField(max_length=64, blank=True, db_index=True)
    address_key = models.CharField(_("정규화 주소"), max_length=400, blank=True)

    recipient_name = models.CharField(_("수령자"), max_length=100, blank=True)
    recipient_phone = models.CharField(_("수령자 전화"), max_length=30, blank=True)
    recipient_postal_code = models.CharField(_("우편번호"), max_length=10, blank=True)
    recipient_address1 = models.CharField(_("주소"), max_length=300, blank=True)
    recipient_address2 = models.CharField(_("상세주소"), max_length=300, blank=True)
    delivery_message = models.CharField(_("배송메시지"), max_length=300, blank=True)

    contract = models.ForeignKey(CarrierContract, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("택배 계약"))
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("택배사"))
    tracking = models.ForeignKey(IssuedTrackingNumber, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("송장번호"))
    tracking_number = models.CharField(_("송장번호"), max_length=30, blank=True, db_index=True)
    box_size = models.CharField(_("박스 크기"), max_length=10, blank=True)
    print_count = models.PositiveIntegerField(_("출력 횟수"), default=0)
    printed_at = models.DateTimeField(_("출력일시"), null=True, blank=True)
    handover_date = models.DateField(_("인도일"), null=True, blank=True,
                                     help_text=_("방문수령·직접배송: 송장번호 대신 기록하는 날짜"))
    shipped_at = models.DateTimeField(_("출고일시"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("배송완료일시"), null=True, blank=True)
    last_event_status = models.CharField(_("최근 배송상태"), max_length=20, blank=True)
    last_event_at = models.DateTimeField(_("최근 배송이벤트"), null=True, blank=True)
    last_event_text = models.CharField(_("최근 배송내용"), max_length=300, blank=True)
    last_polled_at = models.DateTimeField(_("최근 조회"), null=True, blank=True)
    created_at = models.DateTimeField(_("생성일시"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("포장")
        verbose_name_plural = _("포장")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "-created_at"], name="package_co_status"),
            models.Index(fields=["company", "tracking_number"], name="package_co_number"),
            models.Index(fields=["company", "group_key", "status"], name="package_co_group"),
        ]

    def __str__(self) -> str:
        return f"P{self.pk}"

    @property
    def code(self) -> str:
        return f"P{self.pk:06d}" if self.pk else ""


class PackageOrder(CompanyOwned):
    """An order in a package. An order is in at most one package at a time."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="memberships")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="package_membership")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["package_id", "id"]


class PackageLock(CompanyOwned):
    """합포장 제외: the order always ships in its own package, never merged automatically or by hand."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="package_lock")
    reason = models.CharField(_("사유"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


class PackageScan(CompanyOwned):
    """One barcode read at the 출고검수 station, with what the check made of it."""

    class Result(models.TextChoices):
        OK = "ok", _("정상")
        WRONG = "wrong", _("오상품")
        EXTRA = "extra", _("초과")

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="scans")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    barcode = models.CharField(_("바코드"), max_length=60)
    result = models.CharField(_("결과"), max_length=10, choices=Result.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["package_id", "at", "id"]


class TrackingEventStatus(models.TextChoices):
    PICKED_UP = "picked_up", _("집화")
    IN_TRANSIT = "in_transit", _("배송중")
    OUT_FOR_DELIVERY = "out_for_delivery", _("배송출발")
    DELIVERED = "delivered", _("배송완료")
    EXCEPTION = "exception", _("배송이상")


class TrackingEvent(CompanyOwned):
    """A carrier's event for a package's tracking number, as the tracking provider normalised it."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("상태"), max_length=20, choices=TrackingEventStatus.choices)
    at = models.DateTimeField(_("일시"))
    location = models.CharField(_("위치"), max_length=200, blank=True)
    description = models.CharField(_("내용"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["package_id", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["package", "at", "status", "description"],
                                               name="trackingevent_unique")]


class LabelBatch(CompanyOwned):
    """One print of labels (운송장 출력): which packages, layout, the PDF once rendered (large batches
    render in a background job)."""

    packages = models.JSONField(default=list)  # package ids in print order
    layout = models.CharField(_("출력 형식"), max_length=10)
    count = models.PositiveIntegerField(_("건수"), default=0)
    pdf = models.BinaryField(null=True, blank=True, editable=False)  # served only through the company's screen
    job_run = models.ForeignKey("core.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def layout_label(self):
        from .labels import LAYOUT_LABELS

        return LAYOUT_LABELS.get(self.layout, self.layout)
