"""Open API (API-1, API-2): keys with scopes, the call log, idempotency records, the rate-limit buckets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned

# scope → Korean label (the key screen's check boxes; the API's 403 names the missing scope)
SCOPES: dict[str, object] = {
    "orders:read": _("주문 조회"),
    "orders:write": _("주문 처리"),
    "catalog:read": _("상품 조회"),
    "catalog:write": _("상품 등록/수정"),
    "stock:read": _("재고 조회"),
    "stock:write": _("재고 조정/입고"),
    "channels:read": _("쇼핑몰 계정 조회"),
    "channels:write": _("주문 수집 실행"),
    "listings:read": _("쇼핑몰 상품 조회"),
    "claims:read": _("클레임/문의 조회"),
}


class ApiKey(CompanyOwned):
    """One API key. Only `prefix` (public, for the look-up) and `secret_hash` are stored: the full key
    `md_<prefix>_<secret>` is shown once when it is created."""

    name = models.CharField(_("이름"), max_length=100)
    prefix = models.CharField(_("키 앞자리"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("권한"), default=list)
    allowed_ips = models.JSONField(_("허용 IP"), default=list, blank=True)  # addresses or CIDR networks
    expires_at = models.DateTimeField(_("만료일시"), null=True, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("분당 호출 한도"), default=600)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("만든 사람"))
    created_at = models.DateTimeField(_("생성일시"), default=timezone.now)
    revoked_at = models.DateTimeField(_("폐기일시"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("마지막 사용 IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 키")
        verbose_name_plural = _("API 키")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class ApiCall(CompanyOwned):
    """One call made with a key (the API log)."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="calls", verbose_name=_("API 키"))
    at = models.DateTimeField(_("일시"), default=timezone.now)
    method = models.CharField(_("메서드"), max_length=10)
    path = models.CharField(_("경로"), max_length=300)
    status = models.PositiveSmallIntegerField(_("응답코드"))
    duration_ms = models.PositiveIntegerField(_("처리시간(ms)"), default=0)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 호출 기록")
        verbose_name_plural = _("API 호출 기록")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "-at"], name="apicall_company_recent"),
                   models.Index(fields=["key", "-at"], name="apicall_key_recent")]


class IdempotencyRecord(CompanyOwned):
    """The first answer to a write sent with an `Idempotency-Key` header (per company and key value).
    It is written in the same transaction as the write, so a repeat either waits for it or finds it."""

    key = models.CharField(max_length=200)
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=200)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "key"], name="idempotency_unique_company_key")]


class RateBucket(CompanyOwned):
    """The token bucket of one key, shared by every web worker (one conditional UPDATE per call)."""

    key = models.OneToOneField(ApiKey, on_delete=models.CASCADE, primary_key=True, related_name="+")
    tokens = models.FloatField()
    updated = models.FloatField()  # epoch seconds of the last refill
