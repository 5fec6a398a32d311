"""Orders collected from every channel (ORD-1..3, ORD-11).

An `Order` is one marketplace order of one channel account; its `OrderLine`s are the marketplace's
order lines, unique per (company, account, channel_line_id) so re-collecting never duplicates.
A line matched to the seller's SKUs has `OrderLineComponent` rows (SKU × units for the whole line).
`OrderEvent` is the order's history. A `CollectionRun` is one collection (scheduled, on demand or
backfill) with its ledger counts; records that could not be read are kept as `QuarantinedRecord`.
`MatchRule` remembers a manual match so waiting and future lines match by themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketdock.core.models import CompanyOwned


class OrderStatus(models.TextChoices):
    """The OMS status flow (ORD-4): 신규 → 주문확정 → 출고준비 → 출고완료 → 배송중 → 배송완료, plus 보류, 취소."""

    NEW = "new", _("신규")
    CONFIRMED = "confirmed", _("주문확정")
    READY = "ready", _("출고준비")
    SHIPPED = "shipped", _("출고완료")
    IN_TRANSIT = "in_transit", _("배송중")
    DELIVERED = "delivered", _("배송완료")
    HOLD = "hold", _("보류")
    CANCELLED = "cancelled", _("취소")


# Status groups, declared once (plain strings: a str-mixin Enum member hashes by its name, so
# `"new" in {OrderStatus.NEW}` is False). Every status set of the code is one of these.
_S = OrderStatus
# the goods have not left: an order here can be delayed, edited, reserved; a line here has a 출고기한
OPEN_STATUSES = frozenset(s.value for s in (_S.NEW, _S.CONFIRMED, _S.READY, _S.HOLD))
# the goods have left (출고완료, 배송중, 배송완료)
SHIPPED_STATUSES = frozenset(s.value for s in (_S.SHIPPED, _S.IN_TRANSIT, _S.DELIVERED))
# orders the warehouse packs and ships now (주문확정, 출고준비)
SHIPPABLE_STATUSES = frozenset(s.value for s in (_S.CONFIRMED, _S.READY))
# orders stopped from leaving (보류, 취소)
STOPPED_STATUSES = frozenset(s.value for s in (_S.HOLD, _S.CANCELLED))
# the forward order of the flow (보류 and 취소 are off it)
FLOW_SEQUENCE = tuple(s.value for s in (_S.NEW, _S.CONFIRMED, _S.READY, _S.SHIPPED, _S.IN_TRANSIT, _S.DELIVERED))


def status_label(value: str) -> str:
    """The status in the user's language (an unknown code reads as itself)."""
    try:
        return str(OrderStatus(value).label)
    except ValueError:
        return value


class ChannelStatus(models.TextChoices):
    """The marketplace's status of a line, canonical (connectors map raw statuses onto these)."""

    NEW = "new", _("결제완료")
    CONFIRMED = "confirmed", _("발주확인")
    READY = "ready", _("상품준비중")
    SHIPPED = "shipped", _("배송지시")
    IN_TRANSIT = "in_transit", _("배송중")
    DELIVERED = "delivered", _("배송완료")
    CANCEL_REQUESTED = "cancel_requested", _("취소요청")
    CANCELLED = "cancelled", _("취소완료")
    RETURN_REQUESTED = "return_requested", _("반품요청")
    RETURNED = "returned", _("반품완료")
    EXCHANGE_REQUESTED = "exchange_requested", _("교환요청")
    HOLD = "hold", _("보류")


class DueSource(models.TextChoices):
    """Where a line's 출고기한 comes from."""

    MARKETPLACE = "marketplace", _("쇼핑몰 기한")
    RULE = "rule", _("출고 규칙")
    DELAY = "delay", _("발송지연")

class ClaimState(models.TextChoices):
    """A buyer's request the marketplace has not decided yet: the line must not be confirmed, printed
    or shipped meanwhile (the claims screens decide it)."""

    CANCEL = "cancel", _("취소요청")
    RETURN = "return", _("반품요청")
    EXCHANGE = "exchange", _("교환요청")


class MatchStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("미매칭")
    MATCHED = "matched", _("매칭")


class MatchSource(models.TextChoices):
    MAPPING = "mapping", _("상품연동")
    CODE = "code", _("판매자코드")
    RULE = "rule", _("매칭규칙")
    MANUAL = "manual", _("수동")


class StockState(models.TextChoices):
    NONE = "none", _("미할당")
    RESERVED = "reserved", _("할당")
    SHORT = "short", _("재고부족")
    DEDUCTED = "deducted", _("출고차감")
    RELEASED = "released", _("할당해제")
    UNMANAGED = "unmanaged", _("재고관리안함")
    OUTSIDE = "outside", _("외부출고(재고 미차감)")  # the marketplace shipped it without marketdock


class CollectionRun(CompanyOwned):
    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("자동")
        MANUAL = "manual", _("지금 수집")
        BACKFILL = "backfill", _("기간 수집")
        UPLOAD = "upload", _("엑셀 업로드")

    class Status(models.TextChoices):
        RUNNING = "running", _("진행중")
        SUCCEEDED = "succeeded", _("완료")
        PARTIAL = "partial", _("일부 실패")
        FAILED = "failed", _("실패")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="collection_runs")
    job_run = models.ForeignKey("core.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    trigger = models.CharField(_("구분"), max_length=20, choices=Trigger.choices)
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    window_start = models.DateTimeField(_("수집기간 시작"), null=True, blank=True)
    window_end = models.DateTimeField(_("수집기간 끝"), null=True, blank=True)
    seen = models.PositiveIntegerField(_("조회"), default=0)
    created = models.PositiveIntegerField(_("신규"), default=0)
    updated = models.PositiveIntegerField(_("변경"), default=0)
    unchanged = models.PositiveIntegerField(_("변경없음"), default=0)
    quarantined = models.PositiveIntegerField(_("보류(오류)"), default=0)
    pages = models.PositiveIntegerField(_("페이지"), default=0)
    error = models.TextField(_("오류"), blank=True)
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    finished_at = models.DateTimeField(_("종료"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["company", "-started_at"]), models.Index(fields=["account", "-started_at"])]


class Order(CompanyOwned):
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("쇼핑몰"))
    channel_order_id = models.CharField(_("주문번호"), max_length=100)
    bundle_id = models.CharField(_("배송묶음번호"), max_length=100, blank=True)
    status = models.CharField(_("상태"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW)
    ordered_at = models.DateTimeField(_("주문일시"))
    paid_at = models.DateTimeField(_("결제일시"), null=True, blank=True)
    collected_at = models.DateTimeField(_("수집일시"), default=timezone.now)
    changed_at = models.DateTimeField(_("변경일시"), default=timezone.now)

    buyer_name = models.CharField(_("주문자"), max_length=100, blank=True)
    buyer_phone = models.CharField(_("주문자 전화"), max_length=30, blank=True)
    buyer_email = models.CharField(_("주문자 이메일"), max_length=200, blank=True)
    recipient_name = models.CharField(_("수령자"), max_length=100, blank=True)
    recipient_phone = models.CharField(_("수령자 전화"), max_length=30, blank=True)
    recipient_postal_code = models.CharField(_("우편번호"), max_length=10, blank=True)
    recipient_address1 = models.CharField(_("주소"), max_length=300, blank=True)
    recipient_address2 = models.CharField(_("상세주소"), max_length=300, blank=True)
    recipient_country = models.CharField(_("국가"), max_length=2, default="KR")
    delivery_message = models.CharField(_("배송메시지"), max_length=300, blank=True)
    address_changed = models.BooleanField(_("수집 후 주소 변경"), default=False)

    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    total_amount = models.BigIntegerField(_("결제금액"), default=0)  # the currency's minor unit (1 = 1원, 1 = 1 cent)
    shipping_fee = models.BigIntegerField(_("배송비"), default=0)

    # normalized digits of buyer phone and a key of name+phone for history / duplicate checks (ORD-11)
    buyer_phone_digits = models.CharField(max_length=20, blank=True, db_index=True)
    recipient_phone_digits = models.CharField(max_length=20, blank=True, db_index=True)
    buyer_key = models.CharField(max_length=64, blank=True, db_index=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("중복 의심 주문"))

    is_matched = models.BooleanField(_("매칭 완료"), default=False)
    stock_state = models.CharField(_("재고"), max_length=20, choices=StockState.choices, default=StockState.NONE)
    claim = models.CharField(_("클레임"), max_length=20, choices=ClaimState.choices, blank=True)  # of any active line
    line_count = models.PositiveIntegerField(default=0)
    item_summary = models.CharField(_("상품"), max_length=300, blank=True)  # first line's name (+ N more)
    search_text = models.TextField(blank=True)  # product names, option texts, order no. for text search

    # status flow (ORD-4..7): the status before a hold, the expected ship date after a delay
    hold_from = models.CharField(_("보류 전 상태"), max_length=20, choices=OrderStatus.choices, blank=True)
    hold_reason = models.CharField(_("보류 사유"), max_length=300, blank=True)
    expected_ship_date = models.DateField(_("발송예정일"), null=True, blank=True)
    delay_reason_code = models.CharField(_("발송지연 사유"), max_length=30, blank=True)
    delay_message = models.CharField(_("발송지연 상세사유"), max_length=300, blank=True)
    shipped_at = models.DateTimeField(_("출고일시"), null=True, blank=True)
    # 출고기한: the earliest deadline (KST date) of the lines still to ship; empty once none is left
    dispatch_due = models.DateField(_("출고기한"), null=True, blank=True)

    created_run = models.ForeignKey(CollectionRun, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="created_orders")
    changed_run = models.ForeignKey(CollectionRun, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="changed_orders")

    class Meta:
        verbose_name = _("주문")
        verbose_name_plural = _("주문")
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "channel_order_id"], name="order_unique_per_account"),
        ]
        indexes = [
            models.Index(fields=["company", "-ordered_at", "-id"], name="order_co_ordered"),
            models.Index(fields=["company", "-collected_at", "-id"], name="order_co_collected"),
            models.Index(fields=["company", "status", "-ordered_at", "-id"], name="order_co_status_ordered"),
            models.Index(fields=["company", "account", "-ordered_at", "-id"], name="order_co_account_ordered"),
            models.Index(fields=["company", "is_matched", "-ordered_at"], name="order_co_matched"),
            models.Index(fields=["company", "dispatch_due", "id"], name="order_co_due"),
            models.Index(fields=["company", "changed_at"], name="order_co_changed"),  # analytics' refresh scan
        ]

    def __str__(self) -> str:
        return self.channel_order_id


class OrderLine(CompanyOwned):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="+")
    channel_line_id = models.CharField(_("주문상세번호"), max_length=120)
    channel_product_id = models.CharField(_("쇼핑몰 상품코드"), max_length=100, blank=True)
    channel_option_id = models.CharField(_("쇼핑몰 옵션코드"), max_length=100, blank=True)
    product_name = models.CharField(_("상품명"), max_length=300, blank=True)
    option_text = models.CharField(_("옵션"), max_length=300, blank=True)
    seller_product_code = models.CharField(_("판매자상품코드"), max_length=100, blank=True)
    seller_option_code = models.CharField(_("판매자옵션코드"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    cancelled_quantity = models.PositiveIntegerField(_("취소수량"), default=0)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")  # amounts below: its minor unit
    unit_price = models.BigIntegerField(_("판매가"), default=0)
    discount_amount = models.BigIntegerField(_("할인"), default=0)
    total_amount = models.BigIntegerField(_("결제금액"), default=0)

    status = models.CharField(_("상태"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.NEW)
    channel_status = models.CharField(_("쇼핑몰 상태"), max_length=30, choices=ChannelStatus.choices)
    raw_status = models.CharField(_("쇼핑몰 원 상태"), max_length=60, blank=True)
    raw_claim_status = models.CharField(_("클레임 원 상태"), max_length=60, blank=True)
    claim = models.CharField(_("클레임"), max_length=20, choices=ClaimState.choices, blank=True)

    match_status = models.CharField(_("매칭"), max_length=20, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED)
    match_source = models.CharField(_("매칭 방법"), max_length=20, choices=MatchSource.choices, blank=True)
    match_key = models.CharField(max_length=64, blank=True, db_index=True)  # for rules: hash of product+option
    stock_state = models.CharField(_("재고"), max_length=20, choices=StockState.choices, default=StockState.NONE)

    # shipment of the line (ORD-6 partial shipment: lines ship on their own)
    shipping_method = models.CharField(_("배송방법"), max_length=20, blank=True)  # parcel | visit | direct
    carrier_key = models.CharField(_("택배사"), max_length=30, blank=True)  # shipping.Carrier.key
    tracking_number = models.CharField(_("송장번호"), max_length=30, blank=True)
    shipped_at = models.DateTimeField(_("출고일시"), null=True, blank=True)
    dispatch_due = models.DateField(_("출고기한"), null=True, blank=True)  # KST date
    dispatch_due_source = models.CharField(_("출고기한 근거"), max_length=20, choices=DueSource.choices, blank=True)

    raw = models.JSONField(_("원본 데이터"), default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)  # detects "unchanged" on re-collection
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "channel_line_id"], name="orderline_unique_per_account"),
        ]
        indexes = [
            models.Index(fields=["company", "match_status"], name="orderline_co_match"),
            models.Index(fields=["account", "channel_product_id", "channel_option_id"], name="orderline_product"),
            models.Index(fields=["company", "updated_at"], name="orderline_co_updated"),  # analytics' refresh scan
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.option_text} ×{self.quantity}"


class OrderSettings(CompanyOwned):
    """The company's order handling choices (one row per company, created on first save)."""

    deduct_outside_shipments = models.BooleanField(
        _("쇼핑몰에서 직접 출고된 주문도 재고 차감"), default=False,
        help_text=_("쇼핑몰 관리화면에서 이미 발송·배송된 주문을 수집하면 재고를 한 번 차감합니다. "
                    "끄면 재고를 할당·차감하지 않습니다 (다른 창고나 위탁배송에서 나간 상품)."))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company"], name="ordersettings_unique")]


class OrderLineComponent(CompanyOwned):
    """The SKUs a matched line ships: `quantity` units of `sku` for the whole line."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="components")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "sku"], name="orderlinecomponent_unique")]


class EventKind(models.TextChoices):
    """What an OrderEvent records; the screens show the label, never the code."""

    COLLECTED = "collected", _("주문 수집")
    CHANNEL_STATUS = "channel_status", _("쇼핑몰 상태 변경")
    ADDRESS = "address", _("주소 변경")
    DUPLICATE = "duplicate", _("중복 의심")
    MATCHED = "matched", _("매칭")
    UNMATCHED = "unmatched", _("매칭 해제")
    STATUS = "status", _("상태 변경")
    STOCK_RESERVED = "stock_reserved", _("재고 할당")
    STOCK_SHORT = "stock_short", _("재고 부족")
    STOCK_RELEASED = "stock_released", _("재고할당 해제")
    STOCK_ERROR = "stock_error", _("재고 처리 오류")
    DELAY = "delay", _("발송지연")
    EDIT = "edit", _("주문 정보 수정")
    EFFECT_SENT = "effect_sent", _("쇼핑몰 전송 완료")
    EFFECT_FAILED = "effect_failed", _("쇼핑몰 전송 실패")
    EFFECT_RETRY = "effect_retry", _("쇼핑몰 재전송")
    MARKETPLACE_PROGRESS = "marketplace_progress", _("쇼핑몰 진행 반영")
    SHIPPED_OUTSIDE = "shipped_outside", _("쇼핑몰 직접 출고")


class OrderEvent(CompanyOwned):
    """The order's history: collected, changed (old → new), matched, status changes, stock, notes."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    kind = models.CharField(_("구분"), max_length=30, choices=EventKind.choices)  # written by orders/events.py
    message = models.CharField(_("내용"), max_length=500)
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"])]

    @property
    def kind_label(self) -> str:
        """The kind in the user's language (a kind without a label reads as 기록, never as its code)."""
        try:
            return EventKind(self.kind).label
        except ValueError:
            return pgettext_lazy("order event", "기록")


class OrderEffect(CompanyOwned):
    """One write to the marketplace caused by an order (발주확인, 송장전송, 발송지연), linked to its outbox
    message. The delivery state is the message's; `state` adds what the marketplace answered per line
    (a message delivered with some lines refused is "failed" here with the marketplace's words)."""

    class State(models.TextChoices):
        PENDING = "pending", _("전송 대기")
        SENT = "sent", _("전송 완료")
        FAILED = "failed", _("전송 실패")
        SUPERSEDED = "superseded", _("취소됨")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="effects")
    message = models.ForeignKey("outbox.OutboxMessage", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("구분"), max_length=20)  # confirm | dispatch | delay
    state = models.CharField(_("결과"), max_length=20, choices=State.choices, default=State.PENDING)
    error = models.TextField(_("오류 내용"), blank=True)
    failed_lines = models.JSONField(default=list, blank=True)  # channel line ids the marketplace refused
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "message"], name="ordereffect_unique")]
        indexes = [models.Index(fields=["company", "state"], name="ordereffect_co_state")]


class QuarantinedRecord(CompanyOwned):
    """A marketplace record that could not be read; the batch went on without it (ORD-1)."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(CollectionRun, on_delete=models.CASCADE, null=True, blank=True, related_name="quarantine")
    channel_order_id = models.CharField(max_length=100, blank=True)
    channel_line_id = models.CharField(max_length=120, blank=True)
    field = models.CharField(_("항목"), max_length=200, blank=True)
    message = models.CharField(_("사유"), max_length=500)
    raw = models.JSONField(default=dict, blank=True)
    resolved = models.BooleanField(_("처리됨"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class MatchRule(CompanyOwned):
    """A remembered manual match (ORD-3): lines with the same key (channel account + product id +
    option id, or product name + option text when the channel has no ids) match to the components.
    Without an account the rule holds on every account, keyed by product name + option text."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("쇼핑몰"))
    match_key = models.CharField(max_length=64)
    channel_product_id = models.CharField(_("쇼핑몰 상품코드"), max_length=100, blank=True)
    channel_option_id = models.CharField(_("쇼핑몰 옵션코드"), max_length=100, blank=True)
    product_name = models.CharField(_("상품명"), max_length=300, blank=True)
    option_text = models.CharField(_("옵션"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "match_key"], name="matchrule_unique"),
            # account empty = the rule holds on every channel account (key: product name + option text)
            models.UniqueConstraint(fields=["company", "match_key"], condition=models.Q(account__isnull=True),
                                    name="matchrule_unique_all_accounts"),
        ]


class MatchRuleComponent(CompanyOwned):
    rule = models.ForeignKey(MatchRule, on_delete=models.CASCADE, related_name="components")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)  # units per 1 ordered

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "sku"], name="matchrulecomponent_unique")]


class ExportTemplate(CompanyOwned):
    """A user-defined Excel download layout (ORD-8): chosen columns in order, saved by name."""

    name = models.CharField(_("양식명"), max_length=100)
    columns = models.JSONField(_("열"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="exporttemplate_unique")]


class UploadMapping(CompanyOwned):
    """A per-channel column mapping for order Excel uploads (ORD-10). Built-in mappings (Naver,
    Coupang order-export files) live in code; these are the user's own."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="upload_mappings")
    name = models.CharField(_("매핑명"), max_length=100)
    header_row = models.PositiveSmallIntegerField(_("제목 행"), default=1)
    columns = models.JSONField(_("열 매핑"), default=dict)  # OMS field → column header text
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "account", "name"], name="uploadmapping_unique")]
