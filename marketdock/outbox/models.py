"""Outbox: writes to marketplaces (발주확인, 송장, 발송지연, 재고, 가격, 문의 답변...) recorded in the
same transaction as the state change that causes them, and delivered afterwards by a worker.

A message is unique per company by its idempotency key (e.g. "tracking:<order line id>:<number>"),
so enqueueing the same write twice does nothing. The worker claims due messages with a conditional
UPDATE (pending → sending, with a claim token), so two workers never deliver one message twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned


class OutboxKind(models.TextChoices):
    CONFIRM = "confirm", _("발주확인")
    TRACKING = "tracking", _("송장 전송")
    DELAY = "delay", _("발송지연")
    STOCK = "stock", _("재고 전송")
    PRICE = "price", _("가격 전송")
    ANSWER = "answer", _("문의 답변")
    CANCEL = "cancel", _("취소 처리")


class OutboxMessage(CompanyOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        SENDING = "sending", _("전송중")
        SENT = "sent", _("전송완료")
        FAILED = "failed", _("전송실패")
        DEAD = "dead", _("재시도 중단")

    # a message goes to a marketplace account, or to another destination named by its `lane`
    # (e.g. "webhook:12": a seller's webhook endpoint); each account or lane is delivered by its own task
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="outbox_messages",
                                null=True, blank=True, verbose_name=_("쇼핑몰 계정"))
    lane = models.CharField(_("전송 대상"), max_length=40, blank=True, default="")
    # messages with the same ordering key in one account or lane are delivered in id order: a later one
    # waits while an earlier one is still pending or sending (e.g. "order:12" for one order's webhooks)
    ordering_key = models.CharField(max_length=100, blank=True, default="")
    kind = models.CharField(_("구분"), max_length=30, choices=OutboxKind.choices)
    key = models.CharField(_("중복방지 키"), max_length=200)
    payload = models.JSONField(_("내용"), default=dict, blank=True)
    reference = models.CharField(_("참조"), max_length=100, blank=True, db_index=True)  # e.g. "order_line:12"
    status = models.CharField(_("상태"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("시도 횟수"), default=0)
    next_attempt_at = models.DateTimeField(_("다음 시도"), default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("오류 내용"), blank=True)
    last_error_code = models.CharField(_("오류 코드"), max_length=50, blank=True)
    result = models.JSONField(_("결과"), default=dict, blank=True)
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now)
    sent_at = models.DateTimeField(_("전송일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("쇼핑몰 전송")
        verbose_name_plural = _("쇼핑몰 전송")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="outboxmessage_unique_key"),
            models.CheckConstraint(condition=Q(account__isnull=False) | ~Q(lane=""), name="outbox_account_or_lane"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbox_due"),
            models.Index(fields=["company", "status", "-created_at"], name="outbox_company_status"),
            models.Index(fields=["lane", "ordering_key", "id"], condition=~Q(lane=""), name="outbox_lane_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"
