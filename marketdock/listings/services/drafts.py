"""Listing drafts for registration on a channel: targets, category, sellable stock, the draft payload, the account's listing fields."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from marketdock.catalog.models import Product, SKUStatus
from marketdock.channels.connectors.models import ListingDraft, ListingDraftOption, ShippingFeeInfo
from marketdock.channels.models import ChannelAccount, ChannelKind, OptionMapping
from marketdock.core.models import Company, User

from ..models import AllocationRule, Listing, ListingOption, SaleStatus, ShippingPolicy
from .common import MAX_PRICE, ListingError, _own

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
    from ..services_categories import category_resolve

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
    from ..services_product_fields import effective_listing_fields

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
