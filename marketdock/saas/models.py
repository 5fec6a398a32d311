"""The service side (issue 16): webhooks to the seller's own systems, the operator's record of plans
and termination, and the ledger of buyer personal data purged (SYS-9).

- `WebhookEndpoint`: a company's receiver URL with the events it wants and its signing secret
  (encrypted at rest). Each event is an outbox message (lane "webhook:<id>"); `WebhookDelivery` is
  one attempt of it (response code, body excerpt, duration).
- `Subscription`: one row per company the operator keeps: termination date, buyer-data retention.
  `PlanChange` is the history of plan and state changes the operator records (no payment here).
- `PurgeRun` / `PurgedOrder`: what the nightly purge masked; `CompanyDeletion`: companies deleted
  3 months after termination (kept after the company is gone, so the code and counts stay known).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned, CompanyStatus, Plan


class WebhookEvent(models.TextChoices):
    ORDER_CREATED = "order.created", _("주문 수집")
    ORDER_STATUS_CHANGED = "order.status_changed", _("주문 상태 변경")
    ORDER_CANCELLED = "order.cancelled", _("주문 취소")
    SHIPMENT_SHIPPED = "shipment.shipped", _("출고 완료")
    STOCK_CHANGED = "stock.changed", _("재고 변경")
    CLAIM_CREATED = "claim.created", _("클레임 접수")
    INQUIRY_CREATED = "inquiry.created", _("문의 접수")
    TEST = "webhook.test", _("테스트 이벤트")


SUBSCRIBABLE_EVENTS = [e for e in WebhookEvent if e != WebhookEvent.TEST]


class WebhookEndpoint(CompanyOwned):
    name = models.CharField(_("이름"), max_length=100)
    url = models.URLField(_("수신 URL"), max_length=500)
    events = models.JSONField(_("이벤트"), default=list)
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("웹훅")
        verbose_name_plural = _("웹훅")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def lane(self) -> str:
        return f"webhook:{self.pk}"

    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(e, _("기타"))) for e in self.events]


class WebhookDelivery(CompanyOwned):
    """One attempt to deliver one event (the outbox message) to one endpoint."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey("outbox.OutboxMessage", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("이벤트"), max_length=40, choices=WebhookEvent.choices)
    attempt = models.PositiveIntegerField(_("시도"), default=1)
    ok = models.BooleanField(_("성공"), default=False)
    status_code = models.PositiveIntegerField(_("응답 코드"), null=True, blank=True)
    response_excerpt = models.CharField(_("응답 내용"), max_length=500, blank=True)
    error = models.CharField(_("오류"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("소요(ms)"), default=0)
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        verbose_name = _("웹훅 전송 기록")
        verbose_name_plural = _("웹훅 전송 기록")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-at"])]


class Subscription(CompanyOwned):
    """What the operator keeps about a company's service (one row per company)."""

    terminated_at = models.DateTimeField(_("해지일시"), null=True, blank=True)
    buyer_data_days = models.PositiveIntegerField(
        _("구매자 개인정보 보관일수"), null=True, blank=True,
        help_text=_("배송완료·취소 후 이 일수가 지나면 구매자 개인정보를 파기합니다 (비우면 기본값)."))
    note = models.CharField(_("메모"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company"], name="subscription_unique")]


class PlanChange(CompanyOwned):
    """A plan or state change recorded by the operator (payment happens outside marketdock)."""

    old_plan = models.CharField(_("이전 요금제"), max_length=20, blank=True)
    new_plan = models.CharField(_("요금제"), max_length=20)
    old_status = models.CharField(_("이전 상태"), max_length=20, blank=True)
    new_status = models.CharField(_("상태"), max_length=20)
    note = models.CharField(_("메모"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("처리자"))
    at = models.DateTimeField(_("일시"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    @property
    def new_plan_label(self) -> str:
        return str(dict(Plan.choices).get(self.new_plan, _("기타")))

    @property
    def new_status_label(self) -> str:
        return str(dict(CompanyStatus.choices).get(self.new_status, _("기타")))


class PurgeRun(CompanyOwned):
    """One purge of buyer personal data (the nightly job or the command): the ledger."""

    at = models.DateTimeField(_("일시"), default=timezone.now)
    cutoff = models.DateTimeField(_("기준일시"))
    days = models.PositiveIntegerField(_("보관일수"))
    orders = models.PositiveIntegerField(_("주문"), default=0)
    rows = models.JSONField(_("정리한 자료"), default=dict, blank=True)  # {model label: rows changed}

    class Meta:
        ordering = ["-at", "-id"]


class PurgedOrder(CompanyOwned):
    run = models.ForeignKey(PurgeRun, on_delete=models.CASCADE, related_name="purged")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="+")
    purged_at = models.DateTimeField(default=timezone.now)


class CompanyDeletion(models.Model):
    """A terminated company deleted with all its data (not company-owned: it outlives the company)."""

    company_code = models.CharField(_("회사코드"), max_length=30)
    company_name = models.CharField(_("회사명"), max_length=100)
    terminated_at = models.DateTimeField(_("해지일시"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("삭제일시"), default=timezone.now)
    rows = models.JSONField(_("삭제한 자료"), default=dict, blank=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]
