"""Commission rules and payout schedules (STL-1): the defaults seeded per account kind, editing, and
choosing the rule in force for a line.

The seeded rates are each marketplace's *published general* rate at the time of writing; sellers
with contract rates, category rates or a different grade must edit them (the screen says so). Where a
marketplace publishes no general rate we seed 0 % and say so in the rule's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketdock.catalog.models import Category
from marketdock.channels.models import ChannelAccount, ChannelKind
from marketdock.core.models import Company, User

from ..models import CommissionRule, PayoutSchedule, ScheduleKind
from .queue import queue_accounts

# --- published defaults ------------------------------------------------------------------------------
# (sale %, payment %, shipping %, fixed per order, currency, note). Sources:
# - Naver Smart Store: 스마트스토어센터 '판매 수수료 안내' — Naver Pay 주문관리(결제) 수수료 up to 3.63 %
#   (general grade, credit card; lower for small businesses) and 네이버쇼핑 매출연동수수료 2 % for sales
#   that came through Naver Shopping. The per-line figures the API reports win over these anyway.
# - Coupang marketplace: 쿠팡 WING '판매수수료 안내' — category rates 4 %–10.9 %, most categories 10.8 %
#   (VAT excluded), payment fee included; shipping fee commission 3 % (VAT excluded).
# - Shopify: shopify.com/pricing — Shopify Payments online card rate 2.9 % + 30¢ per order (Basic plan,
#   US); other plans and countries differ.
# - 11번가, G마켓, 옥션 (ESM), 카페24: no single published general rate (category and contract rates):
#   seeded 0 % with a note asking for the contract rate.
_UNKNOWN = gettext_lazy("공개된 기본 요율을 확인하지 못했습니다. 계약 수수료율을 입력하세요.")
DEFAULT_RATES: dict[str, tuple[str, str, str, int, str, object]] = {
    ChannelKind.NAVER: ("2", "3.63", "3.63", 0, "KRW", gettext_lazy(
        "스마트스토어센터 수수료 안내: 결제수수료 최대 3.63%(일반 등급·신용카드), 네이버쇼핑 매출연동수수료 2%. "
        "주문상품에 네이버가 알려준 수수료가 있으면 그 금액을 씁니다.")),
    ChannelKind.COUPANG: ("10.8", "0", "3", 0, "KRW", gettext_lazy(
        "쿠팡 WING 판매수수료 안내: 카테고리별 4~10.9%, 대부분 10.8%(VAT 별도, 결제수수료 포함), 배송비 3%. "
        "카테고리 요율은 분류별 규칙으로 추가하세요.")),
    ChannelKind.SHOPIFY: ("0", "2.9", "2.9", 30, "USD", gettext_lazy(
        "Shopify 요금제 안내: Shopify Payments 온라인 카드 2.9% + 주문당 30센트(Basic, 미국 기준). 요금제·국가별로 다릅니다.")),
    ChannelKind.ELEVENST: ("0", "0", "0", 0, "KRW", _UNKNOWN),
    ChannelKind.GMARKET: ("0", "0", "0", 0, "KRW", _UNKNOWN),
    ChannelKind.AUCTION: ("0", "0", "0", 0, "KRW", _UNKNOWN),
    ChannelKind.CAFE24: ("0", "0", "0", 0, "KRW", gettext_lazy(
        "자사몰입니다. 결제대행(PG) 계약 수수료율을 결제수수료에 입력하세요.")),
    ChannelKind.MANUAL: ("0", "0", "0", 0, "KRW", _UNKNOWN),
}

# (kind, business days, closing weekday, auto-confirm days, note)
DEFAULT_SCHEDULES: dict[str, tuple[str, int, int, int, object]] = {
    ChannelKind.NAVER: (ScheduleKind.AFTER_CONFIRM, 1, 6, 8, gettext_lazy(
        "스마트스토어: 구매확정 다음 영업일 정산(빠른정산 미사용 기준), 배송완료 8일 후 자동 구매확정.")),
    ChannelKind.COUPANG: (ScheduleKind.WEEKLY, 15, 6, 7, gettext_lazy(
        "쿠팡 주정산: 매출인식(구매확정 또는 배송완료 7일 후) 주의 일요일 마감 후 15영업일 지급. "
        "실제로는 70%를 먼저, 나머지를 익익월에 지급하며 월정산 판매자는 주기를 월정산으로 바꾸세요.")),
    ChannelKind.SHOPIFY: (ScheduleKind.PAYOUT_DAYS, 3, 6, 0, gettext_lazy(
        "Shopify Payments: 결제 후 지급 주기(국가별 2~7영업일). 스토어 설정의 지급 주기를 입력하세요.")),
}
_DEFAULT_SCHEDULE = (ScheduleKind.AFTER_CONFIRM, 2, 6, 7, gettext_lazy(
    "쇼핑몰이 공개한 정산 주기를 확인하지 못했습니다. 계약 조건에 맞게 고치세요."))


def default_schedule(kind: str) -> tuple[str, int, int, int, object]:
    return DEFAULT_SCHEDULES.get(kind, _DEFAULT_SCHEDULE)


def rules_seed(account: ChannelAccount) -> None:
    """Give an account its default rule and payout schedule (once; edits are kept)."""
    company = account.company
    if not CommissionRule.objects.filter(company=company, account=account).exists():
        sale, payment, shipping, fixed, currency, note = DEFAULT_RATES.get(account.kind, DEFAULT_RATES[ChannelKind.MANUAL])
        CommissionRule.objects.create(
            company=company, account=account, sale_rate=Decimal(sale), payment_rate=Decimal(payment),
            shipping_rate=Decimal(shipping), fixed_fee_per_order=fixed, currency=currency,
            source_note=str(note)[:300], is_seeded=True)
    if not PayoutSchedule.objects.filter(company=company, account=account).exists():
        kind, days, weekday, auto, note = default_schedule(account.kind)
        PayoutSchedule.objects.create(company=company, account=account, kind=kind, days=days, weekday=weekday,
                                      auto_confirm_days=auto, source_note=str(note)[:300])


def rules_seed_company(company: Company) -> int:
    accounts = list(ChannelAccount.objects.filter(company=company))
    for account in accounts:
        rules_seed(account)
    return len(accounts)


# --- editing -----------------------------------------------------------------------------------------

RULE_FIELDS = ("account", "category", "valid_from", "valid_to", "sale_rate", "payment_rate", "shipping_rate",
               "fixed_fee_per_line", "fixed_fee_per_order", "currency", "refund_reverses_commission", "memo")


def _rate(value, label) -> Decimal:
    try:
        rate = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise ValidationError({label: _("수수료율은 숫자로 입력하세요 (예: 10.8).")}) from None
    if not rate.is_finite() or rate < 0 or rate >= 100:
        raise ValidationError({label: _("수수료율은 0 이상 100 미만이어야 합니다.")})
    return rate.quantize(Decimal("0.001"))


def rule_save(*, company: Company, user: User | None, rule: CommissionRule | None = None, **data) -> CommissionRule:
    """Create or change a rule; every change recomputes the account's expected settlements (a job)."""
    account = data["account"]
    category = data.get("category")
    if account.company_id != company.pk or (category is not None and category.company_id != company.pk):
        raise ValidationError({"account": _("이 회사의 쇼핑몰 계정이 아닙니다.")})
    valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("적용 종료일이 시작일보다 빠릅니다.")})
    values = {
        "account": account, "category": category, "valid_from": valid_from, "valid_to": valid_to,
        "sale_rate": _rate(data.get("sale_rate", 0), "sale_rate"),
        "payment_rate": _rate(data.get("payment_rate", 0), "payment_rate"),
        "shipping_rate": _rate(data.get("shipping_rate", 0), "shipping_rate"),
        "fixed_fee_per_line": int(data.get("fixed_fee_per_line") or 0),
        "fixed_fee_per_order": int(data.get("fixed_fee_per_order") or 0),
        "currency": (data.get("currency") or "KRW").upper()[:3],
        "refund_reverses_commission": bool(data.get("refund_reverses_commission", True)),
        "memo": (data.get("memo") or "")[:300],
    }
    if values["fixed_fee_per_line"] < 0 or values["fixed_fee_per_order"] < 0:
        raise ValidationError({"fixed_fee_per_line": _("고정수수료는 0 이상이어야 합니다.")})
    clash = CommissionRule.objects.filter(company=company, account=account, category=category,
                                          valid_from=valid_from, valid_to=valid_to)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise ValidationError({"valid_from": _("같은 계정·분류·기간의 규칙이 이미 있습니다. 그 규칙을 고치세요.")})
    with transaction.atomic():
        if rule is None:
            rule = CommissionRule(company=company)
        old_account = rule.account_id
        for key, value in values.items():
            setattr(rule, key, value)
        rule.is_seeded = False
        rule.updated_at = timezone.now()
        rule.updated_by = user if user and user.pk else None
        rule.save()
        _queue_accounts(company, {account.pk, old_account})
    return rule


def rule_delete(*, company: Company, rule: CommissionRule) -> None:
    with transaction.atomic():
        account_id = rule.account_id
        rule.delete()
        _queue_accounts(company, {account_id})


def schedule_save(*, company: Company, account: ChannelAccount, kind: str, days: int, weekday: int = 6,
                  auto_confirm_days: int = 8, source_note: str = "") -> PayoutSchedule:
    if kind not in ScheduleKind.values:
        raise ValidationError({"kind": _("정산 주기를 다시 선택하세요.")})
    if not 0 <= int(days) <= 90:
        raise ValidationError({"days": _("지급까지 영업일은 0~90 사이로 입력하세요.")})
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": _("마감 요일을 다시 선택하세요.")})
    if not 0 <= int(auto_confirm_days) <= 60:
        raise ValidationError({"auto_confirm_days": _("자동 구매확정 일수는 0~60 사이로 입력하세요.")})
    with transaction.atomic():
        schedule, _created = PayoutSchedule.objects.update_or_create(
            company=company, account=account,
            defaults={"kind": kind, "days": int(days), "weekday": int(weekday),
                      "auto_confirm_days": int(auto_confirm_days), "source_note": source_note[:300],
                      "updated_at": timezone.now()})
        _queue_accounts(company, {account.pk})
    return schedule


def _queue_accounts(company: Company, account_ids) -> None:
    queue_accounts(company, {a for a in account_ids if a})


# --- choosing the rule for a line ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """A rule reduced to integers for the bulk computation: rates in thousandths of a percent."""

    rule_id: int | None
    sale: int
    payment: int
    shipping: int
    fixed_line: int
    fixed_order: int
    currency: str
    reverses: bool

    @classmethod
    def of(cls, rule: CommissionRule) -> Rates:
        return cls(rule.pk, int(rule.sale_rate * 1000), int(rule.payment_rate * 1000), int(rule.shipping_rate * 1000),
                   rule.fixed_fee_per_line, rule.fixed_fee_per_order, rule.currency, rule.refund_reverses_commission)


NO_RULE = Rates(None, 0, 0, 0, 0, 0, "KRW", True)


def pct(amount: int, rate_milli: int) -> int:
    """`amount` × rate (thousandths of a percent), truncated below 1 unit (원 미만 절사) toward zero."""
    value = abs(amount) * rate_milli // 100_000
    return value if amount >= 0 else -value


class RuleBook:
    """The company's rules, loaded once, answering "which rule for (account, category, day)":
    a rule for the line's category (or its nearest parent) beats an all-category rule; among those,
    a rule with a period in force beats an open one, and the latest start wins."""

    def __init__(self, company: Company, account_ids=None):
        qs = CommissionRule.objects.filter(company=company)
        if account_ids is not None:
            qs = qs.filter(account_id__in=account_ids)
        self.by_account: dict[int, list[CommissionRule]] = {}
        for rule in qs.order_by("pk"):
            self.by_account.setdefault(rule.account_id, []).append(rule)
        self.parents = dict(Category.objects.filter(company=company).values_list("pk", "parent_id"))
        self._cache: dict[tuple, Rates] = {}

    def _chain(self, category_id: int | None) -> list[int | None]:
        chain: list[int | None] = []
        seen = set()
        while category_id and category_id not in seen:
            seen.add(category_id)
            chain.append(category_id)
            category_id = self.parents.get(category_id)
        return chain + [None]

    def rule_for(self, account_id: int, category_id: int | None, day: date | None) -> Rates:
        key = (account_id, category_id, day)
        found = self._cache.get(key)
        if found is None:
            found = self._choose(account_id, category_id, day)
            self._cache[key] = found
        return found

    def _choose(self, account_id: int, category_id: int | None, day: date | None) -> Rates:
        rules = self.by_account.get(account_id, [])
        for level in self._chain(category_id):
            live = [r for r in rules if r.category_id == level
                    and (day is None or ((r.valid_from is None or r.valid_from <= day)
                                         and (r.valid_to is None or r.valid_to >= day)))]
            if live:
                live.sort(key=lambda r: (r.valid_from is not None or r.valid_to is not None,
                                         r.valid_from or date.min, r.pk))
                return Rates.of(live[-1])
        return NO_RULE
