"""Stock and price push (LST-7, INV-6): what is waiting to be pushed, what each channel was last told,
and a record of every push cycle (for the 동기화 현황 screen and the lag figures).

- `ListingDirty`: one row per (listing, kind) change waiting to be pushed. Rows are only ever
  INSERTed by the stock change's transaction (no UPDATE, so concurrent stock changes never wait on
  each other here); a push cycle claims the committed rows of one account with a token, and deletes
  exactly the rows it claimed once the channel acknowledged. A change committed after the claim is
  a new row and goes out in the next cycle, so nothing is lost and nothing stale is sent (the value
  is computed when the push is delivered, not when the change happened). Rows of a full re-sync are
  marked `resync` and go out after every waiting change of their account.
- `ListingSyncState`: per listing, what the channel was last told (stock per option, price, sale
  status), used to skip unchanged values, as the compare-and-set expectation (Shopify), and to show
  the last error the marketplace gave.
- `SyncPush`: one push cycle of one account (one outbox message): counts, lag samples, outcome.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketdock.core.models import CompanyOwned


class SyncKind(models.TextChoices):
    STOCK = "stock", _("재고")
    PRICE = "price", _("가격")


class ListingDirty(CompanyOwned):
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=SyncKind.choices, default=SyncKind.STOCK)
    changed_at = models.DateTimeField(default=timezone.now)
    claim = models.CharField(max_length=32, blank=True, default="")
    # a full re-sync (first connection, reconciliation, 전체 재고 동기화), not a stock change: claimed only
    # when no change-driven row of the account is waiting, and not counted in the lag figures
    resync = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["account", "kind", "claim"], name="listingdirty_account_claim"),
            models.Index(fields=["claim"], name="listingdirty_claim"),
        ]


class ListingSyncState(CompanyOwned):
    listing = models.OneToOneField("listings.Listing", on_delete=models.CASCADE, related_name="sync_state")
    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    stock_pushed = models.JSONField(_("전송한 재고"), default=dict, blank=True)  # {channel option id: qty}
    stock_pushed_at = models.DateTimeField(_("재고 전송일시"), null=True, blank=True)
    price_pushed = models.PositiveIntegerField(_("전송한 가격"), null=True, blank=True)
    price_pushed_at = models.DateTimeField(_("가격 전송일시"), null=True, blank=True)
    on_sale_pushed = models.BooleanField(_("전송한 판매상태"), null=True, blank=True)
    last_error = models.TextField(_("마지막 오류"), blank=True, default="")
    last_error_code = models.CharField(_("오류 코드"), max_length=50, blank=True, default="")
    last_error_at = models.DateTimeField(_("오류 일시"), null=True, blank=True)
    last_lag_ms = models.PositiveIntegerField(_("마지막 지연(ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("쇼핑몰 전송 상태")
        verbose_name_plural = _("쇼핑몰 전송 상태")
        indexes = [models.Index(fields=["company", "account", "last_error_at"], name="listingsync_errors")]


class SyncPush(CompanyOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("전송대기")
        SENT = "sent", _("전송완료")
        PARTIAL = "partial", _("일부실패")
        FAILED = "failed", _("전송실패")

    account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("쇼핑몰 계정"))
    kind = models.CharField(_("구분"), max_length=10, choices=SyncKind.choices, default=SyncKind.STOCK)
    claim = models.CharField(max_length=32, unique=True)
    message = models.ForeignKey("outbox.OutboxMessage", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    status = models.CharField(_("상태"), max_length=10, choices=Status.choices, default=Status.PENDING)
    listings = models.PositiveIntegerField(_("상품 수"), default=0)
    items = models.PositiveIntegerField(_("전송 항목"), default=0)
    skipped = models.PositiveIntegerField(_("변경없음"), default=0)
    api_calls = models.PositiveIntegerField(_("API 호출"), default=0)
    conflicts = models.PositiveIntegerField(_("충돌"), default=0)
    failed = models.PositiveIntegerField(_("실패"), default=0)
    lags_ms = models.JSONField(default=list, blank=True)  # change committed → channel acknowledged, per listing
    error = models.TextField(_("오류"), blank=True, default="")
    created_at = models.DateTimeField(_("등록일시"), default=timezone.now)
    acked_at = models.DateTimeField(_("완료일시"), null=True, blank=True)

    class Meta:
        verbose_name = _("동기화 전송")
        verbose_name_plural = _("동기화 전송")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "account", "-created_at"], name="syncpush_account_recent")]
