"""Listing state changes: shipping policies (LST-8), drafts and 쇼핑몰전송 (LST-2), bulk edit (LST-5),
import (LST-3), data migration by code (LST-4) and pulling the channel's state (LST-6).

Anything that talks to a marketplace runs in a job (see tasks.py) and never holds a database
transaction open across an HTTP call: the listing is read, the call is made, then the outcome is
written in its own short transaction.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import SKU, Product, SKUStatus
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.http import HttpOptions
from marketdock.channels.connectors.models import (
    ChannelListing,
    ListingDraft,
    ListingDraftOption,
    ShippingFeeInfo,
)
from marketdock.channels.models import ChannelAccount, ChannelKind, OptionMapping
from marketdock.core.models import Company, User

from .models import AllocationRule, Listing, ListingOption, SaleStatus, ShippingPolicy
from .models_sync import SyncKind
from .services_sync import listings_mark_dirty

logger = logging.getLogger(__name__)

MAX_FEE = 1_000_000
MAX_PRICE = 1_000_000_000


class ListingError(Exception):
    """One or more rule violations (Korean, naming the field/row/value); nothing was changed."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


def connector_options(account: ChannelAccount) -> HttpOptions | None:
    """HTTP options for the account's connector (tests replace this)."""
    return None


def _connector(account: ChannelAccount):
    from marketdock.channels.services import connector_for

    return connector_for(account, options=connector_options(account))


def _own(company: Company, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.company_id != company.pk:
            raise ListingError(_("다른 회사의 자료는 사용할 수 없습니다."))


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


# --- drafts and register (쇼핑몰전송, LST-2) ----------------------------------------------------------


@dataclass
class RegisterTarget:
    account: ChannelAccount
    name: str
    price: int
    category_id: str = ""
    category_name: str = ""
    shipping_policy: ShippingPolicy | None = None
    sale_status: str = SaleStatus.ON_SALE


def _clean_target(company: Company, target: RegisterTarget, label: str) -> list[str]:
    errors = []
    _own(company, target.account, target.shipping_policy)
    target.name = " ".join((target.name or "").split())
    if not target.name:
        errors.append(_("%(channel)s: 판매처별 상품명을 입력하세요.") % {"channel": label})
    elif len(target.name) > 200:
        errors.append(_("%(channel)s: 상품명은 200자 이하로 입력하세요.") % {"channel": label})
    if not isinstance(target.price, int) or target.price < 0 or target.price > MAX_PRICE:
        errors.append(_("%(channel)s: 판매가 '%(value)s'이(가) 올바르지 않습니다.") % {"channel": label,
                                                                                  "value": target.price})
    if target.shipping_policy is not None and target.shipping_policy.account_id != target.account.pk:
        errors.append(_("%(channel)s: 배송정보 '%(name)s'은(는) 이 쇼핑몰 계정의 것이 아닙니다.") % {
            "channel": label, "name": target.shipping_policy.name})
    if target.sale_status not in SaleStatus.values:
        errors.append(_("%(channel)s: 판매상태를 고르세요.") % {"channel": label})
    if target.account.kind == ChannelKind.MANUAL:
        errors.append(_("%(channel)s: 엑셀 업로드 쇼핑몰에는 상품을 전송할 수 없습니다.") % {"channel": label})
    return errors


def _resolve_category(company: Company, target: RegisterTarget) -> list[str]:
    """Fill the target's category name from the account's category tree (errors when the code is not one)."""
    from .services_categories import category_resolve

    try:
        target.category_id, target.category_name = category_resolve(company, target.account, target.category_id,
                                                                     target.category_name)
    except ListingError as exc:
        return exc.errors
    return []


def listings_draft(*, company: Company, product: Product, targets: list[RegisterTarget],
                   user: User | None) -> list[Listing]:
    """One listing per target channel account for `product` (with an option per active SKU), ready to
    send. A listing of this product on the account that was never linked is reused; a linked one is
    refused (edit and send it instead). All or nothing."""
    _own(company, product)
    if not targets:
        raise ListingError(_("전송할 쇼핑몰 계정을 하나 이상 고르세요."))
    errors: list[str] = []
    seen: set[int] = set()
    for t in targets:
        label = t.account.name
        if t.account.pk in seen:
            errors.append(_("%(channel)s: 같은 계정을 두 번 골랐습니다.") % {"channel": label})
        seen.add(t.account.pk)
        errors += _clean_target(company, t, label)
        errors += _resolve_category(company, t)
        linked = Listing.objects.filter(company=company, account=t.account, product=product,
                                        status=Listing.Status.LINKED).first()
        if linked:
            errors.append(_("%(channel)s: 이미 연동된 상품입니다 (연동상품코드 %(code)s). 상품조회/수정에서 수정 후 "
                            "전송하세요.") % {"channel": label, "code": linked.channel_product_id})
    skus = list(product.skus.exclude(status=SKUStatus.INACTIVE).order_by("sort_order", "id"))
    if not skus:
        errors.append(_("사용 중인 단품이 없는 상품은 전송할 수 없습니다."))
    if errors:
        raise ListingError(errors)
    out = []
    with transaction.atomic():
        for t in targets:
            listing = (Listing.objects.select_for_update().filter(company=company, account=t.account, product=product)
                       .exclude(status=Listing.Status.LINKED).first())
            if listing is None:
                listing = Listing(company=company, account=t.account, product=product, created_by=user)
            listing.name = t.name
            listing.price = t.price
            listing.category_id = t.category_id.strip()
            listing.category_name = t.category_name.strip()
            listing.shipping_policy = t.shipping_policy or ShippingPolicy.objects.filter(
                company=company, account=t.account, is_default=True).first()
            listing.sale_status = t.sale_status
            listing.seller_product_code = product.seller_code or product.code
            listing.status = Listing.Status.REGISTERING
            listing.last_error = ""
            listing.save()
            listing.options.all().delete()
            single = len(skus) == 1 and not skus[0].option_text
            ListingOption.objects.bulk_create([
                ListingOption(company=company, listing=listing, name="" if single else sku.option_text,
                              price_delta=sku.price_delta, seller_option_code=sku.code, sku=sku, quantity=1,
                              sort_order=i)
                for i, sku in enumerate(skus)
            ])
            out.append(listing)
    return out


def sellable_stock(company: Company, components: list[tuple[int, int]]) -> int:
    """What a channel option can sell from the warehouses exposed to channels: min over its SKUs of
    available // units. (The stock push applies allocation rules on top; this is the first value
    sent with a new listing.)"""
    from marketdock.inventory.models import StockLevel

    if not components:
        return 0
    avail = dict(
        StockLevel.objects.filter(company=company, sku_id__in=[s for s, _q in components],
                                  warehouse__exposed_to_channels=True)
        .values_list("sku_id").annotate(a=Sum("on_hand") - Sum("reserved")).values_list("sku_id", "a")
    )
    return max(0, min((avail.get(s) or 0) // max(1, q) for s, q in components))


def _allocated(listing: Listing, stock: int) -> int:
    if listing.typed_stock is not None and not listing.product.inventory_managed:
        return listing.typed_stock
    rule, value = listing.allocation_rule, listing.allocation_value
    if rule == AllocationRule.FIXED:
        return min(stock, value)
    if rule == AllocationRule.PERCENT:
        return stock * min(100, value) // 100
    if rule == AllocationRule.BUFFER:
        return max(0, stock - value)
    return stock


def listing_draft_payload(*, company: Company, listing: Listing) -> ListingDraft:
    """The ListingDraft sent to the marketplace for this listing (its options, stock and shipping)."""
    options = list(ListingOption.objects.filter(company=company, listing=listing).order_by("sort_order", "id"))
    policy = listing.shipping_policy
    shipping = ShippingFeeInfo()
    if policy is not None:
        shipping = ShippingFeeInfo(fee_type=policy.fee_type, fee=policy.fee, free_over=policy.free_threshold or 0,
                                   return_fee=policy.return_fee, exchange_fee=policy.exchange_fee)
    mapped = {}
    if listing.channel_product_id:
        for m in OptionMapping.objects.filter(company=company, account_id=listing.account_id,
                                              channel_product_id=listing.channel_product_id):
            mapped.setdefault(m.channel_option_id, []).append((m.sku_id, m.quantity))

    def stock_of(opt: ListingOption) -> int:
        comps = mapped.get(opt.channel_option_id) if opt.channel_option_id else None
        comps = comps or ([(opt.sku_id, opt.quantity)] if opt.sku_id else [])
        return _allocated(listing, sellable_stock(company, comps))

    draft_options = [
        ListingDraftOption(name=o.name, price_delta=o.price_delta, stock=stock_of(o),
                           seller_option_code=o.seller_option_code, option_id=o.channel_option_id)
        for o in options if o.name
    ]
    single_stock = stock_of(options[0]) if options and not draft_options else 0
    # what the marketplace requires beyond the draft (Naver A/S·원산지·고시, Coupang WING id·출고지·반품지·고시,
    # images, description): the account's listing fields, merged into the payload by the connector
    from .services_product_fields import effective_listing_fields

    fields = effective_listing_fields(listing.account, listing.product)  # the product's values over the account's
    image_urls = [str(u) for u in fields.pop("image_urls", None) or [] if u]
    description_html = str(fields.pop("description_html", "") or "")
    axes = [a.get("name") for a in listing.product.option_axes or [] if isinstance(a, dict) and a.get("name")]
    if draft_options and axes:
        depth = max(len(o.name.split(" / ")) for o in draft_options)
        if len(axes) == depth:  # the catalogue's option axis names as the marketplace's option group names
            key = {ChannelKind.NAVER: "optionGroupNames", ChannelKind.SHOPIFY: "optionNames"}.get(listing.account.kind)
            if key:
                fields.setdefault(key, axes)
    return ListingDraft(
        name=listing.name, price=listing.price, sale_status=listing.sale_status, category_id=listing.category_id,
        shipping=shipping, options=draft_options, seller_product_code=listing.seller_product_code,
        stock=single_stock, brand=listing.product.brand.name if listing.product.brand_id else "",
        image_urls=image_urls, description_html=description_html, extra=fields,
    )


LISTING_FIELDS_KEY = "listing_fields"


def account_listing_fields(account: ChannelAccount) -> dict:
    """The marketplace-specific values every listing of this account is sent with (a copy): the
    connector's required extras (see its module docs) plus `image_urls` / `description_html`."""
    import copy

    value = (account.options or {}).get(LISTING_FIELDS_KEY) or {}
    return copy.deepcopy(value) if isinstance(value, dict) else {}


def account_listing_fields_save(*, company: Company, account: ChannelAccount, fields: dict) -> ChannelAccount:
    """Store the account's listing fields (replacing the previous ones). Raises ListingError on a
    value that is not a JSON object or on image URLs that are not http(s)."""
    _own(company, account)
    if not isinstance(fields, dict):
        raise ListingError(_("쇼핑몰 상품 등록 정보는 항목: 값 형식(JSON 객체)이어야 합니다."))
    urls = fields.get("image_urls") or []
    if not isinstance(urls, list) or any(not str(u).startswith(("http://", "https://")) for u in urls):
        raise ListingError(_("이미지 주소(image_urls)는 http:// 또는 https://로 시작하는 주소의 목록이어야 합니다."))
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(company=company, pk=account.pk)
        options = dict(locked.options or {})
        options[LISTING_FIELDS_KEY] = fields
        locked.options = options
        locked.save(update_fields=["options", "updated_at"])
    account.options = locked.options
    return account


@dataclass
class SendResult:
    listing_id: int
    account: str
    ok: bool
    message: str = ""
    channel_product_id: str = ""

    def as_dict(self) -> dict:
        return {"listing_id": self.listing_id, "account": self.account, "ok": self.ok, "message": self.message,
                "channel_product_id": self.channel_product_id}


def _snapshot(cl: ChannelListing) -> dict:
    return {
        "product_id": cl.product_id, "origin_product_id": cl.origin_product_id, "name": cl.name,
        "price": cl.price, "sale_status": cl.sale_status, "raw_status": cl.raw_status,
        "seller_product_code": cl.seller_product_code, "category_id": cl.category_id,
        "options": [{"option_id": o.option_id, "name": o.name, "stock": o.stock, "price_delta": o.price_delta,
                     "seller_option_code": o.seller_option_code} for o in cl.options],
        "at": timezone.now().isoformat(),
    }


def order_product_id(cl: ChannelListing) -> str:
    """The product number orders carry for this listing (Naver: the channel product number)."""
    return cl.product_id


def _pair_options(options: list[ListingOption], cl: ChannelListing) -> dict[int, str]:
    """Our option id → the channel's option id: by seller option code, then by name, then by position."""
    theirs = list(cl.options)
    out: dict[int, str] = {}
    used: set[str] = set()
    for key in ("seller_option_code", "name"):
        index = {getattr(c, key): c.option_id for c in theirs if getattr(c, key)}
        for o in options:
            if o.pk not in out and getattr(o, key) and index.get(getattr(o, key)) not in (None, *used):
                out[o.pk] = index[getattr(o, key)]
                used.add(out[o.pk])
    rest = [c.option_id for c in theirs if c.option_id not in used]
    for o in options:
        if o.pk not in out and rest:
            out[o.pk] = rest.pop(0)
            used.add(out[o.pk])
    return out


def _mappings_write(*, company: Company, listing: Listing, user: User | None) -> int:
    """Write the listing's option → SKU × quantity rows into channels.OptionMapping (source=listing) so
    order matching uses them at once. Rows this listing wrote before and no longer holds are removed;
    rows someone matched by hand are kept."""
    wanted = {(o.channel_option_id, o.sku_id): o.quantity
              for o in ListingOption.objects.filter(company=company, listing=listing, sku__isnull=False)}
    existing = {(m.channel_option_id, m.sku_id): m for m in OptionMapping.objects.filter(
        company=company, account_id=listing.account_id, channel_product_id=listing.channel_product_id)}
    for key, m in existing.items():
        if key not in wanted and m.source == OptionMapping.Source.LISTING:
            m.delete()
    written = 0
    for (oid, sku_id), qty in wanted.items():
        m = existing.get((oid, sku_id))
        if m is None:
            OptionMapping.objects.create(company=company, account_id=listing.account_id,
                                         channel_product_id=listing.channel_product_id, channel_option_id=oid,
                                         sku_id=sku_id, quantity=qty, source=OptionMapping.Source.LISTING,
                                         created_by=user)
            written += 1
        elif m.quantity != qty:
            m.quantity = qty
            m.save(update_fields=["quantity"])
            written += 1
    return written


def _apply_channel_listing(*, company: Company, listing_id: int, cl: ChannelListing, user: User | None,
                           sent: bool) -> Listing:
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing_id)
        listing.channel_product_id = order_product_id(cl)
        listing.api_product_id = cl.origin_product_id
        listing.status = Listing.Status.LINKED
        listing.last_error = ""
        listing.channel_snapshot = _snapshot(cl)
        listing.last_synced_at = timezone.now()
        if sent:
            listing.last_sent_at = timezone.now()
        listing.save()
        options = list(ListingOption.objects.filter(company=company, listing=listing).order_by("sort_order", "id"))
        pairs = _pair_options(options, cl)
        stock = {c.option_id: c.stock for c in cl.options}
        for o in options:
            o.channel_option_id = pairs.get(o.pk, o.channel_option_id)
            o.channel_stock = stock.get(o.channel_option_id)
            o.save(update_fields=["channel_option_id", "channel_stock"])
        _mappings_write(company=company, listing=listing, user=user)
        # linked (registered, or refreshed by an import): the channel gets our stock from now on
        _mark_linked(company, [listing])
    return listing


def _mark_linked(company: Company, listings: list[Listing]) -> int:
    """A listing was linked to its channel product (registered, imported, linked by code, an option
    mapped): mark it for a stock push in the caller's transaction, so the channel shows our stock from
    now on. Not when its stock-managed SKUs have no stock record at all (no StockLevel row for them or
    their set components — e.g. a product the import just created): that push would set the channel
    to 0 and stop its sales; the first stock movement of those SKUs marks the listing instead."""
    from marketdock.catalog.selectors import set_components
    from marketdock.inventory.models import StockLevel

    listings = [lst for lst in listings if lst.status == Listing.Status.LINKED and lst.channel_product_id]
    if not listings:
        return 0
    keys = {(lst.account_id, lst.channel_product_id): lst.pk for lst in listings}
    skus: dict[int, set[int]] = {lst.pk: set() for lst in listings}
    for acc, pid, sku_id in OptionMapping.objects.filter(
            company=company, account_id__in={k[0] for k in keys}, channel_product_id__in={k[1] for k in keys},
    ).values_list("account_id", "channel_product_id", "sku_id"):
        if (acc, pid) in keys:
            skus[keys[(acc, pid)]].add(sku_id)
    components = set_components(company, {s for ids in skus.values() for s in ids})
    for ids in skus.values():
        ids |= {c for s in list(ids) for c, _q in components.get(s, ())}
    stocked = set(StockLevel.objects.filter(company=company, sku_id__in={s for ids in skus.values() for s in ids})
                  .values_list("sku_id", flat=True).distinct())
    managed = dict(Product.objects.filter(company=company, pk__in={lst.product_id for lst in listings})
                   .values_list("pk", "inventory_managed"))
    chosen = [lst for lst in listings if not managed.get(lst.product_id, True) or skus[lst.pk] & stocked]
    return listings_mark_dirty(company=company, listings=chosen, kind=SyncKind.STOCK)


def _record_error(*, company: Company, listing_id: int, message: str) -> None:
    Listing.objects.filter(company=company, pk=listing_id).update(
        status=Listing.Status.ERROR, last_error=message[:2000], updated_at=timezone.now())


def listing_send(*, company: Company, listing_id: int, user: User | None = None) -> SendResult:
    """Send one listing to its channel: register it (no channel product id yet) or rewrite it. The
    marketplace call happens outside any transaction; the outcome is written afterwards."""
    listing = Listing.objects.select_related("account", "product", "product__brand", "shipping_policy").get(
        company=company, pk=listing_id)
    label = listing.account.name
    from .services_product_fields import listing_send_problems

    problems = listing_send_problems(listing)
    if problems:  # checked here, one message per missing value, instead of the marketplace's DRAFT_INVALID
        message = _("전송하지 않았습니다. %(problems)s") % {"problems": " / ".join(problems)}
        _record_error(company=company, listing_id=listing_id, message=message)
        return SendResult(listing.pk, label, False, message)
    try:
        draft = listing_draft_payload(company=company, listing=listing)
    except ValueError as exc:  # pydantic validation of the draft (e.g. an empty option name)
        message = _("전송할 자료가 올바르지 않습니다: %(error)s") % {"error": exc}
        _record_error(company=company, listing_id=listing_id, message=message)
        return SendResult(listing.pk, label, False, message)
    if listing.status != Listing.Status.LINKED:
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.REGISTERING)
    try:
        with _connector(listing.account) as conn:
            if listing.channel_product_id:
                cl = conn.update_listing(listing.channel_product_id, draft)
            else:
                cl = conn.register_listing(draft)
    except (ConnectorError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        code = getattr(exc, "code", "")
        if code:
            message = f"[{code}] {message}"
        _record_error(company=company, listing_id=listing_id, message=message)
        return SendResult(listing.pk, label, False, message)
    try:
        listing = _apply_channel_listing(company=company, listing_id=listing_id, cl=cl, user=user, sent=True)
    except IntegrityError:
        message = _("연동상품코드 %(code)s은(는) 이 계정의 다른 쇼핑몰 상품에 이미 연결되어 있습니다.") % {
            "code": order_product_id(cl)}
        _record_error(company=company, listing_id=listing_id, message=message)
        return SendResult(listing_id, label, False, message)
    return SendResult(listing.pk, label, True, _("전송 완료"), listing.channel_product_id)


# --- bulk edit (LST-5) -------------------------------------------------------------------------------

BULK_GROUPS = ("basic", "shipping", "category")


def listings_bulk_edit(*, company: Company, account: ChannelAccount, listing_ids: list[int], changes: dict,
                       user: User | None = None) -> list[Listing]:
    """Apply the same change to many listings of ONE channel account (all or nothing). `changes` keys:
    sale_status, price, price_delta (± won), name_prefix, name_suffix (basic info); shipping_policy
    (shipping info); category_id, category_name (category). Only the listings chosen change."""
    _own(company, account)
    ids = sorted({int(i) for i in listing_ids})
    if not ids:
        raise ListingError(_("수정할 상품을 하나 이상 고르세요."))
    listings = list(Listing.objects.filter(company=company, pk__in=ids).select_related("product"))
    errors: list[str] = []
    if len(listings) != len(ids):
        errors.append(_("고른 상품 중 찾을 수 없는 것이 있습니다. 화면을 새로고침하세요."))
    wrong = [lst for lst in listings if lst.account_id != account.pk]
    if wrong:
        errors.append(_("일괄수정은 한 쇼핑몰 계정의 상품만 함께 할 수 있습니다: %(names)s") % {
            "names": ", ".join(lst.name for lst in wrong[:5])})
    sale_status = changes.get("sale_status") or ""
    if sale_status and sale_status not in SaleStatus.values:
        errors.append(_("판매상태 '%(v)s'이(가) 올바르지 않습니다.") % {"v": sale_status})
    price = changes.get("price")
    delta = changes.get("price_delta")
    if price is not None and delta:
        errors.append(_("판매가는 금액 지정과 증감 중 하나만 입력하세요."))
    if price is not None and (price < 0 or price > MAX_PRICE):
        errors.append(_("판매가 '%(v)s'이(가) 올바르지 않습니다.") % {"v": price})
    if delta:
        for lst in listings:
            if lst.price + delta < 0:
                errors.append(_("%(name)s: 판매가 %(price)s원에 %(delta)s원을 더하면 0원보다 작습니다.") % {
                    "name": lst.name, "price": f"{lst.price:,}", "delta": f"{delta:,}"})
    prefix = (changes.get("name_prefix") or "").strip()
    suffix = (changes.get("name_suffix") or "").strip()
    if prefix or suffix:
        for lst in listings:
            if len(f"{prefix} {lst.name} {suffix}".strip()) > 200:
                errors.append(_("%(name)s: 상품명이 200자를 넘습니다.") % {"name": lst.name})
    policy = changes.get("shipping_policy")
    if policy is not None:
        _own(company, policy)
        if policy.account_id != account.pk:
            errors.append(_("배송정보 '%(name)s'은(는) 이 쇼핑몰 계정의 것이 아닙니다.") % {"name": policy.name})
    category_id = changes.get("category_id")
    category_name = (changes.get("category_name") or "").strip()
    if category_id is not None:
        from .services_categories import category_resolve

        try:
            category_id, category_name = category_resolve(company, account, category_id, category_name)
        except ListingError as exc:
            errors += exc.errors
    has_change = any([sale_status, price is not None, delta, prefix, suffix, policy is not None,
                      category_id is not None])
    if not has_change:
        errors.append(_("바꿀 항목을 하나 이상 입력하세요."))
    if errors:
        raise ListingError(errors)
    with transaction.atomic():
        repriced = []
        for lst in Listing.objects.select_for_update().filter(company=company, pk__in=ids):
            old_price = lst.price
            if sale_status:
                lst.sale_status = sale_status
            if price is not None:
                lst.price = price
            if delta:
                lst.price = lst.price + delta
            if prefix or suffix:
                lst.name = " ".join(p for p in (prefix, lst.name, suffix) if p)
            if policy is not None:
                lst.shipping_policy = policy
            if category_id is not None:
                lst.category_id = category_id.strip()
                lst.category_name = category_name
            lst.save()
            if lst.price != old_price:
                repriced.append(lst)
        listings_mark_dirty(company=company, listings=repriced, kind=SyncKind.PRICE)
    return list(Listing.objects.filter(company=company, pk__in=ids))


def listing_update(*, company: Company, listing: Listing, data: dict) -> Listing:
    """Edit one listing's own fields (name, price, sale status, category, shipping policy, allocation)."""
    _own(company, listing)
    t = RegisterTarget(account=listing.account, name=data.get("name", listing.name),
                       price=data.get("price", listing.price), category_id=data.get("category_id", "") or "",
                       category_name=data.get("category_name", "") or "",
                       shipping_policy=data.get("shipping_policy"), sale_status=data.get("sale_status", listing.sale_status))
    errors = _clean_target(company, t, listing.account.name)
    if t.category_id.strip() == listing.category_id and not t.category_name.strip():
        t.category_name = listing.category_name  # the picker sends the code only: an unchanged one keeps its name
    if t.category_id.strip() != listing.category_id:
        errors += _resolve_category(company, t)
    rule = data.get("allocation_rule", listing.allocation_rule)
    value = data.get("allocation_value", listing.allocation_value) or 0
    if rule not in AllocationRule.values:
        errors.append(_("재고 할당 방식을 고르세요."))
    elif rule == AllocationRule.PERCENT and not 0 <= value <= 100:
        errors.append(_("비율은 0~100 사이로 입력하세요."))
    typed = data.get("typed_stock", listing.typed_stock)
    if typed is not None and typed < 0:
        errors.append(_("입력 재고는 0 이상이어야 합니다."))
    if errors:
        raise ListingError(errors)
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing.pk)
        stock_before = (listing.allocation_rule, listing.allocation_value, listing.typed_stock)
        price_before = listing.price
        listing.name, listing.price, listing.sale_status = t.name, t.price, t.sale_status
        listing.category_id, listing.category_name = t.category_id.strip(), t.category_name.strip()
        listing.shipping_policy = t.shipping_policy
        listing.allocation_rule, listing.allocation_value, listing.typed_stock = rule, value, typed
        listing.save()
        # what the channel shows follows at once (name, category and the rest go with 쇼핑몰전송)
        if stock_before != (rule, value, typed):
            listings_mark_dirty(company=company, listings=[listing], kind=SyncKind.STOCK)
        if price_before != listing.price:
            listings_mark_dirty(company=company, listings=[listing], kind=SyncKind.PRICE)
    return listing


# --- import (LST-3) ----------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    product_id: str
    name: str
    outcome: str  # "updated" | "linked" | "created" | "skipped" | "error"
    message: str = ""
    listing_id: int | None = None


CODE_RE = re.compile(r"[^0-9A-Za-z_\-.]")


def _free_code(company: Company, want: str, fallback: str, model) -> str:
    code = CODE_RE.sub("", want or "")[:40] or fallback
    if not model.objects.filter(company=company, code=code).exists():
        return code
    i = 2
    while model.objects.filter(company=company, code=f"{code[:36]}-{i}").exists():
        i += 1
    return f"{code[:36]}-{i}"


def _product_for(company: Company, cl: ChannelListing) -> tuple[Product | None, dict[str, SKU]]:
    """The catalogue product a channel listing is (by seller product code = product seller code or
    code; else by seller option codes = SKU codes/barcodes of one product), and its SKUs by channel
    option id."""
    opt_codes = {o.seller_option_code for o in cl.options if o.seller_option_code}
    skus = {}
    if opt_codes:
        for s in SKU.objects.filter(Q(code__in=opt_codes) | Q(barcode__in=opt_codes), company=company):
            skus[s.code] = s
            skus[s.barcode] = s
    product = None
    code = cl.seller_product_code.strip()
    if code:
        # case-insensitive: Shopify keeps the seller code as the product handle, lowercased
        product = (Product.objects.filter(company=company, seller_code__iexact=code).order_by("id").first()
                   or Product.objects.filter(company=company, code__iexact=code).order_by("id").first())
    if product is None and skus:
        owners = {s.product_id for s in skus.values()}
        if len(owners) == 1:
            product = Product.objects.get(company=company, pk=owners.pop())
    if product is None and code:  # a single-SKU product sold under its SKU code
        sku = (SKU.objects.filter(Q(code__iexact=code) | Q(barcode__iexact=code), company=company)
               .select_related("product").order_by("id").first())
        if sku is not None:
            product = sku.product
            skus.setdefault(code, sku)
    by_option: dict[str, SKU] = {}
    if product is not None:
        own = list(product.skus.all())
        by_text = {s.option_text: s for s in own}
        for o in cl.options:
            s = skus.get(o.seller_option_code) if o.seller_option_code else None
            if s is None or s.product_id != product.pk:
                s = by_text.get(o.name)
            if s is None and len(own) == 1 and len(cl.options) == 1:
                s = own[0]
            if s is not None:
                by_option[o.option_id] = s
    return product, by_option


def _product_create_from(company: Company, account: ChannelAccount, cl: ChannelListing) -> tuple[Product, dict[str, SKU]]:
    from marketdock.catalog import services as catalog

    code = _free_code(company, cl.seller_product_code, f"{account.kind.upper()}-{cl.product_id}", Product)
    names = [o.name for o in cl.options if o.name]
    has_options = len(names) == len(cl.options) and len(set(names)) == len(names) and len(names) > 0 \
        and not (len(names) == 1 and names[0] in ("", cl.name))
    data = {"code": code, "seller_code": cl.seller_product_code, "name": cl.name[:200] or code, "price": cl.price,
            "cost": 0, "tax_type": "taxable", "status": "on_sale", "inventory_managed": True}
    if has_options:
        # "블랙 / M" is two option axes in the catalogue (whose values may not contain "/")
        parts = [[" ".join(p.replace("/", "-").split())[:50] for p in n.split(" / ")] for n in names]
        depth = len(parts[0])
        if depth > 3 or any(len(p) != depth for p in parts) or len({tuple(p) for p in parts}) != len(parts):
            parts = [[" ".join(n.replace("/", "-").split())[:50]] for n in names]
            depth = 1
        axis_names = [_("옵션")] if depth == 1 else [_("옵션%(n)s") % {"n": i + 1} for i in range(depth)]
        axes = [{"name": axis_names[i], "values": list(dict.fromkeys(p[i] for p in parts))} for i in range(depth)]
        taken: set[str] = set()
        rows = []
        for o, values in zip(cl.options, parts, strict=True):
            want = _free_code(company, o.seller_option_code, f"{code}-{len(rows) + 1}", SKU)
            if want in taken:
                want = f"{code}-{len(rows) + 1}"
            taken.add(want)
            rows.append(catalog.SkuRow(option_values=dict(zip(axis_names, values, strict=True)), code=want,
                                       barcode=want, price_delta=o.price_delta))
    else:
        axes = []
        first = cl.options[0] if cl.options else None
        want = _free_code(company, first.seller_option_code if first else "", code, SKU)
        rows = [catalog.SkuRow(option_values={}, code=want, barcode=want)]
    product = catalog.product_save(company=company, product=None, data=data, axes=axes, rows=rows)
    skus = list(product.skus.order_by("sort_order", "id"))
    if has_options:
        by_code = {s.code: s for s in skus}
        by_option = {o.option_id: by_code[row.code] for o, row in zip(cl.options, rows, strict=True)
                     if row.code in by_code}
    else:
        by_option = {o.option_id: skus[0] for o in cl.options} or {"": skus[0]}
    return product, by_option


def product_create_from_channel(*, company: Company, account: ChannelAccount, cl: ChannelListing) -> Product:
    """A catalogue product with one SKU per channel option (codes = the seller codes where free)."""
    product, _by_option = _product_create_from(company, account, cl)
    return product


def listing_import_one(*, company: Company, account: ChannelAccount, cl: ChannelListing, create_missing: bool,
                       user: User | None = None, pulled: bool = True) -> ImportOutcome:
    """Bring one channel listing into marketdock in one transaction: refresh the listing we already
    have, or link it to the catalogue product with the same seller code, or create the product and its
    SKUs (when `create_missing`)."""
    from marketdock.catalog.services import CatalogError

    pid = order_product_id(cl)
    existing = Listing.objects.filter(company=company, account=account, channel_product_id=pid).first()
    try:
        with transaction.atomic():
            if existing is not None:
                _apply_channel_listing(company=company, listing_id=existing.pk, cl=cl, user=user, sent=False)
                return ImportOutcome(cl.product_id, cl.name, "updated", _("이미 연동된 상품: 쇼핑몰 상태를 갱신했습니다."),
                                     existing.pk)
            product, by_option = _product_for(company, cl)
            outcome = "linked"
            if product is None:
                if not create_missing:
                    return ImportOutcome(cl.product_id, cl.name, "skipped",
                                         _("판매자상품코드 '%(code)s'와 같은 상품이 없어 건너뛰었습니다.") % {
                                             "code": cl.seller_product_code or "-"})
                product, by_option = _product_create_from(company, account, cl)
                outcome = "created"
            listing = _listing_from_channel(company=company, account=account, product=product, cl=cl,
                                            by_option=by_option, user=user, pulled=pulled)
    except CatalogError as exc:
        return ImportOutcome(cl.product_id, cl.name, "error", "; ".join(exc.messages))
    message = _("상품 %(code)s에 연결했습니다.") if outcome == "linked" else _("상품 %(code)s을(를) 새로 만들었습니다.")
    unmapped = sum(1 for o in cl.options if o.option_id not in by_option)
    if unmapped:
        message += " " + _("매칭되지 않은 옵션 %(n)s개는 상세 화면에서 단품을 지정하세요.") % {"n": unmapped}
    return ImportOutcome(cl.product_id, cl.name, outcome, message % {"code": product.code}, listing.pk)


def _listing_from_channel(*, company: Company, account: ChannelAccount, product: Product, cl: ChannelListing,
                          by_option: dict[str, SKU], user: User | None, pulled: bool = True) -> Listing:
    """`pulled` False: `cl` was not read from the marketplace just now (no snapshot to compare with)."""
    listing = Listing.objects.create(
        company=company, account=account, product=product, channel_product_id=order_product_id(cl),
        api_product_id=cl.origin_product_id, seller_product_code=cl.seller_product_code, name=cl.name[:200] or product.name,
        price=cl.price, sale_status=cl.sale_status, category_id=cl.category_id, status=Listing.Status.LINKED,
        channel_snapshot=_snapshot(cl) if pulled else {}, last_synced_at=timezone.now() if pulled else None,
        created_by=user,
        shipping_policy=ShippingPolicy.objects.filter(company=company, account=account, is_default=True).first(),
    )
    ListingOption.objects.bulk_create([
        ListingOption(company=company, listing=listing, channel_option_id=o.option_id, name=o.name,
                      price_delta=o.price_delta, seller_option_code=o.seller_option_code, sku=by_option.get(o.option_id),
                      quantity=1, channel_stock=o.stock if pulled else None, sort_order=i)
        for i, o in enumerate(cl.options)
    ] or [ListingOption(company=company, listing=listing, channel_option_id="", sku=by_option.get(""), quantity=1)])
    _mappings_write(company=company, listing=listing, user=user)
    _mark_linked(company, [listing])  # newly linked: push our stock
    return listing


# --- data migration (데이터 이관, LST-4) -------------------------------------------------------------


@dataclass
class LinkRow:
    row: int
    code: str  # SKU code/barcode, or a product code of a single-SKU product
    channel_product_id: str
    channel_option_id: str = ""
    quantity: int = 1
    sku: SKU | None = field(default=None, repr=False)


def link_rows_parse(text: str) -> list[LinkRow]:
    """Rows pasted from Excel (tab) or CSV (comma): 단품코드, 연동상품코드[, 쇼핑몰옵션코드[, 수량]].
    A header row (starting with 단품코드/상품코드/code) is skipped. Raises ListingError naming rows."""
    rows, errors = [], []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else line.split(","))]
        if n == 1 and cells[0].replace(" ", "") in ("단품코드", "상품코드", "code", "SKU", "sku"):
            continue
        cells += [""] * (4 - len(cells))
        code, pid, oid, qty = cells[:4]
        if not code or not pid:
            errors.append(_("%(n)s행: 단품코드와 연동상품코드를 모두 입력하세요.") % {"n": n})
            continue
        try:
            quantity = int(qty) if qty else 1
        except ValueError:
            errors.append(_("%(n)s행: 수량 '%(v)s'은(는) 숫자가 아닙니다.") % {"n": n, "v": qty})
            continue
        if quantity < 1:
            errors.append(_("%(n)s행: 수량은 1 이상이어야 합니다.") % {"n": n})
            continue
        rows.append(LinkRow(n, code, pid, oid, quantity))
    if errors:
        raise ListingError(errors)
    if not rows:
        raise ListingError(_("연결할 행이 없습니다. 단품코드와 연동상품코드를 한 줄에 하나씩 붙여넣으세요."))
    return rows


@dataclass
class LinkSummary:
    created: list[Listing]
    updated: list[Listing]
    mappings: int


def listings_link_by_code(*, company: Company, account: ChannelAccount, rows: list[LinkRow],
                          user: User | None = None) -> LinkSummary:
    """Link catalogue SKUs to products that already exist on the channel, by code, without sending
    anything to the channel: creates/extends the listing (연동상품코드) and its option mappings. The
    listing's name, price and status come from the next sync. All rows or none."""
    _own(company, account)
    errors: list[str] = []
    codes = {r.code for r in rows}
    skus = {}
    for s in SKU.objects.filter(Q(code__in=codes) | Q(barcode__in=codes), company=company).select_related("product"):
        skus[s.barcode] = s
        skus[s.code] = s
    products = {p.code: p for p in Product.objects.filter(company=company, code__in=codes).prefetch_related("skus")}
    seen: set[tuple[str, str, int]] = set()
    for r in rows:
        sku = skus.get(r.code)
        if sku is None and r.code in products:
            own = list(products[r.code].skus.all())
            if len(own) == 1:
                sku = own[0]
            else:
                errors.append(_("%(n)s행: 상품 '%(code)s'은(는) 단품이 여러 개입니다. 단품코드를 입력하세요.") % {
                    "n": r.row, "code": r.code})
                continue
        if sku is None:
            errors.append(_("%(n)s행: 단품코드 '%(code)s'을(를) 찾을 수 없습니다.") % {"n": r.row, "code": r.code})
            continue
        key = (r.channel_product_id, r.channel_option_id, sku.pk)
        if key in seen:
            errors.append(_("%(n)s행: 같은 연결이 두 번 있습니다.") % {"n": r.row})
        seen.add(key)
        r.sku = sku
    products_per_pid: dict[str, set[int]] = {}
    for r in rows:
        if r.sku is not None:
            products_per_pid.setdefault(r.channel_product_id, set()).add(r.sku.product_id)
    existing = {lst.channel_product_id: lst for lst in Listing.objects.filter(
        company=company, account=account, channel_product_id__in=list(products_per_pid))}
    for pid, prods in products_per_pid.items():
        lst = existing.get(pid)
        if lst is not None and lst.product_id not in prods:
            errors.append(_("연동상품코드 %(pid)s은(는) 이미 다른 상품(%(name)s)에 연결되어 있습니다.") % {
                "pid": pid, "name": lst.product.name})
    if errors:
        raise ListingError(errors)
    created, updated, mappings = [], [], 0
    with transaction.atomic():
        by_pid: dict[str, list[LinkRow]] = {}
        for r in rows:
            by_pid.setdefault(r.channel_product_id, []).append(r)
        for pid, group in by_pid.items():
            product = group[0].sku.product
            listing = existing.get(pid)
            if listing is None:
                listing = Listing.objects.create(
                    company=company, account=account, product=product, channel_product_id=pid,
                    name=product.name, price=product.price, seller_product_code=product.seller_code or product.code,
                    status=Listing.Status.LINKED, created_by=user,
                    shipping_policy=ShippingPolicy.objects.filter(company=company, account=account,
                                                                  is_default=True).first())
                created.append(listing)
            else:
                updated.append(listing)
            have = {(o.channel_option_id, o.sku_id): o for o in listing.options.all()}
            for i, r in enumerate(group):
                o = have.get((r.channel_option_id, r.sku.pk))
                if o is None:
                    ListingOption.objects.create(company=company, listing=listing, channel_option_id=r.channel_option_id,
                                                 name=r.sku.option_text, price_delta=r.sku.price_delta,
                                                 seller_option_code=r.sku.code, sku=r.sku, quantity=r.quantity,
                                                 sort_order=i)
                elif o.quantity != r.quantity:
                    o.quantity = r.quantity
                    o.save(update_fields=["quantity"])
            mappings += _mappings_write(company=company, listing=listing, user=user)
        # linked by code: stock only (the price stays the channel's until someone edits it here)
        _mark_linked(company, created + updated)
    return LinkSummary(created, updated, mappings)


def listing_option_map(*, company: Company, option: ListingOption, sku: SKU | None, quantity: int = 1,
                       user: User | None = None) -> ListingOption:
    """Point one channel option at a SKU × quantity (or at nothing) and rewrite the listing's mappings."""
    _own(company, option, sku)
    if quantity < 1:
        raise ListingError(_("수량은 1 이상이어야 합니다."))
    with transaction.atomic():
        option.sku = sku
        option.quantity = quantity
        option.save(update_fields=["sku", "quantity"])
        listing = option.listing
        if listing.channel_product_id:
            _mappings_write(company=company, listing=listing, user=user)
            _mark_linked(company, [listing])
    return option


# --- pulling the channel's state (상품동기화, LST-6) ------------------------------------------------


def listing_pull_apply(*, company: Company, listing_id: int, cl: ChannelListing) -> Listing:
    """Store what the channel holds now (name, price, sale status, per-option stock) beside the listing,
    for the differences screen. Our own values stay as they are."""
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing_id)
        listing.channel_snapshot = _snapshot(cl)
        listing.last_synced_at = timezone.now()
        if cl.origin_product_id:
            listing.api_product_id = cl.origin_product_id
        listing.save(update_fields=["channel_snapshot", "last_synced_at", "api_product_id", "updated_at"])
        stock = {c.option_id: c.stock for c in cl.options}
        options = list(ListingOption.objects.filter(company=company, listing=listing))
        known = {o.channel_option_id for o in options}
        for o in options:
            if o.channel_option_id in stock or (o.channel_option_id == "" and len(cl.options) == 1):
                o.channel_stock = stock.get(o.channel_option_id, cl.options[0].stock if cl.options else None)
                o.save(update_fields=["channel_stock"])
        # an option that exists on the channel but not here (added on the marketplace): keep it, unmapped
        for i, c in enumerate(cl.options):
            if c.option_id not in known and not (len(cl.options) == 1 and "" in known):
                ListingOption.objects.create(company=company, listing=listing, channel_option_id=c.option_id,
                                             name=c.name, price_delta=c.price_delta,
                                             seller_option_code=c.seller_option_code, channel_stock=c.stock,
                                             sort_order=100 + i)
    return listing


def listing_accept_channel(*, company: Company, listing: Listing) -> Listing:
    """Take the channel's name, price and sale status as ours (after a pull showed a difference)."""
    _own(company, listing)
    snap = listing.channel_snapshot or {}
    if not snap:
        raise ListingError(_("쇼핑몰에서 가져온 상태가 없습니다. 먼저 동기화하세요."))
    with transaction.atomic():
        listing = Listing.objects.select_for_update().get(company=company, pk=listing.pk)
        listing.name = (snap.get("name") or listing.name)[:200]
        listing.price = int(snap.get("price") or 0)
        if snap.get("sale_status") in SaleStatus.values:
            listing.sale_status = snap["sale_status"]
        listing.save()
    return listing
