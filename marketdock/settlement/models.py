"""Money (issue 14, STL-1..STL-6): what each order line should pay the seller, what the marketplace
actually paid, the differences, store sales and the daily sales figures.

- `CommissionRule`: a channel account's commission rates, optionally for one category and/or a
  period (rates change); the most specific rule in force on the line's date wins.
- `PayoutSchedule`: when an account pays (Naver: purchase confirmation + N business days, Coupang
  weekly/monthly, Shopify payout days, others as set).
- `ExpectedSettlement`: one row per order line — sale amount, discounts, shipping share,
  commissions, expected payout and its date, and whether the figures came from the marketplace
  (reported on the line) or from a rule.
- `SettlementAdjustment`: money after the fact (a refund after payout, a return shipping fee …),
  signed, with the commission given back.
- `SettlementRun` / `SettlementRecord`: an import (API or file) or reconciliation run, and the
  marketplace's settled rows (mirroring `channels.connectors.settlement_models.ChannelSettlement`).
- `Reconciliation`: per line (or per unknown paid row), the outcome of comparing expected with paid.
- `SettlementIssue` (+ `SettlementIssueEvent`): the 정산 오류 queue and its history.
- `StoreSale` / `StoreSaleLine`: 매장 매출 entered at a store warehouse (STL-6).
- `DailySales`: the day rollup behind the sales figures (STL-5), per channel account or store,
  SKU and currency. `RecomputeQueue` / `SalesDirtyDay` debounce recomputation.

Money is an integer in the currency's minor unit beside its currency (core/money.py); a deduction
(commission, fee) is a positive number in its own column, payouts and adjustments are signed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned
from marketdock.core.money import format_money

# --- commission rules and payout schedules (STL-1) ---------------------------------------------------


class CommissionRule(CompanyOwned):
    """Rates in percent (3.63 = 3.63%) of the amounts they apply to; fixed fees in minor units."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰 계정"))
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("분류"))
    valid_from = models.DateField(_("적용 시작일"), null=True, blank=True)
    valid_to = models.DateField(_("적용 종료일"), null=True, blank=True)
    sale_rate = models.DecimalField(_("판매수수료율(%)"), max_digits=6, decimal_places=3, default=0)
    payment_rate = models.DecimalField(_("결제수수료율(%)"), max_digits=6, decimal_places=3, default=0)
    shipping_rate = models.DecimalField(_("배송비 수수료율(%)"), max_digits=6, decimal_places=3, default=0)
    fixed_fee_per_line = models.BigIntegerField(_("건당 고정수수료(상품)"), default=0)
    fixed_fee_per_order = models.BigIntegerField(_("건당 고정수수료(주문)"), default=0)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")  # of the fixed fees
    # how a refund gives the commission back: all of it, or none (the marketplace keeps it)
    refund_reverses_commission = models.BooleanField(_("환불 시 수수료 환급"), default=True)
    source_note = models.CharField(_("근거"), max_length=300, blank=True)
    is_seeded = models.BooleanField(_("기본값"), default=False)
    memo = models.CharField(_("메모"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("수수료 규칙")
        verbose_name_plural = _("수수료 규칙")
        ordering = ["account_id", "category_id", "-valid_from", "id"]
        indexes = [models.Index(fields=["company", "account"], name="commrule_co_account")]


class ScheduleKind(models.TextChoices):
    AFTER_CONFIRM = "after_confirm", _("구매확정 후 영업일")
    AFTER_DELIVERY = "after_delivery", _("배송완료 후 영업일")
    WEEKLY = "weekly", _("주정산")
    MONTHLY = "monthly", _("월정산")
    PAYOUT_DAYS = "payout_days", _("결제 후 지급일")


class PayoutSchedule(CompanyOwned):
    """When an account's money arrives. `days`: business days after the basis (AFTER_CONFIRM,
    AFTER_DELIVERY, PAYOUT_DAYS); WEEKLY pays on `weekday` (0 = Monday) of the week after the
    basis week + `days` weeks; MONTHLY on `month_day` of the month after the basis month."""

    account = models.OneToOneField("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("쇼핑몰 계정"))
    kind = models.CharField(_("정산 주기"), max_length=20, choices=ScheduleKind.choices,
                            default=ScheduleKind.AFTER_CONFIRM)
    days = models.PositiveSmallIntegerField(_("지급까지 영업일"), default=1)
    weekday = models.PositiveSmallIntegerField(_("지급 요일"), default=0)
    month_day = models.PositiveSmallIntegerField(_("지급일"), default=15)
    # when the buyer never confirms, marketplaces confirm automatically after this many days
    auto_confirm_days = models.PositiveSmallIntegerField(_("자동 구매확정(일)"), default=8)
    source_note = models.CharField(_("근거"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("정산 주기")
        verbose_name_plural = _("정산 주기")


# --- expected settlement per line (STL-1, STL-2) ----------------------------------------------------


class FigureSource(models.TextChoices):
    MARKETPLACE = "marketplace", _("쇼핑몰 제공")
    RULE = "rule", _("수수료 규칙")
    NONE = "none", _("규칙 없음")


class ExpectedState(models.TextChoices):
    WAITING = "waiting", _("구매확정 대기")  # payout date not known yet (estimated)
    SCHEDULED = "scheduled", _("지급 예정")
    PAID = "paid", _("지급 완료")
    CANCELLED = "cancelled", _("취소(정산 제외)")


class ExpectedSettlement(CompanyOwned):
    line = models.OneToOneField("orders.OrderLine", on_delete=models.CASCADE, related_name="expected_settlement",
                                verbose_name=_("주문상품"))
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    quantity = models.IntegerField(_("정산수량"), default=0)  # ordered − cancelled/refunded before payout
    sale_amount = models.BigIntegerField(_("판매금액"), default=0)  # before any discount
    seller_discount = models.BigIntegerField(_("판매자 할인"), default=0)
    marketplace_discount = models.BigIntegerField(_("쇼핑몰 부담 할인"), default=0)
    shipping_fee = models.BigIntegerField(_("배송비"), default=0)  # this line's share of the order's fee
    sale_commission = models.BigIntegerField(_("판매수수료"), default=0)
    payment_commission = models.BigIntegerField(_("결제수수료"), default=0)
    shipping_commission = models.BigIntegerField(_("배송비 수수료"), default=0)
    fixed_fee = models.BigIntegerField(_("고정수수료"), default=0)
    cancelled_quantity = models.IntegerField(_("취소·환불수량"), default=0)  # taken out before payout
    refunded_amount = models.BigIntegerField(_("환불금액"), default=0)  # before payout (already out of sale)
    buyer_return_fee = models.BigIntegerField(_("구매자 부담 반품배송비"), default=0)  # added to the payout
    expected_payout = models.BigIntegerField(_("정산예정금액"), default=0)
    basis_date = models.DateField(_("정산 기준일"), null=True, blank=True)  # confirmation / delivery / payment
    payout_date = models.DateField(_("지급예정일"), null=True, blank=True)  # the marketplace's pay day once paid
    # the day the channel's schedule owes the payout: kept when the marketplace pays on another day, so a
    # late payment stays late after the paid record moved payout_date
    due_date = models.DateField(_("지급기한"), null=True, blank=True)
    payout_estimated = models.BooleanField(_("예상 지급일"), default=True)  # basis not reached yet
    state = models.CharField(_("상태"), max_length=20, choices=ExpectedState.choices, default=ExpectedState.WAITING)
    source = models.CharField(_("수수료 근거"), max_length=20, choices=FigureSource.choices,
                              default=FigureSource.RULE)
    rule = models.ForeignKey(CommissionRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order_date = models.DateField(_("주문일"), null=True, blank=True)  # KST
    recomputed_at = models.DateTimeField(_("계산 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("정산예정")
        verbose_name_plural = _("정산예정")
        indexes = [models.Index(fields=["company", "payout_date"], name="expset_co_payout"),
                   models.Index(fields=["company", "account", "order_date"], name="expset_co_acc_day"),
                   models.Index(fields=["company", "state"], name="expset_co_state")]


class AdjustmentKind(models.TextChoices):
    REFUND = "refund", _("환불(지급 후)")
    RETURN_SHIPPING = "return_shipping", _("반품배송비")
    OTHER = "other", _("기타 조정")


class SettlementAdjustment(CompanyOwned):
    """Money booked after the line's payout: `amount` the sale given back (negative),
    `commission_reversed` the commission the marketplace returns (positive), `shipping_fee` a
    return shipping fee the buyer pays and the seller keeps (positive), `net` their signed sum.
    `key` makes re-computation idempotent (one row per claim and kind)."""

    key = models.CharField(max_length=120)
    kind = models.CharField(_("구분"), max_length=20, choices=AdjustmentKind.choices)
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="settlement_adjustments")
    claim = models.ForeignKey("claims.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    quantity = models.IntegerField(_("수량"), default=0)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    amount = models.BigIntegerField(_("환불금액"), default=0)
    commission_reversed = models.BigIntegerField(_("수수료 환급"), default=0)
    shipping_fee = models.BigIntegerField(_("반품배송비"), default=0)
    net = models.BigIntegerField(_("조정금액"), default=0)
    booked_on = models.DateField(_("조정일"))
    note = models.CharField(_("메모"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("정산 조정")
        verbose_name_plural = _("정산 조정")
        constraints = [models.UniqueConstraint(fields=["company", "key"], name="settleadj_unique_key")]
        indexes = [models.Index(fields=["company", "account", "booked_on"], name="settleadj_co_acc_day")]


class RecomputeQueue(CompanyOwned):
    """Order lines whose expected settlement must be recomputed (the orders/claims hooks add rows;
    one debounced job drains them in bulk)."""

    line_id = models.BigIntegerField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "line_id"], name="recompq_unique_line")]


# --- actual settlement import and reconciliation (STL-3) --------------------------------------------


class SettlementRun(CompanyOwned):
    class What(models.TextChoices):
        IMPORT = "import", _("정산 가져오기")
        FILE = "file", _("정산 파일 업로드")
        RECONCILE = "reconcile", _("정산 대사")

    class Status(models.TextChoices):
        RUNNING = "running", _("진행중")
        DONE = "done", _("완료")
        PARTIAL = "partial", _("일부 실패")
        FAILED = "failed", _("실패")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("쇼핑몰 계정"))
    job_run = models.ForeignKey("core.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    what = models.CharField(_("구분"), max_length=20, choices=What.choices)
    trigger = models.CharField(_("실행"), max_length=20, default="schedule")  # schedule | manual
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    period_start = models.DateField(_("기간 시작"), null=True, blank=True)
    period_end = models.DateField(_("기간 끝"), null=True, blank=True)
    file_name = models.CharField(_("파일명"), max_length=300, blank=True)
    seen = models.PositiveIntegerField(_("조회"), default=0)
    created = models.PositiveIntegerField(_("신규"), default=0)
    updated = models.PositiveIntegerField(_("변경"), default=0)
    unchanged = models.PositiveIntegerField(_("변경없음"), default=0)
    quarantined = models.PositiveIntegerField(_("보류(오류)"), default=0)
    matched = models.PositiveIntegerField(_("일치"), default=0)
    differences = models.PositiveIntegerField(_("차이"), default=0)
    error = models.TextField(_("오류"), blank=True)
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    finished_at = models.DateTimeField(_("종료"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("정산 실행 기록")
        verbose_name_plural = _("정산 실행 기록")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["company", "account", "-started_at"], name="settlerun_co_acc")]


class RecordKind(models.TextChoices):
    """Mirrors `connectors.settlement_models.SettlementKind`."""

    SALE = "sale", _("판매")
    REFUND = "refund", _("환불")
    SHIPPING = "shipping", _("배송비")
    FEE = "fee", _("기타 수수료")
    ADJUSTMENT = "adjustment", _("조정")


class SettlementRecord(CompanyOwned):
    """One row the marketplace settled (or will), as imported; unique per account and record id."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰 계정"))
    run = models.ForeignKey(SettlementRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="records")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="settlement_records")
    marketplace = models.CharField(_("쇼핑몰"), max_length=20)
    record_id = models.CharField(_("정산 번호"), max_length=200)
    kind = models.CharField(_("구분"), max_length=20, choices=RecordKind.choices)
    order_id = models.CharField(_("주문번호"), max_length=100, blank=True)
    order_line_id = models.CharField(_("주문상세번호"), max_length=120, blank=True)
    settle_date = models.DateField(_("정산기준일"))
    pay_date = models.DateField(_("지급일"), null=True, blank=True)
    paid = models.BooleanField(_("지급 완료"), default=False)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    sale_amount = models.BigIntegerField(_("판매금액"), default=0)
    seller_discount = models.BigIntegerField(_("판매자 할인"), default=0)
    marketplace_discount = models.BigIntegerField(_("쇼핑몰 부담 할인"), default=0)
    shipping_fee = models.BigIntegerField(_("배송비"), default=0)
    sale_commission = models.BigIntegerField(_("판매수수료"), default=0)
    payment_commission = models.BigIntegerField(_("결제수수료"), default=0)
    shipping_commission = models.BigIntegerField(_("배송비 수수료"), default=0)
    other_fee = models.BigIntegerField(_("기타 수수료"), default=0)
    payout_amount = models.BigIntegerField(_("지급금액"), default=0)
    payout_id = models.CharField(_("지급 번호"), max_length=120, blank=True)
    raw = models.JSONField(_("원본 데이터"), default=dict, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("정산 내역")
        verbose_name_plural = _("정산 내역")
        constraints = [models.UniqueConstraint(fields=["company", "account", "record_id"],
                                               name="settlerecord_unique")]
        indexes = [models.Index(fields=["company", "account", "order_line_id"], name="settlerecord_co_line"),
                   models.Index(fields=["company", "account", "settle_date"], name="settlerecord_co_day")]


class ReconStatus(models.TextChoices):
    MATCHED = "matched", _("일치")
    AMOUNT_DIFFERS = "amount_differs", _("금액 차이")
    PAID_UNKNOWN = "paid_unknown", _("미확인 지급")
    EXPECTED_UNPAID = "expected_unpaid", _("미지급")
    NOT_DUE = "not_due", _("지급 대기")


class Reconciliation(CompanyOwned):
    """The comparison for one line key of an account (`line` empty for a paid row we do not know)."""

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="reconciliations")
    line_key = models.CharField(_("주문상세번호"), max_length=120)
    run = models.ForeignKey(SettlementRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(_("대사 결과"), max_length=20, choices=ReconStatus.choices)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    expected_amount = models.BigIntegerField(_("정산예정금액"), default=0)
    paid_amount = models.BigIntegerField(_("지급금액"), default=0)
    difference = models.BigIntegerField(_("차이"), default=0)  # paid − expected
    diff_commission = models.BigIntegerField(_("수수료 차이"), default=0)
    diff_discount = models.BigIntegerField(_("할인 차이"), default=0)
    diff_shipping = models.BigIntegerField(_("배송비 차이"), default=0)
    diff_other = models.BigIntegerField(_("기타 차이"), default=0)
    due_date = models.DateField(_("지급예정일"), null=True, blank=True)
    paid_date = models.DateField(_("지급일"), null=True, blank=True)
    reconciled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("정산 대사")
        verbose_name_plural = _("정산 대사")
        constraints = [models.UniqueConstraint(fields=["company", "account", "line_key"], name="recon_unique")]
        indexes = [models.Index(fields=["company", "status"], name="recon_co_status")]


class IssueKind(models.TextChoices):
    COMMISSION = "commission", _("수수료 차이")
    DISCOUNT = "discount", _("할인 차이")
    SHIPPING = "shipping", _("배송비 차이")
    OTHER = "other", _("기타 금액 차이")
    EXTRA_FEE = "extra_fee", _("추가 차감")
    PAID_UNKNOWN = "paid_unknown", _("미확인 지급")
    UNPAID = "unpaid", _("미지급")
    LATE = "late", _("지급 지연")


# Why an issue was raised, and the system's lines in its history: stored as a code with its values and
# worded when shown, so each reader sees them in their own language (money in the issue's currency).
ISSUE_TEXTS = {
    "paid_unknown": gettext_noop("우리 주문에 없는 정산 내역입니다 (%(amount)s)"),
    "unpaid": gettext_noop("지급예정일(%(due)s)이 지났는데 정산되지 않았습니다 (%(amount)s)"),
    "differs": gettext_noop("정산금액이 예정보다 %(diff)s 다릅니다 (%(detail)s)"),
    "extra_fee": gettext_noop("예정에 없는 차감 %(fee)s이 있습니다"),
    "paid_late": gettext_noop("지급예정일 %(due)s보다 늦게 %(paid)s에 지급되었습니다"),
    "scheduled_late": gettext_noop("쇼핑몰 지급예정일 %(paid)s이 우리 지급예정일 %(due)s보다 늦습니다"),
    "found_again": gettext_noop("차이가 다시 발견되었습니다"),
    "gone": gettext_noop("다시 대사한 결과 차이가 없어졌습니다"),
    "accepted": gettext_noop("인정 처리"),
    "disputed": gettext_noop("쇼핑몰 문의로 표시"),
    "reopened": gettext_noop("다시 열기"),
}
_MONEY_PARAMS = ("amount", "diff", "fee")
_PART_LABELS = {"commission": gettext_noop("수수료"), "discount": gettext_noop("할인"),
                "shipping": gettext_noop("배송비"), "other": gettext_noop("기타"), "extra_fee": gettext_noop("추가 차감")}


def issue_text(code: str, params: dict, currency: str) -> str:
    """The words of an issue code in the active language; `text` is a stored wording kept as it is."""
    if code not in ISSUE_TEXTS:
        return str(params.get("text", ""))
    values = {k: format_money(v, currency) if k in _MONEY_PARAMS else v for k, v in params.items()}
    if "detail" in params:
        values["detail"] = ", ".join(f"{gettext(_PART_LABELS.get(part, part))} {format_money(amount, currency)}"
                                     for part, amount in params["detail"])
    return gettext(ISSUE_TEXTS[code]) % values if values else gettext(ISSUE_TEXTS[code])


class IssueState(models.TextChoices):
    OPEN = "open", _("확인 필요")
    ACCEPTED = "accepted", _("인정(종결)")
    DISPUTED = "disputed", _("쇼핑몰 문의")
    RESOLVED = "resolved", _("해소")


class SettlementIssue(CompanyOwned):
    """A 정산 오류 queue item; `key` (account + line key + kind) keeps re-reconciliation idempotent."""

    key = models.CharField(max_length=200)
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰 계정"))
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="issues")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    record = models.ForeignKey(SettlementRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("오류 유형"), max_length=20, choices=IssueKind.choices)
    state = models.CharField(_("처리 상태"), max_length=20, choices=IssueState.choices, default=IssueState.OPEN)
    channel_order_id = models.CharField(_("주문번호"), max_length=100, blank=True)
    channel_line_id = models.CharField(_("주문상세번호"), max_length=120, blank=True)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    expected_amount = models.BigIntegerField(_("정산예정금액"), default=0)
    paid_amount = models.BigIntegerField(_("지급금액"), default=0)
    difference = models.BigIntegerField(_("차이"), default=0)
    reason_code = models.CharField(_("사유"), max_length=30, blank=True)  # a key of ISSUE_TEXTS
    reason_params = models.JSONField(default=dict, blank=True)
    note = models.CharField(_("메모"), max_length=1000, blank=True)
    due_date = models.DateField(_("지급예정일"), null=True, blank=True)
    created_at = models.DateTimeField(_("발견일시"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(_("처리일시"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("정산 오류")
        verbose_name_plural = _("정산 오류")
        constraints = [models.UniqueConstraint(fields=["company", "key"], name="settleissue_unique_key")]
        indexes = [models.Index(fields=["company", "state", "-created_at"], name="settleissue_co_state"),
                   models.Index(fields=["company", "account"], name="settleissue_co_acc")]  # each reconciliation's sync

    @property
    def reason(self) -> str:
        return issue_text(self.reason_code, self.reason_params, self.currency)


class SettlementIssueEvent(CompanyOwned):
    issue = models.ForeignKey(SettlementIssue, on_delete=models.CASCADE, related_name="events")
    old_state = models.CharField(_("이전 상태"), max_length=20, choices=IssueState.choices, blank=True)
    new_state = models.CharField(_("상태"), max_length=20, choices=IssueState.choices, blank=True)
    message = models.CharField(_("내용"), max_length=1000, blank=True)  # the user's note as they wrote it
    code = models.CharField(max_length=30, blank=True)  # or the system's line: a key of ISSUE_TEXTS
    params = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    @property
    def text(self) -> str:
        return self.message or issue_text(self.code, self.params, self.issue.currency)


# --- store sales (STL-6) ----------------------------------------------------------------------------


class PaymentMethod(models.TextChoices):
    CARD = "card", _("카드")
    CASH = "cash", _("현금")
    GIFT_CARD = "gift_card", _("상품권")
    TRANSFER = "transfer", _("계좌이체")


class StoreSale(CompanyOwned):
    class Status(models.TextChoices):
        COMPLETED = "completed", _("판매 완료")
        VOIDED = "voided", _("취소")

    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("매장"))
    number = models.CharField(_("판매번호"), max_length=40)
    sold_on = models.DateField(_("판매일"))  # KST
    payment_method = models.CharField(_("결제수단"), max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(_("상태"), max_length=20, choices=Status.choices, default=Status.COMPLETED)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    subtotal = models.BigIntegerField(_("판매금액"), default=0)  # lines before discounts
    line_discounts = models.BigIntegerField(_("상품 할인"), default=0)
    sale_discount = models.BigIntegerField(_("전체 할인"), default=0)
    total_amount = models.BigIntegerField(_("결제금액"), default=0)
    memo = models.CharField(_("메모"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now)
    voided_at = models.DateTimeField(_("취소일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("매장 매출")
        verbose_name_plural = _("매장 매출")
        ordering = ["-sold_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "number"], name="storesale_unique_number")]
        indexes = [models.Index(fields=["company", "warehouse", "sold_on"], name="storesale_co_wh_day")]


class StoreSaleLine(CompanyOwned):
    sale = models.ForeignKey(StoreSale, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.SKU", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("수량"), default=1)
    unit_price = models.BigIntegerField(_("판매가"), default=0)
    discount_amount = models.BigIntegerField(_("할인"), default=0)
    total_amount = models.BigIntegerField(_("금액"), default=0)  # after its line discount and share of the sale's

    class Meta:
        ordering = ["id"]


# --- sales figures (STL-5) --------------------------------------------------------------------------


class DailySales(CompanyOwned):
    """One KST day × (channel account | store warehouse) × SKU × currency. Lines without a matched SKU
    count under sku=None. Amounts in the row's currency; screens convert with dated rates."""

    day = models.DateField(_("일자"))
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("쇼핑몰 계정"))
    store = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+", verbose_name=_("매장"))
    sku = models.ForeignKey("catalog.SKU", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    orders = models.PositiveIntegerField(_("주문수"), default=0)
    lines = models.PositiveIntegerField(_("주문상품수"), default=0)
    quantity = models.IntegerField(_("수량"), default=0)
    cancelled_quantity = models.IntegerField(_("취소수량"), default=0)
    revenue = models.BigIntegerField(_("매출"), default=0)  # paid amount of the quantity not cancelled
    discounts = models.BigIntegerField(_("할인"), default=0)
    refunds = models.BigIntegerField(_("환불"), default=0)
    commission = models.BigIntegerField(_("수수료"), default=0)
    expected = models.BigIntegerField(_("정산예정금액"), default=0)
    actual = models.BigIntegerField(_("실정산금액"), default=0)

    class Meta:
        verbose_name = _("일별 매출")
        verbose_name_plural = _("일별 매출")
        indexes = [models.Index(fields=["company", "day"], name="dailysales_co_day"),
                   models.Index(fields=["company", "account", "day"], name="dailysales_co_acc_day"),
                   models.Index(fields=["company", "sku", "day"], name="dailysales_co_sku_day")]


class SalesDirtyDay(CompanyOwned):
    """A KST day whose DailySales rows must be rebuilt (debounced; the rollup job drains these)."""

    day = models.DateField()
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "day"], name="salesdirty_unique_day")]


class SettlementState(CompanyOwned):
    """Per company: up to when expected settlements and the daily sales rollup were brought up to date
    (the refresh jobs scan order lines, claims and store sales written since, with some overlap)."""

    expected_as_of = models.DateTimeField(_("정산예정 기준 시각"), null=True, blank=True)
    sales_as_of = models.DateTimeField(_("매출 집계 기준 시각"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("갱신 시각"), default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company"], name="settlestate_unique_company")]
