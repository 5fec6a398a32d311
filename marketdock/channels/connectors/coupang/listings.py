"""Coupang listings (`/v2/providers/seller_api/apis/api/v1/marketplace`): GET seller-products
(nextToken paging) and seller-products/{sellerProductId} (items with vendorItemId); stock/price/sale
state per vendor item: GET vendor-items/{id}/inventories, PUT …/quantities/{n}, …/prices/{n},
…/sales/stop|resume; POST/PUT seller-products to register/update. No compare-and-set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .. import values as v
from ..base import (
    by_product,
    listing_failures,
)
from ..errors import BusinessError, MalformedPayload
from ..models import (
    ChannelCategory,
    ChannelListing,
    ChannelListingOption,
    KnownListing,
    ListingDraft,
    ListingDraftOption,
    ListingPage,
    ListingUpdateResult,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .auth import MP

LISTING_PAGE = 50
SELLER_PREFIX = "/v2/providers/seller_api/apis/api/v1/marketplace"


class CoupangListings:
    """Products, stock, price, sale status and categories (mixed into CoupangConnector)."""


    def _product_call(self, method: str, path: str, *, params: Sequence[tuple[str, str]] = (), json: Any = None,
                      idempotent: bool = True) -> Any:
        payload = self._call(method, f"{SELLER_PREFIX}{path}", params=params, json=json, idempotent=idempotent)
        if not isinstance(payload, Mapping):
            raise MalformedPayload("(응답 본문)", "객체가 아닙니다", marketplace=MP, value=payload)
        code = str(payload.get("code", ""))
        if code not in ("SUCCESS", "200", "OK"):
            raise BusinessError(str(payload.get("message") or code or "쿠팡이 요청을 거절했습니다"), marketplace=MP,
                                code=code)
        return payload

    def list_categories(self) -> list[ChannelCategory]:
        """노출 카테고리 목록조회: GET …/meta/display-categories → data = the root node, children in `child`."""
        payload = self._product_call("GET", "/meta/display-categories")
        root = payload.get("data")
        if not isinstance(root, Mapping):
            raise MalformedPayload("data", "카테고리 트리가 아닙니다", marketplace=MP, value=root)
        return parse_display_categories(root)

    def _item_inventory(self, vendor_item_id: str) -> Mapping[str, Any]:
        payload = self._product_call("GET", f"/vendor-items/{quote(vendor_item_id, safe='')}/inventories")
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise MalformedPayload("data", "재고 정보가 없습니다", marketplace=MP, value=data)
        return data

    def _seller_product(self, product_id: str) -> Mapping[str, Any]:
        payload = self._product_call("GET", f"/seller-products/{quote(product_id, safe='')}")
        data = payload.get("data")
        if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
            raise MalformedPayload("data.items", "상품 옵션 목록이 없습니다", marketplace=MP, value=data)
        return data

    def _listing(self, data: Mapping[str, Any]) -> ChannelListing:
        inventories = {}
        for item in data["items"]:
            if item.get("vendorItemId"):
                inventories[str(item["vendorItemId"])] = self._item_inventory(str(item["vendorItemId"]))
        return parse_seller_product(data, inventories)

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        params = [("vendorId", self.credentials.vendor_id), ("maxPerPage", str(LISTING_PAGE))]
        if cursor:
            params.append(("nextToken", cursor))
        payload = self._product_call("GET", "/seller-products", params=params)
        rows = payload.get("data")
        if not isinstance(rows, list):
            raise MalformedPayload("data", "목록이 아닙니다", marketplace=MP, value=rows)
        listings = [self.get_listing(v.text(row.get("sellerProductId"), f"data[{i}].sellerProductId",
                                            marketplace=MP, required=True)) for i, row in enumerate(rows)]
        next_token = str(payload.get("nextToken") or "")
        return ListingPage(listings=listings, has_more=bool(next_token), next_cursor=next_token or None)

    def get_listing(self, product_id: str) -> ChannelListing:
        return self._listing(self._seller_product(product_id))

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        body = build_seller_product(draft, self.credentials.vendor_id)
        payload = self._product_call("POST", "/seller-products", json=body, idempotent=False)
        data = payload.get("data")
        if isinstance(data, Mapping):  # some documented answers nest {code, data: id}
            data = data.get("data")
        product_id = v.text(data, "data", marketplace=MP, required=True)
        return self.get_listing(product_id)

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        current = self._seller_product(product_id)
        body = build_seller_product(draft, self.credentials.vendor_id, current=current)
        body["sellerProductId"] = _int(product_id, "sellerProductId")
        self._product_call("PUT", "/seller-products", json=body)
        return self.get_listing(product_id)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """PUT …/vendor-items/{vendorItemId}/quantities/{quantity} per option; no compare-and-set
        (expected_quantity is ignored — capabilities.compare_and_set is False)."""
        result = StockUpdateResult()
        for item in items:
            try:
                self._product_call("PUT", f"/vendor-items/{_int(item.option_id, 'vendorItemId')}"
                                          f"/quantities/{item.quantity}")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [item.option_id], exc))
                continue
            result.applied.append((item.product_id, item.option_id))
        return result

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        """Per vendor item. A product-level price (option_id None) moves every option, keeping each
        option's difference to the cheapest one. Coupang refuses moves beyond −50 %…+100 %."""
        result = ListingUpdateResult()
        for product_id, group in by_product(items).items():
            targets: dict[str, int] = {}
            try:
                if any(item.option_id is None for item in group):
                    listing = self.get_listing(product_id)
                    base = next(item.price for item in group if item.option_id is None)
                    targets.update({o.option_id: base + o.price_delta for o in listing.options if o.option_id})
                targets.update({item.option_id: item.price for item in group if item.option_id is not None})
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, [i.option_id for i in group], exc))
                continue
            failed_options: set[str] = set()
            for option_id, price in targets.items():
                try:
                    self._product_call("PUT", f"/vendor-items/{_int(option_id, 'vendorItemId')}/prices/{price}")
                except BusinessError as exc:
                    failed_options.add(option_id)
                    result.failed.extend(listing_failures(product_id, [option_id], exc))
            for item in group:
                if (item.option_id is None and not failed_options) or (
                        item.option_id is not None and item.option_id not in failed_options):
                    result.applied.append((product_id, item.option_id or ""))
        return result

    def remember_listings(self, listings: Sequence[KnownListing]) -> None:
        """The vendor items (option ids) the OMS knows per seller product, so 판매중지/재개 need not read
        the product first."""
        for known in listings:
            ids = [o.option_id for o in known.options if o.option_id.isdigit()]
            if ids and len(ids) == len(known.options):
                self._vendor_items[known.product_id] = ids

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        """판매중지/재개 of every vendor item of the product (read from Coupang unless remembered)."""
        result = ListingUpdateResult()
        for item in items:
            action = "resume" if item.on_sale else "stop"
            try:
                vendor_items = self._vendor_items.get(item.product_id)
                if vendor_items is None:
                    data = self._seller_product(item.product_id)
                    vendor_items = [str(i["vendorItemId"]) for i in data["items"] if i.get("vendorItemId")]
                if not vendor_items:
                    raise BusinessError("승인된 옵션(vendorItemId)이 없어 판매상태를 바꿀 수 없습니다", marketplace=MP,
                                        code="NOT_APPROVED")
                for vendor_item in vendor_items:
                    self._product_call("PUT", f"/vendor-items/{vendor_item}/sales/{action}")
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result


# --- parsing and building --------------------------------------------------------------------

def _int(value: str | None, field: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise BusinessError(f"{field}: 숫자 번호가 아닙니다 ({value!r})", marketplace=MP, code="BAD_ID") from None


def parse_seller_product(data: Mapping[str, Any], inventories: Mapping[str, Mapping[str, Any]]) -> ChannelListing:
    """GET seller-products/{id} `data` (+ each vendor item's inventories answer) → ChannelListing.
    Options not yet approved have no vendorItemId: option_id "" (they cannot be updated yet)."""
    options: list[tuple[ChannelListingOption, int, bool]] = []
    for i, item in enumerate(data["items"]):
        ip = f"data.items[{i}]"
        vendor_item = v.text(item.get("vendorItemId"), f"{ip}.vendorItemId", marketplace=MP)
        inventory = inventories.get(vendor_item) or {}
        price = v.integer(inventory.get("salePrice", item.get("salePrice")), f"{ip}.salePrice", marketplace=MP)
        stock = v.integer(inventory.get("amountInStock", item.get("maximumBuyCount")), f"{ip}.amountInStock",
                          marketplace=MP, required=False)
        on_sale = bool(inventory.get("onSale", True))
        options.append((ChannelListingOption(
            option_id=vendor_item, name=v.text(item.get("itemName"), f"{ip}.itemName", marketplace=MP),
            stock=stock, seller_option_code=v.text(item.get("externalVendorSku"), f"{ip}.externalVendorSku",
                                                   marketplace=MP), raw=dict(item)), price, on_sale))
    base = min((price for _, price, _ in options), default=0)
    selling = [option for option, _, on_sale in options if on_sale]
    if not selling:
        status = "stopped"
    elif sum(option.stock for option in selling) <= 0:
        status = "sold_out"
    else:
        status = "on_sale"
    return ChannelListing(
        product_id=v.text(data.get("sellerProductId"), "data.sellerProductId", marketplace=MP, required=True),
        name=v.text(data.get("sellerProductName"), "data.sellerProductName", marketplace=MP),
        price=base, sale_status=status, raw_status=v.text(data.get("statusName"), "data.statusName", marketplace=MP),
        seller_product_code=v.text(data.get("externalVendorSkuCode") or data.get("sellerProductCode"),
                                   "data.externalVendorSkuCode", marketplace=MP),
        category_id=v.text(data.get("displayCategoryCode"), "data.displayCategoryCode", marketplace=MP),
        options=[option.model_copy(update={"price_delta": price - base}) for option, price, _ in options],
        raw=dict(data))


def parse_display_categories(root: Mapping[str, Any]) -> list[ChannelCategory]:
    """Coupang's display category tree (root "ROOT" with `child` lists) → nodes, parents first;
    categories not ACTIVE are left out."""
    out: list[ChannelCategory] = []
    stack: list[tuple[Mapping[str, Any], str, list[str]]] = [
        (child, "", []) for child in reversed(root.get("child") or []) if isinstance(child, Mapping)]
    while stack:
        node, parent, names = stack.pop()
        code = str(node.get("displayItemCategoryCode") or "")
        if not code or str(node.get("status") or "ACTIVE") != "ACTIVE":
            continue
        path = [*names, str(node.get("name") or code)]
        children = [c for c in node.get("child") or [] if isinstance(c, Mapping)]
        out.append(ChannelCategory(id=code, name=path[-1], path=" > ".join(path), parent_id=parent,
                                   leaf=not children))
        stack.extend((child, code, path) for child in reversed(children))
    return out


COUPANG_REQUIRED_EXTRA = {
    "vendorUserId": "WING 로그인 ID(vendorUserId)",
    "outboundShippingPlaceCode": "출고지 코드(outboundShippingPlaceCode)",
    "returnCenterCode": "반품지 코드(returnCenterCode)",
    "returnChargeName": "반품지명(returnChargeName)",
    "companyContactNumber": "반품지 연락처(companyContactNumber)",
    "returnZipCode": "반품지 우편번호(returnZipCode)",
    "returnAddress": "반품지 주소(returnAddress)",
    "returnAddressDetail": "반품지 상세주소(returnAddressDetail)",
    "afterServiceInformation": "A/S 안내(afterServiceInformation)",
    "afterServiceContactNumber": "A/S 전화번호(afterServiceContactNumber)",
    "deliveryCompanyCode": "택배사 코드(deliveryCompanyCode)",
    "notices": "상품고시정보(notices)",
}
_COUPANG_FEES = {"free": "FREE", "paid": "NOT_FREE", "conditional": "CONDITIONAL_FREE"}


def build_seller_product(draft: ListingDraft, vendor_id: str, current: Mapping[str, Any] | None = None
                         ) -> dict[str, Any]:
    """ListingDraft → POST/PUT seller-products body. Coupang needs a display category, images, the
    seller's WING id, 출고지/반품지 codes and the notice (고시) fields per category: they come from the
    draft (`category_id`, `image_urls`, `extra`) or, on update, from the current product; whatever is
    missing raises BusinessError("DRAFT_INVALID") naming it, before anything is sent."""
    old = dict(current or {})
    old_items = old.get("items") or []
    extra = dict(draft.extra)
    missing: list[str] = []
    category = draft.category_id or str(old.get("displayCategoryCode") or "")
    if not category:
        missing.append("쿠팡 노출 카테고리(displayCategoryCode)")
    old_images = (old_items[0].get("images") if old_items else None) or []
    if not draft.image_urls and not old_images:
        missing.append("대표 이미지")
    values: dict[str, Any] = {}
    for key, label in COUPANG_REQUIRED_EXTRA.items():
        value = extra.pop(key, None)
        if value in (None, "", []):
            value = old.get(key) if key != "notices" else (old_items[0].get("notices") if old_items else None)
        if value in (None, "", []):
            missing.append(label)
        values[key] = value
    if not category.isdigit() and category:
        missing.append(f"쿠팡 카테고리 코드는 숫자입니다 ({category!r})")
    if missing:
        raise BusinessError("쿠팡 상품 등록에 필요한 값이 없습니다: " + ", ".join(missing), marketplace=MP,
                            code="DRAFT_INVALID", details=missing)

    images = ([{"imageOrder": i, "imageType": "REPRESENTATION" if i == 0 else "DETAIL", "vendorPath": url}
               for i, url in enumerate(draft.image_urls)] or old_images)
    contents = [{"contentsType": "HTML", "contentDetails": [{"content": draft.description_html, "detailType": "TEXT"}]}
                ] if draft.description_html else (old_items[0].get("contents") if old_items else [])
    notices = values.pop("notices")
    old_by_vendor = {str(i.get("vendorItemId")): i for i in old_items if i.get("vendorItemId")}
    options = draft.options or [ListingDraftOption(name=draft.name, stock=draft.stock,
                                                   seller_option_code=draft.seller_product_code)]
    items = []
    for option in options:
        item: dict[str, Any] = {
            "itemName": option.name, "originalPrice": draft.price + option.price_delta,
            "salePrice": draft.price + option.price_delta, "maximumBuyCount": option.stock,
            "maximumBuyForPerson": 0, "maximumBuyForPersonPeriod": 1,
            "outboundShippingTimeDay": int(extra.get("outboundShippingTimeDay", 2)), "unitCount": 1,
            "adultOnly": "EVERYONE", "taxType": extra.get("taxType", "TAX"),
            "parallelImported": "NOT_PARALLEL_IMPORTED", "overseasPurchased": "NOT_OVERSEAS_PURCHASED",
            "pccNeeded": False, "externalVendorSku": option.seller_option_code, "emptyBarcode": True,
            "emptyBarcodeReason": "바코드 없음", "barcode": "", "modelNo": "",
            "certifications": [{"certificationType": "NOT_REQUIRED", "certificationCode": ""}],
            "images": images, "notices": notices, "contents": contents,
            "attributes": [{"attributeTypeName": "옵션", "attributeValueName": option.name}] if draft.options else [],
        }
        previous = old_by_vendor.get(option.option_id)
        if previous:
            item["vendorItemId"] = int(option.option_id)
            item["sellerProductItemId"] = previous.get("sellerProductItemId")
        items.append(item)
    fee = draft.shipping
    body: dict[str, Any] = {
        "displayCategoryCode": int(category), "sellerProductName": draft.name, "vendorId": vendor_id,
        "saleStartedAt": old.get("saleStartedAt") or datetime.now(v.KST).strftime("%Y-%m-%dT%H:%M:%S"), "saleEndedAt": "2099-01-01T23:59:59",
        "displayProductName": draft.name, "brand": draft.brand, "generalProductName": draft.name,
        "productGroup": extra.pop("productGroup", old.get("productGroup") or ""),
        "deliveryMethod": "SEQUENCIAL",
        "deliveryChargeType": _COUPANG_FEES[fee.fee_type], "deliveryCharge": fee.fee if fee.fee_type != "free" else 0,
        "freeShipOverAmount": fee.free_over if fee.fee_type == "conditional" else 0,
        "deliveryChargeOnReturn": fee.return_fee, "returnCharge": fee.return_fee,
        "remoteAreaDeliverable": "N", "unionDeliveryType": "UNION_DELIVERY", "returnChargeVendor": "N",
        "requested": bool(extra.pop("requested", True)), "items": items, **values,
    }
    extra.pop("outboundShippingTimeDay", None)
    extra.pop("taxType", None)
    body.update(extra)
    return body
