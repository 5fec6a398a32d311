"""Shipping policies (배송비 정책) a listing refers to."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketdock.channels.models import ChannelAccount
from marketdock.core.models import Company

from ..models import ShippingPolicy
from .common import MAX_FEE, ListingError, _own

# --- shipping policies (LST-8, SHP-8) ---------------------------------------------------------------

SHIPPING_FIELDS = ("name", "fee_type", "fee", "free_threshold", "bundle_rule", "return_fee", "exchange_fee",
                   "jeju_surcharge", "remote_surcharge", "is_default")
MONEY_LABELS = {
    "fee": "기본 배송비", "free_threshold": "무료배송 기준금액", "return_fee": "반품 배송비",
    "exchange_fee": "교환 배송비", "jeju_surcharge": "제주 추가배송비", "remote_surcharge": "도서산간 추가배송비",
}


def shipping_policy_save(*, company: Company, policy: ShippingPolicy | None, account: ChannelAccount,
                         data: dict) -> ShippingPolicy:
    """Create or update a shipping policy of one channel account. Raises ListingError naming every
    problem (nothing saved then)."""
    _own(company, account, policy)
    errors: list[str] = []
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors.append(_("배송정보명을 입력하세요."))
    elif len(name) > 100:
        errors.append(_("배송정보명은 100자 이하로 입력하세요."))
    fee_type = data.get("fee_type") or ""
    if fee_type not in ShippingPolicy.FeeType.values:
        errors.append(_("배송비 유형을 고르세요."))
    bundle_rule = data.get("bundle_rule") or ShippingPolicy.BundleRule.BUNDLE
    if bundle_rule not in ShippingPolicy.BundleRule.values:
        errors.append(_("묶음배송 방식을 고르세요."))
    money: dict[str, int | None] = {}
    for key, label in MONEY_LABELS.items():
        raw = data.get(key)
        if raw in (None, ""):
            money[key] = None if key == "free_threshold" else 0
            continue
        try:
            value = int(str(raw).replace(",", "").replace("원", "").strip())
        except ValueError:
            errors.append(_("%(label)s '%(value)s'은(는) 숫자가 아닙니다.") % {"label": _(label), "value": raw})
            continue
        if value < 0 or value > MAX_FEE:
            errors.append(_("%(label)s은(는) 0원 이상 %(max)s원 이하로 입력하세요.") % {
                "label": _(label), "max": f"{MAX_FEE:,}"})
            continue
        money[key] = value
    if fee_type == ShippingPolicy.FeeType.FREE:
        money["fee"] = 0
        money["free_threshold"] = None
    elif fee_type == ShippingPolicy.FeeType.PAID:
        if not money.get("fee"):
            errors.append(_("유료 배송은 기본 배송비를 입력하세요."))
        money["free_threshold"] = None
    elif fee_type == ShippingPolicy.FeeType.CONDITIONAL:
        if not money.get("fee"):
            errors.append(_("조건부 무료배송은 기본 배송비를 입력하세요."))
        if not money.get("free_threshold"):
            errors.append(_("조건부 무료배송은 무료배송 기준금액을 입력하세요."))
    if name and ShippingPolicy.objects.filter(company=company, account=account, name=name).exclude(
            pk=policy.pk if policy else None).exists():
        errors.append(_("배송정보명 '%(name)s'은(는) 이 쇼핑몰 계정에 이미 있습니다.") % {"name": name})
    if errors:
        raise ListingError(errors)
    is_default = bool(data.get("is_default"))
    with transaction.atomic():
        if policy is None:
            policy = ShippingPolicy(company=company, account=account)
        elif policy.account_id != account.pk:
            raise ListingError(_("배송정보의 쇼핑몰 계정은 바꿀 수 없습니다."))
        if is_default:
            ShippingPolicy.objects.filter(company=company, account=account, is_default=True).exclude(
                pk=policy.pk).update(is_default=False)
        policy.name = name
        policy.fee_type = fee_type
        policy.bundle_rule = bundle_rule
        for key, value in money.items():
            setattr(policy, key, value)
        policy.is_default = is_default
        policy.save()
    return policy


def shipping_policy_delete(*, company: Company, policy: ShippingPolicy) -> None:
    _own(company, policy)
    policy.delete()  # listings keep their data; their policy becomes empty (SET_NULL)
