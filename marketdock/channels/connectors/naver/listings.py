"""Naver listings: products, stock, price, sale status, categories.

- Listings: POST /v1/products/search (pages of origin products with their channel products), then
  GET /v2/products/origin-products/{originProductNo} for option combinations with stock and price.
  The listing id the OMS uses is the channel product no (what orders carry); the origin product no
  is looked up (search by CHANNEL_PRODUCT_NO) and cached per connector.
- Stock/price: PUT /v1/products/origin-products/{no}/option-stock with every option combination of the
  product (Naver keeps only what the body lists). What the OMS already knows (`remember_listings`:
  origin no, every option with its price and stock, the sale price) is written without reading the
  product first; otherwise (or when Naver refuses the write as invalid) read-modify-write. Products
  without options: PATCH multi-update (type STOCK), many products per request. No compare-and-set.
- Sale status: PUT /v1/products/origin-products/{no}/change-status SALE | SUSPENSION.
- Register: POST /v2/products {originProduct, smartstoreChannelProduct} → originProductNo +
  smartstoreChannelProductNo; update: PUT /v2/products/origin-products/{no}."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from .. import values as v
from ..base import (
    by_product,
    decode_cursor,
    encode_cursor,
    listing_failures,
)
from ..errors import BusinessError, MalformedPayload
from ..models import (
    ChannelCategory,
    ChannelListing,
    ChannelListingOption,
    KnownListing,
    LineFailure,
    ListingDraft,
    ListingPage,
    ListingUpdateResult,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .auth import MP

PRODUCTS_PATH = "/v2/products"
CATEGORIES_PATH = "/v1/categories"  # 전체 카테고리 조회: [{wholeCategoryName "a>b>c", id, name, last}]
PRODUCT_SEARCH_PATH = "/v1/products/search"
ORIGIN_PRODUCT_PATH = "/v2/products/origin-products/{no}"
OPTION_STOCK_PATH = "/v1/products/origin-products/{no}/option-stock"
MULTI_UPDATE_PATH = "/v1/products/origin-products/multi-update"
CHANGE_STATUS_PATH = "/v1/products/origin-products/{no}/change-status"
# multi-update: the documented types are SALE_PRICE, IMMEDIATE_DISCOUNT, STOCK, PRODUCT_STATUS_SALE,
# PRODUCT_STATUS_SUSPENSION; its `stockQuantity` is the PRODUCT's stock (no option combinations), so it
# serves products without options. No item limit is published: batches stay modest.
MULTI_UPDATE_STOCK = "STOCK"
MULTI_UPDATE_BATCH = 50

LISTING_PAGE = 50

SALE_STATUS = {"SALE": "on_sale", "OUTOFSTOCK": "sold_out"}  # everything else (SUSPENSION, WAIT, ...) = stopped


class NaverListings:
    """Products, stock, price, sale status and categories (mixed into NaverConnector)."""

    def _search(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        payload = self._call("POST", PRODUCT_SEARCH_PATH, json=dict(body))
        if not isinstance(payload, Mapping) or not isinstance(payload.get("contents"), list):
            raise MalformedPayload("contents", "상품 검색 결과 목록이 없습니다", marketplace=MP)
        return payload

    def _origin(self, origin_no: str) -> Mapping[str, Any]:
        payload = self._call("GET", ORIGIN_PRODUCT_PATH.format(no=quote(origin_no, safe="")))
        if not isinstance(payload, Mapping) or not isinstance(payload.get("originProduct"), Mapping):
            raise MalformedPayload("originProduct", "원상품 정보가 없습니다", marketplace=MP)
        return payload

    def _origin_no(self, channel_product_no: str) -> str:
        cached = self._origin_nos.get(channel_product_no)
        if cached:
            return cached
        payload = self._search({"searchKeywordType": "CHANNEL_PRODUCT_NO", "channelProductNos": [
            _as_int(channel_product_no, "channelProductNos")], "page": 1, "size": 1})
        for content in payload["contents"]:
            for channel in content.get("channelProducts") or []:
                if str(channel.get("channelProductNo")) == str(channel_product_no):
                    self._origin_nos[channel_product_no] = str(content.get("originProductNo"))
                    return self._origin_nos[channel_product_no]
        raise BusinessError(f"채널상품을 찾을 수 없습니다: {channel_product_no}", marketplace=MP, code="NOT_FOUND",
                            status=404)

    def list_listings(self, cursor: str | None = None) -> ListingPage:
        state = decode_cursor(cursor, MP) or {"p": 1}
        page = int(state["p"])
        payload = self._search({"page": page, "size": LISTING_PAGE, "orderType": "NO"})
        listings = []
        for index, content in enumerate(payload["contents"]):
            origin_no = v.text(content.get("originProductNo"), f"contents[{index}].originProductNo", marketplace=MP,
                               required=True)
            channels = content.get("channelProducts") or []
            if not channels:
                continue
            channel_no = v.text(channels[0].get("channelProductNo"),
                                f"contents[{index}].channelProducts[0].channelProductNo", marketplace=MP, required=True)
            self._origin_nos[channel_no] = origin_no
            listings.append(parse_origin_product(self._origin(origin_no), channel_no, origin_no))
        total_pages = v.integer(payload.get("totalPages"), "totalPages", marketplace=MP, required=False, default=page)
        has_more = page < total_pages
        return ListingPage(listings=listings, has_more=has_more,
                           next_cursor=encode_cursor({"p": page + 1}) if has_more else None)

    def get_listing(self, product_id: str) -> ChannelListing:
        origin_no = self._origin_no(product_id)
        return parse_origin_product(self._origin(origin_no), product_id, origin_no)

    def list_categories(self) -> list[ChannelCategory]:
        payload = self._call("GET", CATEGORIES_PATH)
        if not isinstance(payload, list):
            raise MalformedPayload("(카테고리 목록)", "배열이 아닙니다", marketplace=MP, value=payload)
        return parse_categories(payload)

    def register_listing(self, draft: ListingDraft) -> ChannelListing:
        body = build_product_body(draft)
        payload = self._call("POST", PRODUCTS_PATH, json=body, idempotent=False)
        origin_no = str((payload or {}).get("originProductNo") or "")
        channel_no = str((payload or {}).get("smartstoreChannelProductNo") or "")
        if not origin_no or not channel_no:
            raise MalformedPayload("smartstoreChannelProductNo", "등록 결과에 상품번호가 없습니다", marketplace=MP,
                                   value=payload)
        self._origin_nos[channel_no] = origin_no
        return parse_origin_product(self._origin(origin_no), channel_no, origin_no)

    def update_listing(self, product_id: str, draft: ListingDraft) -> ChannelListing:
        origin_no = self._origin_no(product_id)
        current = self._origin(origin_no)
        body = build_product_body(draft, current=current)
        self._call("PUT", ORIGIN_PRODUCT_PATH.format(no=quote(origin_no, safe="")), json=body, idempotent=True)
        return parse_origin_product(self._origin(origin_no), product_id, origin_no)

    def _write_options(self, product_id: str, change: Callable[[Mapping[str, Any], dict[str, Any]], list[str]]
                       ) -> tuple[list[str], list[LineFailure]]:
        """Read the origin product, let `change` edit its option combinations / sale price (it returns
        the option ids it could not find), and write them back with one option-stock call."""
        origin_no = self._origin_no(product_id)
        product = self._origin(origin_no)["originProduct"]
        option_info = (product.get("detailAttribute") or {}).get("optionInfo") or {}
        body: dict[str, Any] = {
            "productSalePrice": {"salePrice": product.get("salePrice")},
            "optionInfo": {"optionCombinations": [
                {"id": c.get("id"), "stockQuantity": c.get("stockQuantity"), "price": c.get("price"),
                 "usable": c.get("usable", True)} for c in option_info.get("optionCombinations") or []],
                "useStockManagement": True},
        }
        missing = change(product, body)
        failures = [LineFailure(order_line_id=f"{product_id}:{option}", product_id=product_id, option_id=option,
                                code="NOT_FOUND", message=f"옵션을 찾을 수 없습니다: {option}") for option in missing]
        if not body["optionInfo"]["optionCombinations"]:
            body.pop("optionInfo")
            if "stockQuantity" in body:  # a product without options: stock goes through multi-update
                self._call("PATCH", MULTI_UPDATE_PATH, json={"multiProductUpdateRequestVos": [{
                    "originProductNo": _as_int(origin_no, "originProductNo"),
                    "multiUpdateTypes": [MULTI_UPDATE_STOCK], "stockQuantity": body.pop("stockQuantity")}]})
                if list(body) == ["productSalePrice"] and body["productSalePrice"]["salePrice"] == product.get(
                        "salePrice"):
                    return missing, failures
        body.pop("stockQuantity", None)
        self._call("PUT", OPTION_STOCK_PATH.format(no=quote(origin_no, safe="")), json=body)
        return missing, failures

    def remember_listings(self, listings: Sequence[KnownListing]) -> None:
        for known in listings:
            self._known[known.product_id] = known
            if known.origin_product_id:
                self._origin_nos[known.product_id] = known.origin_product_id

    def _known_body(self, product_id: str, wanted: Mapping[str, int]) -> dict[str, Any] | None:
        """The option-stock body built from what the OMS told us, or None when something it needs is
        not known (origin no, the sale price, every option's price and stock)."""
        known = self._known.get(product_id)
        if known is None or not known.options or known.price is None or product_id not in self._origin_nos:
            return None
        ids = {o.option_id for o in known.options}
        if not set(wanted) <= ids or not all(o.option_id.isdigit() for o in known.options):
            return None
        combos = []
        for option in known.options:
            stock = wanted.get(option.option_id, option.stock)
            if stock is None or option.price_delta is None:
                return None
            combos.append({"id": int(option.option_id), "stockQuantity": stock, "price": option.price_delta,
                           "usable": option.usable})
        return {"productSalePrice": {"salePrice": known.price},
                "optionInfo": {"optionCombinations": combos, "useStockManagement": True}}

    def _is_optionless(self, product_id: str, wanted: Mapping[str, int]) -> bool:
        known = self._known.get(product_id)
        return (known is not None and not known.options and product_id in self._origin_nos
                and set(wanted) <= {"", product_id} and len(wanted) == 1)

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        """Per product with options: one option-stock PUT (without reading the product when it is
        known, see remember_listings). Products without options: one multi-update for up to
        MULTI_UPDATE_BATCH of them."""
        result = StockUpdateResult()
        optionless: list[tuple[str, int, list[str]]] = []  # (product id, quantity, option keys)
        for product_id, group in by_product(items).items():
            wanted = {item.option_id: item.quantity for item in group}
            if self._is_optionless(product_id, wanted):
                optionless.append((product_id, next(iter(wanted.values())), list(wanted)))
                continue
            body = self._known_body(product_id, wanted)
            if body is not None:
                try:
                    self._call("PUT", OPTION_STOCK_PATH.format(no=quote(self._origin_nos[product_id], safe="")),
                               json=body)
                except BusinessError as exc:
                    if exc.status != 400:
                        result.failed.extend(listing_failures(product_id, list(wanted), exc))
                        continue
                    self._known.pop(product_id, None)  # what we knew no longer fits: read and write below
                else:
                    for option in self._known[product_id].options:
                        if option.option_id in wanted:
                            option.stock = wanted[option.option_id]
                    result.applied.extend((product_id, o) for o in wanted)
                    continue

            def change(product: Mapping[str, Any], body: dict[str, Any], wanted=wanted, pid=product_id) -> list[str]:
                combos = {str(c["id"]): c for c in body.get("optionInfo", {}).get("optionCombinations", [])}
                if not combos and set(wanted) <= {"", pid}:
                    body["stockQuantity"] = next(iter(wanted.values()))
                    return []
                for option_id, quantity in wanted.items():
                    if option_id in combos:
                        combos[option_id]["stockQuantity"] = quantity
                return [o for o in wanted if o not in combos]

            try:
                missing, failures = self._write_options(product_id, change)
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, list(wanted), exc))
                continue
            result.failed.extend(failures)
            result.applied.extend((product_id, o) for o in wanted if o not in missing)
        for start in range(0, len(optionless), MULTI_UPDATE_BATCH):
            self._multi_update_stock(optionless[start:start + MULTI_UPDATE_BATCH], result)
        return result

    def _multi_update_stock(self, batch: Sequence[tuple[str, int, list[str]]], result: StockUpdateResult) -> None:
        """One multi-update (STOCK) for these products; if Naver refuses the request, each product is
        sent on its own so one bad product does not hold back the others."""
        try:
            vos = [{"originProductNo": _as_int(self._origin_nos[pid], "originProductNo"),
                    "multiUpdateTypes": [MULTI_UPDATE_STOCK], "stockQuantity": quantity} for pid, quantity, _k in batch]
            self._call("PATCH", MULTI_UPDATE_PATH, json={"multiProductUpdateRequestVos": vos})
        except BusinessError as exc:
            if len(batch) == 1:
                pid, _q, keys = batch[0]
                result.failed.extend(listing_failures(pid, keys, exc))
                return
            for entry in batch:
                self._multi_update_stock([entry], result)
            return
        for pid, _q, keys in batch:
            result.applied.extend((pid, key) for key in keys)

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for product_id, group in by_product(items).items():
            def change(product: Mapping[str, Any], body: dict[str, Any], group=group) -> list[str]:
                combos = {str(c["id"]): c for c in body.get("optionInfo", {}).get("optionCombinations", [])}
                base = product.get("salePrice") or 0
                for item in group:  # the base price first: option totals are relative to it
                    if item.option_id is None:
                        base = item.price
                body["productSalePrice"] = {"salePrice": base}
                missing = []
                for item in group:
                    if item.option_id is None:
                        continue
                    if item.option_id not in combos:
                        missing.append(item.option_id)
                    else:
                        combos[item.option_id]["price"] = item.price - base
                return missing

            keys = [item.option_id or "" for item in group]
            try:
                missing, failures = self._write_options(product_id, change)
            except BusinessError as exc:
                result.failed.extend(listing_failures(product_id, keys, exc))
                continue
            result.failed.extend(failures)
            result.applied.extend((product_id, key) for key in keys if key not in missing)
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for item in items:
            try:
                origin_no = self._origin_no(item.product_id)
                body: dict[str, Any] = {"statusType": "SALE" if item.on_sale else "SUSPENSION"}
                if item.on_sale:
                    product = self._origin(origin_no)["originProduct"]
                    if product.get("statusType") == "OUTOFSTOCK":  # resuming from 품절 needs a stock
                        stock = _total_stock(product)
                        if stock <= 0:
                            result.failed.append(LineFailure(
                                order_line_id=f"{item.product_id}:", product_id=item.product_id, code="NO_STOCK",
                                message="품절 상품은 재고를 먼저 입력해야 판매를 재개할 수 있습니다"))
                            continue
                        body["stockQuantity"] = stock
                self._call("PUT", CHANGE_STATUS_PATH.format(no=quote(origin_no, safe="")), json=body)
            except BusinessError as exc:
                result.failed.extend(listing_failures(item.product_id, [""], exc))
                continue
            result.applied.append((item.product_id, ""))
        return result


def _as_int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BusinessError(f"{field}: 숫자 번호가 아닙니다 ({value!r})", marketplace=MP, code="BAD_ID") from None


def _total_stock(product: Mapping[str, Any]) -> int:
    combos = ((product.get("detailAttribute") or {}).get("optionInfo") or {}).get("optionCombinations") or []
    if combos:
        return sum(int(c.get("stockQuantity") or 0) for c in combos if c.get("usable", True))
    return int(product.get("stockQuantity") or 0)


def parse_origin_product(payload: Mapping[str, Any], channel_product_no: str, origin_no: str) -> ChannelListing:
    """GET /v2/products/origin-products/{no} → ChannelListing keyed by the channel product no."""
    product = v.obj(payload, "originProduct", "", marketplace=MP, required=True)
    p = "originProduct"
    detail = v.obj(product, "detailAttribute", p, marketplace=MP)
    option_info = v.obj(detail, "optionInfo", f"{p}.detailAttribute", marketplace=MP)
    combos = option_info.get("optionCombinations") or []
    options = []
    for i, combo in enumerate(combos):
        cp = f"{p}.detailAttribute.optionInfo.optionCombinations[{i}]"
        name = " / ".join(str(combo[key]) for key in ("optionName1", "optionName2", "optionName3", "optionName4")
                          if combo.get(key))
        options.append(ChannelListingOption(
            option_id=v.text(combo.get("id"), f"{cp}.id", marketplace=MP, required=True), name=name,
            stock=v.integer(combo.get("stockQuantity"), f"{cp}.stockQuantity", marketplace=MP, required=False),
            price_delta=v.integer(combo.get("price"), f"{cp}.price", marketplace=MP, required=False),
            seller_option_code=v.text(combo.get("sellerManagerCode"), f"{cp}.sellerManagerCode", marketplace=MP),
            raw=dict(combo)))
    raw_status = v.text(product.get("statusType"), f"{p}.statusType", marketplace=MP, required=True)
    status = SALE_STATUS.get(raw_status, "stopped")
    if status == "on_sale" and _total_stock(product) <= 0:
        status = "sold_out"
    seller_code = v.obj(detail, "sellerCodeInfo", f"{p}.detailAttribute", marketplace=MP)
    return ChannelListing(
        product_id=str(channel_product_no), origin_product_id=str(origin_no),
        name=v.text(product.get("name"), f"{p}.name", marketplace=MP),
        price=v.integer(product.get("salePrice"), f"{p}.salePrice", marketplace=MP),
        sale_status=status, raw_status=raw_status,
        seller_product_code=v.text(seller_code.get("sellerManagementCode"),
                                   f"{p}.detailAttribute.sellerCodeInfo.sellerManagementCode", marketplace=MP),
        category_id=v.text(product.get("leafCategoryId"), f"{p}.leafCategoryId", marketplace=MP),
        options=options, raw=dict(payload))


_FEE_TYPES = {"free": "FREE", "paid": "PAID", "conditional": "CONDITIONAL_FREE"}
_DRAFT_STATUS = {"on_sale": "SALE", "stopped": "SUSPENSION", "sold_out": "OUTOFSTOCK"}
def parse_categories(rows: Sequence[Any]) -> list[ChannelCategory]:
    """Naver's flat category list → nodes with their parent (found by the path "a>b>c" one level up)."""
    by_path: dict[str, str] = {}
    out: list[ChannelCategory] = []
    items = []
    for row in rows:
        if not isinstance(row, Mapping) or not row.get("id"):
            continue
        parts = [p.strip() for p in str(row.get("wholeCategoryName") or row.get("name") or "").split(">") if p.strip()]
        items.append((len(parts), parts, row))
    for _depth, parts, row in sorted(items, key=lambda x: x[0]):
        key = ">".join(parts)
        by_path[key] = str(row["id"])
        out.append(ChannelCategory(id=str(row["id"]), name=str(row.get("name") or (parts[-1] if parts else "")),
                                   path=" > ".join(parts), parent_id=by_path.get(">".join(parts[:-1]), ""),
                                   leaf=bool(row.get("last"))))
    return out


NAVER_REQUIRED_EXTRA = {
    "afterServiceInfo": "A/S 안내(afterServiceInfo: 전화번호, 안내문)",
    "originAreaInfo": "원산지(originAreaInfo)",
    "productInfoProvidedNotice": "상품정보제공고시(productInfoProvidedNotice)",
}


def build_product_body(draft: ListingDraft, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """ListingDraft → POST /v2/products body. Mandatory fields the draft lacks are taken from the
    current product on update; whatever is still missing raises BusinessError("DRAFT_INVALID")
    naming every missing field, before anything is sent."""
    old = (current or {}).get("originProduct") or {}
    old_detail = old.get("detailAttribute") or {}
    extra = dict(draft.extra)
    missing: list[str] = []
    category = draft.category_id or str(old.get("leafCategoryId") or "")
    if not category:
        missing.append("네이버 카테고리(leafCategoryId)")
    images = [{"url": url} for url in draft.image_urls]
    old_images = old.get("images") or {}
    if not images and not (old_images.get("representativeImage") or {}).get("url"):
        missing.append("대표 이미지")
    detail_content = draft.description_html or old.get("detailContent") or ""
    if not detail_content:
        missing.append("상세설명")
    for key, label in NAVER_REQUIRED_EXTRA.items():
        if not extra.get(key) and not old_detail.get(key):
            missing.append(label)
    if missing:
        raise BusinessError("네이버 상품 등록에 필요한 값이 없습니다: " + ", ".join(missing), marketplace=MP,
                            code="DRAFT_INVALID", details=missing)

    fee = draft.shipping
    delivery_fee: dict[str, Any] = {"deliveryFeeType": _FEE_TYPES[fee.fee_type], "deliveryFeePayType": "PREPAID"}
    if fee.fee_type != "free":
        delivery_fee["baseFee"] = fee.fee
    if fee.fee_type == "conditional":
        delivery_fee["freeConditionalAmount"] = fee.free_over
    delivery_info: dict[str, Any] = {
        "deliveryType": "DELIVERY", "deliveryAttributeType": "NORMAL", "deliveryFee": delivery_fee,
        "claimDeliveryInfo": {"returnDeliveryFee": fee.return_fee, "exchangeDeliveryFee": fee.exchange_fee},
    }
    if extra.get("deliveryCompany"):
        delivery_info["deliveryCompany"] = extra.pop("deliveryCompany")

    detail: dict[str, Any] = {key: extra.pop(key, None) or old_detail.get(key) for key in NAVER_REQUIRED_EXTRA}
    detail["minorPurchasable"] = extra.pop("minorPurchasable", old_detail.get("minorPurchasable", True))
    if draft.seller_product_code:
        detail["sellerCodeInfo"] = {"sellerManagementCode": draft.seller_product_code}
    stock = draft.stock
    if draft.options:
        groups = max(len(option.name.split(" / ")) for option in draft.options)
        if groups > 3:
            raise BusinessError("네이버 조합형 옵션은 옵션명을 ' / '로 3단계까지만 나눌 수 있습니다", marketplace=MP,
                                code="DRAFT_INVALID")
        names = list(extra.pop("optionGroupNames", None) or [f"옵션{i + 1}" for i in range(groups)])[:groups]
        combinations = []
        for option in draft.options:
            parts = option.name.split(" / ")
            combo: dict[str, Any] = {f"optionName{i + 1}": part for i, part in enumerate(parts)}
            combo.update({"stockQuantity": option.stock, "price": option.price_delta, "usable": True})
            if option.seller_option_code:
                combo["sellerManagerCode"] = option.seller_option_code
            if option.option_id:
                combo["id"] = _as_int(option.option_id, "option_id")
            combinations.append(combo)
        detail["optionInfo"] = {
            "optionCombinationSortType": "CREATE",
            "optionCombinationGroupNames": {f"optionGroupName{i + 1}": name for i, name in enumerate(names)},
            "optionCombinations": combinations, "useStockManagement": True}
        stock = sum(option.stock for option in draft.options)

    origin: dict[str, Any] = {
        "statusType": _DRAFT_STATUS[draft.sale_status], "saleType": "NEW", "leafCategoryId": category,
        "name": draft.name, "detailContent": detail_content,
        "images": ({"representativeImage": images[0], "optionalImages": images[1:]} if images else old_images),
        "salePrice": draft.price, "stockQuantity": stock, "deliveryInfo": delivery_info, "detailAttribute": detail,
    }
    channel = {"naverShoppingRegistration": bool(extra.pop("naverShoppingRegistration", False)),
               "channelProductDisplayStatusType": "ON" if draft.sale_status == "on_sale" else "SUSPENSION"}
    if draft.brand:
        detail.setdefault("naverShoppingSearchInfo", {"brandName": draft.brand})
    origin.update(extra)  # anything else the seller configured for Naver, as given
    return {"originProduct": origin, "smartstoreChannelProduct": channel}
