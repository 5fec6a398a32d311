"""Customer service (issue 13, CS-1..CS-5): claims on order lines (취소 / 반품 / 교환) with their own
flow and history, return inspection, inquiries with answers and templates, assignment, SMS.

A claim mirrors the marketplace's claim when it came from a channel (`channel_claim_id`, the raw
status beside ours; the marketplace's state is the truth about what happened there) or stands on its
own when entered by hand or started by the seller. Every state change goes through
`claims.services` and writes a `ClaimEvent`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned


class ClaimType(models.TextChoices):
    CANCEL = "cancel", _("취소")
    RETURN = "return", _("반품")
    EXCHANGE = "exchange", _("교환")


class ClaimStatus(models.TextChoices):
    """Our flow: 요청 → 승인 / 거부 / 보류 → (returns) 회수중 → 입고검수 → 완료;
    (exchanges) 회수 → 재발송 with a new shipment → 완료. 철회 when the buyer withdraws."""

    REQUESTED = "requested", _("요청")
    HELD = "held", _("보류")
    APPROVED = "approved", _("승인")
    REJECTED = "rejected", _("거부")
    COLLECTING = "collecting", _("회수중")
    INSPECTING = "inspecting", _("입고검수")
    RESHIPPING = "reshipping", _("재발송")
    COMPLETED = "completed", _("완료")
    WITHDRAWN = "withdrawn", _("철회")


# status groups (declared once, here)
WAITING_DECISION_STATUSES = (ClaimStatus.REQUESTED, ClaimStatus.HELD)
OPEN_CLAIM_STATUSES = (ClaimStatus.REQUESTED, ClaimStatus.HELD, ClaimStatus.APPROVED, ClaimStatus.COLLECTING,
                       ClaimStatus.INSPECTING, ClaimStatus.RESHIPPING)
CLOSED_CLAIM_STATUSES = (ClaimStatus.REJECTED, ClaimStatus.COMPLETED, ClaimStatus.WITHDRAWN)


class ClaimSource(models.TextChoices):
    CHANNEL = "channel", _("쇼핑몰 수집")
    MANUAL = "manual", _("직접 입력")
    SELLER = "seller", _("판매자 취소")


class Requester(models.TextChoices):
    BUYER = "buyer", _("구매자")
    SELLER = "seller", _("판매자")
    MARKETPLACE = "marketplace", _("쇼핑몰")


class FeePayer(models.TextChoices):
    BUYER = "buyer", _("구매자")
    SELLER = "seller", _("판매자")


class ReasonClass(models.TextChoices):
    """Return/exchange/cancel reasons grouped for the rates screens (CS-5)."""

    SIZE = "size", _("사이즈·색상")
    DEFECT = "defect", _("불량·파손")
    WRONG_ITEM = "wrong_item", _("오배송")
    CHANGE_OF_MIND = "change_of_mind", _("단순변심")
    DELIVERY = "delivery", _("배송 문제")
    SOLD_OUT = "sold_out", _("품절")
    OTHER = "other", _("기타")


class ClaimRun(CompanyOwned):
    """One claim (or inquiry) collection run of one account: the ledger of what it saw and did."""

    class What(models.TextChoices):
        CLAIMS = "claims", _("클레임")
        INQUIRIES = "inquiries", _("문의")

    class Status(models.TextChoices):
        RUNNING = "running", _("진행중")
        SUCCEEDED = "succeeded", _("완료")
        PARTIAL = "partial", _("일부 실패")
        FAILED = "failed", _("실패")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    what = models.CharField(_("구분"), max_length=20, choices=What.choices, default=What.CLAIMS)
    trigger = models.CharField(_("실행"), max_length=20, default="schedule")  # schedule | manual
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    seen = models.PositiveIntegerField(_("조회"), default=0)
    created = models.PositiveIntegerField(_("신규"), default=0)
    updated = models.PositiveIntegerField(_("변경"), default=0)
    unchanged = models.PositiveIntegerField(_("변경없음"), default=0)
    quarantined = models.PositiveIntegerField(_("보류(오류)"), default=0)
    error = models.TextField(_("오류"), blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "what", "-started_at"], name="claimrun_account")]


class ClaimQuarantine(CompanyOwned):
    """A claim or inquiry record that could not be read; the run went on without it."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ClaimRun, on_delete=models.CASCADE, null=True, blank=True, related_name="quarantine")
    record_id = models.CharField(max_length=120, blank=True)
    field = models.CharField(_("항목"), max_length=200, blank=True)
    message = models.CharField(_("사유"), max_length=500)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class Claim(CompanyOwned):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="claims", verbose_name=_("주문"))
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="claims",
                             verbose_name=_("주문상품"))
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("쇼핑몰"))
    channel_claim_id = models.CharField(_("쇼핑몰 클레임번호"), max_length=120, blank=True)  # empty: manual
    type = models.CharField(_("구분"), max_length=20, choices=ClaimType.choices)
    status = models.CharField(_("상태"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.REQUESTED)
    source = models.CharField(_("출처"), max_length=20, choices=ClaimSource.choices, default=ClaimSource.CHANNEL)
    requester = models.CharField(_("요청자"), max_length=20, choices=Requester.choices, default=Requester.BUYER)
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    raw_status = models.CharField(_("쇼핑몰 원 상태"), max_length=60, blank=True)
    channel_progress = models.CharField(_("쇼핑몰 진행"), max_length=20, blank=True)  # cs_models.ClaimProgress

    reason_code = models.CharField(_("사유 코드"), max_length=60, blank=True)
    reason_text = models.CharField(_("사유"), max_length=1000, blank=True)
    reason_class = models.CharField(_("사유 분류"), max_length=20, choices=ReasonClass.choices, blank=True)
    decision_note = models.CharField(_("처리 메모"), max_length=1000, blank=True)

    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    refund_amount = models.BigIntegerField(_("환불금액"), null=True, blank=True)  # minor unit
    return_shipping_fee = models.BigIntegerField(_("반품배송비"), default=0)
    return_fee_payer = models.CharField(_("배송비 부담"), max_length=10, choices=FeePayer.choices, blank=True)
    collect_carrier_key = models.CharField(_("회수 택배사"), max_length=30, blank=True)
    collect_tracking_number = models.CharField(_("회수 송장번호"), max_length=30, blank=True)
    exchange_option_text = models.CharField(_("교환 희망 옵션"), max_length=300, blank=True)
    exchange_sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("교환 SKU"))
    reship_carrier_key = models.CharField(_("재발송 택배사"), max_length=30, blank=True)
    reship_tracking_number = models.CharField(_("재발송 송장번호"), max_length=30, blank=True)

    requested_at = models.DateTimeField(_("요청일시"), default=timezone.now)
    decided_at = models.DateTimeField(_("처리일시"), null=True, blank=True)
    completed_at = models.DateTimeField(_("완료일시"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("처리자"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("담당자"))
    # the latest decision sent to the marketplace and how it went (outbox): "" | pending | sent | failed
    push_state = models.CharField(_("쇼핑몰 전송"), max_length=20, blank=True)
    push_error = models.CharField(_("전송 오류"), max_length=1000, blank=True)

    raw = models.JSONField(_("원본 데이터"), default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    created_run = models.ForeignKey(ClaimRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("클레임")
        verbose_name_plural = _("클레임")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "channel_claim_id"],
                                    condition=~models.Q(channel_claim_id=""), name="claim_unique_per_account"),
        ]
        indexes = [
            models.Index(fields=["company", "status", "-requested_at"], name="claim_co_status"),
            models.Index(fields=["company", "type", "-requested_at"], name="claim_co_type"),
            models.Index(fields=["company", "assignee", "status"], name="claim_co_assignee"),
            models.Index(fields=["company", "-requested_at", "-id"], name="claim_co_requested"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.channel_claim_id or self.pk}"


class ClaimEventKind(models.TextChoices):
    COLLECTED = "collected", _("클레임 수집")
    CHANNEL_STATUS = "channel_status", _("쇼핑몰 상태 변경")
    CREATED = "created", _("클레임 등록")
    STATUS = "status", _("상태 변경")
    ASSIGNED = "assigned", _("담당자 변경")
    INSPECTED = "inspected", _("입고검수")
    RESHIPPED = "reshipped", _("재발송")
    STOCK = "stock", _("재고 반영")
    PUSH_SENT = "push_sent", _("쇼핑몰 전송 완료")
    PUSH_FAILED = "push_failed", _("쇼핑몰 전송 실패")
    NOTE = "note", _("메모")
    SMS = "sms", _("문자 발송")


class ClaimEvent(CompanyOwned):
    """The claim's history: every change, old → new, who and when."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("구분"), max_length=20, choices=ClaimEventKind.choices)
    message = models.CharField(_("내용"), max_length=1000, blank=True)
    old_value = models.CharField(max_length=100, blank=True)
    new_value = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("작업자"))
    created_at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="claimevent_claim")]


class InspectionOutcome(models.TextChoices):
    RESTOCK = "restock", _("정상 재입고")
    DEFECT = "defect", _("불량")
    DISPOSE = "dispose", _("폐기")


class ClaimInspection(CompanyOwned):
    """입고검수 of a returned (or exchanged-back) item: per SKU how many units go where. Only RESTOCK
    puts stock back (ledger movement `return`, reference the claim)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="inspections")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("수량"))
    outcome = models.CharField(_("판정"), max_length=20, choices=InspectionOutcome.choices)
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("창고"))
    note = models.CharField(_("메모"), max_length=300, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class InquiryKind(models.TextChoices):
    PRODUCT = "product", _("상품문의")
    ORDER = "order", _("주문문의")
    CALLCENTER = "callcenter", _("고객센터 문의")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("미답변")
    SENDING = "sending", _("답변 전송중")
    ANSWERED = "answered", _("답변완료")
    FAILED = "failed", _("전송 실패")


class Inquiry(CompanyOwned):
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰"))
    channel_inquiry_id = models.CharField(_("쇼핑몰 문의번호"), max_length=120)
    kind = models.CharField(_("구분"), max_length=20, choices=InquiryKind.choices)
    status = models.CharField(_("상태"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
    category = models.CharField(_("문의 유형"), max_length=60, blank=True)
    title = models.CharField(_("제목"), max_length=300, blank=True)
    body = models.TextField(_("내용"))
    buyer_name = models.CharField(_("작성자"), max_length=100, blank=True)
    buyer_id = models.CharField(_("작성자 ID"), max_length=100, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("주문"))
    line = models.ForeignKey("orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    channel_order_id = models.CharField(_("주문번호"), max_length=100, blank=True)
    channel_product_id = models.CharField(_("쇼핑몰 상품코드"), max_length=100, blank=True)
    product_name = models.CharField(_("상품명"), max_length=300, blank=True)
    option_text = models.CharField(_("옵션"), max_length=300, blank=True)
    asked_at = models.DateTimeField(_("문의일시"))
    due_at = models.DateTimeField(_("답변기한"), null=True, blank=True)
    answered_at = models.DateTimeField(_("답변일시"), null=True, blank=True)
    channel_answer_id = models.CharField(max_length=120, blank=True)
    answer_text = models.TextField(_("답변"), blank=True)  # the answer the marketplace holds
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("담당자"))
    raw = models.JSONField(default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("문의")
        verbose_name_plural = _("문의")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "account", "channel_inquiry_id", "kind"],
                                    name="inquiry_unique_per_account"),
        ]
        indexes = [
            models.Index(fields=["company", "status", "asked_at"], name="inquiry_co_status"),
            models.Index(fields=["company", "assignee", "status"], name="inquiry_co_assignee"),
        ]


class InquiryAnswer(CompanyOwned):
    """One answer written in marketdock and its delivery (outbox): what was sent, by whom, the result."""

    class Status(models.TextChoices):
        PENDING = "pending", _("전송 대기")
        SENT = "sent", _("전송 완료")
        FAILED = "failed", _("전송 실패")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("답변"))
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(_("오류"), max_length=1000, blank=True)
    is_edit = models.BooleanField(default=False)
    template = models.ForeignKey("claims.AnswerTemplate", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    suggested_score = models.FloatField(null=True, blank=True)  # when the text started from a suggestion
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("작성자"))
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class InquiryEvent(CompanyOwned):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("구분"), max_length=20, choices=ClaimEventKind.choices)
    message = models.CharField(_("내용"), max_length=1000, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class AnswerTemplate(CompanyOwned):
    """A reusable answer with variables: {구매자}, {상품명}, {주문번호}, {송장번호}, {택배사}."""

    name = models.CharField(_("이름"), max_length=100)
    category = models.CharField(_("분류"), max_length=60, blank=True)
    text = models.TextField(_("내용"))
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="answertemplate_unique_name")]


class AssignmentRule(CompanyOwned):
    """Optional automatic 담당자 for new claims and inquiries (CS-3): round-robin over `users`, or by
    channel account (`account` set: everything of that account goes to its first user)."""

    class Mode(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("순서대로 배정")
        BY_CHANNEL = "by_channel", _("쇼핑몰별 배정")

    class Target(models.TextChoices):
        CLAIMS = "claims", _("클레임")
        INQUIRIES = "inquiries", _("문의")
        BOTH = "both", _("클레임·문의")

    mode = models.CharField(_("방식"), max_length=20, choices=Mode.choices)
    target = models.CharField(_("대상"), max_length=20, choices=Target.choices, default=Target.BOTH)
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("쇼핑몰"))
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("담당자"))
    is_active = models.BooleanField(_("사용"), default=True)
    cursor = models.PositiveIntegerField(default=0)  # round-robin position
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class AssignmentChange(CompanyOwned):
    """담당자 history for claims and inquiries (one table for both)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments")
    old_assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    new_assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    by_rule = models.ForeignKey(AssignmentRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class SmsSender(CompanyOwned):
    """A company's sender number (발신번호): Korean law requires it to be registered and verified."""

    number = models.CharField(_("발신번호"), max_length=20)
    label = models.CharField(_("이름"), max_length=60, blank=True)
    verified_at = models.DateTimeField(_("인증일시"), null=True, blank=True)
    is_default = models.BooleanField(_("기본"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # the verification code sent to the number (only its hash), until it is confirmed
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-is_default", "id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="smssender_unique")]


class SmsMessage(CompanyOwned):
    """The message log (CS-4): who sent what to whom (number masked) and the provider's result. The
    full number is never stored here."""

    class Status(models.TextChoices):
        PENDING = "pending", _("발송 대기")
        SENT = "sent", _("발송 완료")
        FAILED = "failed", _("발송 실패")

    sender = models.ForeignKey(SmsSender, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sender_number = models.CharField(_("발신번호"), max_length=20)
    to_masked = models.CharField(_("수신번호"), max_length=20)
    to_name = models.CharField(_("수신자"), max_length=100, blank=True)
    text = models.TextField(_("내용"))
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(_("발송사"), max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(_("오류"), max_length=500, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("발송자"))
    created_at = models.DateTimeField(_("일시"), default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="smsmessage_co_created")]
