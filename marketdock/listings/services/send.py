"""Sending listings to a channel (register or update) and recording what the channel answered; bulk edits."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketdock.catalog.models import Product
from marketdock.channels.connectors.errors import ConnectorError
from marketdock.channels.connectors.models import ChannelListing
from marketdock.channels.models import ChannelAccount, OptionMapping
from marketdock.core.models import Company, User
from marketdock.core.usage import UsageLimitExceeded, usage_limit_check, usage_month, usage_record

from ..models import AllocationRule, Listing, ListingOption, SaleStatus
from ..models_sync import SyncKind
from . import common
from .common import MAX_PRICE, ListingError, _own
from .dirty import listings_mark_dirty
from .drafts import RegisterTarget, _clean_target, _resolve_category, listing_draft_payload


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
        # linked (registered, or refreshed by an import): the channel gets our stock from now on; an
        # import is a first connection, a full re-sync that yields to stock changes
        _mark_linked(company, [listing], resync=not sent)
    return listing


def _mark_linked(company: Company, listings: list[Listing], *, resync: bool = False) -> int:
    """A listing was linked to its channel product (registered, imported, linked by code, an option
    mapped): mark it for a stock push in the caller's transaction, so the channel shows our stock from
    now on. Not when its stock-managed SKUs have no stock record at all (no StockLevel row for them or
    their set components — e.g. a product the import just created): that push would set the channel
    to 0 and stop its sales; the first stock movement of those SKUs marks the listing instead.
    `resync`: a first connection (import, link by code), which yields to the account's stock changes."""
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
    return listings_mark_dirty(company=company, listings=chosen, kind=SyncKind.STOCK, resync=resync)


def _record_error(*, company: Company, listing_id: int, message: str) -> None:
    Listing.objects.filter(company=company, pk=listing_id).update(
        status=Listing.Status.ERROR, last_error=message[:2000], updated_at=timezone.now())


def listing_send(*, company: Company, listing_id: int, user: User | None = None) -> SendResult:
    """Send one listing to its channel: register it (no channel product id yet) or rewrite it. The
    marketplace call happens outside any transaction; the outcome is written afterwards."""
    listing = Listing.objects.select_related("account", "product", "product__brand", "shipping_policy").get(
        company=company, pk=listing_id)
    label = listing.account.name
    from ..services_product_fields import listing_send_problems

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
    registering = not listing.channel_product_id
    try:  # service usage (SYS-8): a first registration counts against the month's 상품등록수
        warning = usage_limit_check(company, "products", current=usage_month(company, "products")) if registering else ""
    except UsageLimitExceeded as exc:
        _record_error(company=company, listing_id=listing_id, message=exc.messages[0])
        return SendResult(listing.pk, label, False, exc.messages[0])
    if listing.status != Listing.Status.LINKED:
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.REGISTERING)
    try:
        with common._connector(listing.account) as conn:
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
    if registering:
        usage_record(company, "products", 1)
    done = _("전송 완료") + (f" ({warning})" if warning else "")
    return SendResult(listing.pk, label, True, done, listing.channel_product_id)


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
        from ..services_categories import category_resolve

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
