"""Sandbox side of the Naver Commerce API writes beyond 발주확인: 발송처리 (dispatch), 발송지연 (delay)
and the product APIs (search, origin product read/register/update, option-stock, multi-update,
change-status). Answers use Naver's shapes: the common processing result
`data{successProductOrderIds, failProductOrderInfos}` and `{code, message, invalidInputs}` errors."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .http import Request, Response, kst_iso, trace_id
from .state import Option, Product, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

DISPATCH_MAX = 30
# Naver deliveryCompanyCode (the main rows of the official enum)
CARRIER_CODES = {"CJGLS", "HANJIN", "HYUNDAI", "KGB", "EPOST", "REGISTPOST", "KDEXP", "DAESIN", "ILYANG", "CHUNIL",
                 "HDEXP", "CVSNET", "CUPARCEL", "KUNYOUNG", "HONAM", "SLX", "CH1", "NONGHYUP", "HOMEPICK", "EMS"}
DELIVERY_METHODS = {"DELIVERY", "VISIT_RECEIPT", "DIRECT_DELIVERY", "QUICK_SVC", "NOTHING"}
DELAY_REASONS = {"PRODUCT_PREPARE", "CUSTOMER_REQUEST", "CUSTOM_BUILD", "RESERVED_DISPATCH", "OVERSEA_DELIVERY", "ETC"}
DELAY_PATH = re.compile(r"^/pay-order/seller/product-orders/(?P<id>[^/]+)/delay$")
ORIGIN_PATH = re.compile(r"^/v2/products/origin-products/(?P<no>\d+)$")
ORIGIN_ACTION = re.compile(r"^/products/origin-products/(?P<no>\d+)/(?P<action>option-stock|change-status)$")


def _error(status: int, code: str, message: str, invalid: list[dict[str, str]] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": message, "timestamp": kst_iso(datetime.now().astimezone()),
                            "traceId": trace_id()}
    if invalid is not None:
        body["invalidInputs"] = invalid
    return Response(status, body)


def _bad(name: str, message: str) -> Response:
    return _error(400, "BAD_REQUEST", "잘못된 요청", [{"name": name, "type": "InvalidValue", "message": message}])


def _ok(app: SandboxApp, data: Any) -> Response:
    return Response(200, {"timestamp": kst_iso(app.now()), "traceId": trace_id(), "data": data})


def _body(req: Request) -> Any:
    try:
        return req.json()
    except ValueError:
        return None


def route(app: SandboxApp, shop: Shop, req: Request, path: str) -> Response | None:
    if path == "/pay-order/seller/product-orders/dispatch" and req.method == "POST":
        return _dispatch(app, shop, req)
    match = DELAY_PATH.match(path)
    if match and req.method == "POST":
        return _delay(app, shop, req, match["id"])
    if path == "/categories" and req.method == "GET":
        from .categories import naver_categories

        return Response(200, naver_categories())
    if path == "/products/search" and req.method == "POST":
        return _search(app, shop, req)
    if path == "/v2/products" and req.method == "POST":
        return _register(app, shop, req)
    if path == "/products/origin-products/multi-update" and req.method == "PATCH":
        return _multi_update(app, shop, req)
    match = ORIGIN_PATH.match(path)
    if match:
        product = _by_origin(shop, match["no"])
        if product is None:
            return _error(404, "NOT_FOUND", "상품이 존재하지 않습니다.")
        if req.method == "GET":
            return Response(200, render_origin(product))
        if req.method == "PUT":
            return _update(app, shop, req, product)
    match = ORIGIN_ACTION.match(path)
    if match and req.method == "PUT":
        product = _by_origin(shop, match["no"])
        if product is None:
            return _error(404, "NOT_FOUND", "상품이 존재하지 않습니다.")
        if match["action"] == "option-stock":
            return _option_stock(app, shop, req, product)
        return _change_status(app, shop, req, product)
    return None


# --- dispatch and delay ----------------------------------------------------------------------

def _line_orders(shop: Shop) -> dict[str, Any]:
    return {line.line_no: order for order in shop.orders for line in order.lines}


def _lines(shop: Shop) -> dict[str, Any]:
    return {line.line_no: line for order in shop.orders for line in order.lines}


def _dispatch(app: SandboxApp, shop: Shop, req: Request) -> Response:
    body = _body(req)
    entries = body.get("dispatchProductOrders") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        return _bad("dispatchProductOrders", "발송처리할 상품주문 목록이 필요합니다.")
    if len(entries) > DISPATCH_MAX:
        return _bad("dispatchProductOrders", f"최대 {DISPATCH_MAX}개까지 요청할 수 있습니다.")
    ids = [str(e.get("productOrderId")) for e in entries if isinstance(e, dict)]
    if len(set(ids)) != len(ids):
        return _error(400, "104131", "요청에 중복된 상품주문번호가 있습니다.")
    now = app.now()
    success: list[str] = []
    fail: list[dict[str, str]] = []
    shipped_orders = []
    with app.state.lock:
        by_line, lines = _line_orders(shop), _lines(shop)
        for entry in entries:
            line_id = str(entry.get("productOrderId") or "")
            order = by_line.get(line_id)
            method = entry.get("deliveryMethod")
            code, number = str(entry.get("deliveryCompanyCode") or ""), str(entry.get("trackingNumber") or "")
            problem = None
            if order is None:
                problem = ("100001", "상품주문을 찾을 수 없습니다.")
            elif lines[line_id].fulfilled or order.status in ("DELIVERING", "DELIVERED", "PURCHASE_DECIDED"):
                problem = ("105306", "이미 발송처리된 상품주문입니다.")
            elif order.status != "PAYED" or order.claim_type:
                problem = ("9999", "발송처리할 수 없는 상태입니다.")
            elif method not in DELIVERY_METHODS:
                problem = ("4000", f"배송방법이 올바르지 않습니다: {method}")
            elif not entry.get("dispatchDate"):
                problem = ("4000", "발송일(dispatchDate)이 필요합니다.")
            elif method == "DELIVERY" and not code:
                problem = ("104118", "택배사가 입력되지 않았습니다.")
            elif method == "DELIVERY" and code not in CARRIER_CODES:
                problem = ("104119", "택배사 코드를 확인해 주세요.")
            elif method == "DELIVERY" and not number:
                problem = ("104120", "송장번호가 입력되지 않았습니다.")
            elif method == "DELIVERY" and not (number.isdigit() and 8 <= len(number) <= 16):
                problem = ("104122", "유효하지 않은 송장번호입니다.")
            if problem:
                fail.append({"productOrderId": line_id, "code": problem[0], "message": problem[1]})
                continue
            lines[line_id].fulfilled = lines[line_id].quantity
            shipped_orders.append(order)
            success.append(line_id)
            if method == "DELIVERY":
                app.state.ship(shop, carrier=code, number=number, lines=[line_id], at=now)
        for order in shipped_orders:  # the sandbox keeps one status per order: any shipped line ships it
            order.status, order.placed, order.change_type, order.changed_at = "DELIVERING", True, "DISPATCHED", now
        shop.record(now, "dispatch", items=[{k: e.get(k) for k in ("productOrderId", "deliveryMethod",
                                                                    "deliveryCompanyCode", "trackingNumber")}
                                             for e in entries], success=success, fail=[f["productOrderId"] for f in fail])
    return _ok(app, {"successProductOrderIds": success, "failProductOrderInfos": fail})


def _delay(app: SandboxApp, shop: Shop, req: Request, line_id: str) -> Response:
    body = _body(req)
    if not isinstance(body, dict):
        return _bad("body", "JSON 본문이 필요합니다.")
    reason = body.get("delayedDispatchReason")
    if reason not in DELAY_REASONS:
        return _bad("delayedDispatchReason", f"지연 사유가 올바르지 않습니다: {reason}")
    if not body.get("dispatchDelayedDetailedReason"):
        return _bad("dispatchDelayedDetailedReason", "상세 사유가 필요합니다.")
    try:
        due = datetime.fromisoformat(str(body.get("dispatchDueDate")))
    except ValueError:
        due = None
    if due is None or due.tzinfo is None:
        return _bad("dispatchDueDate", "ISO-8601 날짜(오프셋 포함)여야 합니다.")
    now = app.now()
    with app.state.lock:
        order = _line_orders(shop).get(line_id)
        if order is None:
            return _error(400, "100001", "상품주문을 찾을 수 없습니다.")
        fail = []
        if order.status != "PAYED" or order.claim_type:
            fail.append({"productOrderId": line_id, "code": "9999", "message": "발송지연 처리할 수 없는 상태입니다."})
        elif due <= now:
            fail.append({"productOrderId": line_id, "code": "104105", "message": "발송기한이 허용 범위를 벗어났습니다."})
        else:
            order.change_type, order.changed_at = "DISPATCH_DELAYED", now
        shop.record(now, "delay", productOrderId=line_id, reason=reason, dispatchDueDate=body.get("dispatchDueDate"),
                    success=not fail)
    return _ok(app, {"successProductOrderIds": [] if fail else [line_id], "failProductOrderInfos": fail})


# --- products --------------------------------------------------------------------------------

def _by_origin(shop: Shop, origin_no: str) -> Product | None:
    return next((p for p in shop.products if p.origin_no == str(origin_no)), None)


def _status_type(product: Product) -> str:
    if not product.selling:
        return "SUSPENSION"
    return "OUTOFSTOCK" if sum(o.stock for o in product.options) <= 0 else "SALE"


def render_origin(product: Product) -> dict[str, Any]:
    groups = max((len(o.name.split(" / ")) for o in product.options), default=0)
    combos = []
    for option in product.options:
        combo: dict[str, Any] = {"id": int(option.option_id)}
        for i, part in enumerate(option.name.split(" / ")):
            combo[f"optionName{i + 1}"] = part
        combo.update({"stockQuantity": option.stock, "price": option.extra_price,
                      "sellerManagerCode": option.sku, "usable": True})
        combos.append(combo)
    registered = product.registered.get("originProduct") or {}
    detail: dict[str, Any] = {
        "sellerCodeInfo": {"sellerManagementCode": product.code},
        "optionInfo": {"optionCombinationSortType": "CREATE",
                       "optionCombinationGroupNames": {f"optionGroupName{i + 1}": f"옵션{i + 1}" for i in range(groups)},
                       "optionCombinations": combos, "useStockManagement": True},
    }
    for key in ("afterServiceInfo", "originAreaInfo", "productInfoProvidedNotice", "minorPurchasable"):
        if key in (registered.get("detailAttribute") or {}):
            detail[key] = registered["detailAttribute"][key]
    return {
        "originProduct": {
            "statusType": _status_type(product), "saleType": "NEW", "leafCategoryId": product.category_id,
            "name": product.name, "detailContent": registered.get("detailContent", f"<p>{product.name}</p>"),
            "images": registered.get("images", {"representativeImage": {
                "url": f"https://shop-phinf.pstatic.net/sandbox/{product.product_id}.jpg"}}),
            "salePrice": product.price, "stockQuantity": sum(o.stock for o in product.options),
            "detailAttribute": detail,
        },
        "smartstoreChannelProduct": {"channelProductDisplayStatusType": "ON" if product.selling else "SUSPENSION",
                                     "naverShoppingRegistration": False},
    }


def _search(app: SandboxApp, shop: Shop, req: Request) -> Response:
    body = _body(req)
    if not isinstance(body, dict):
        return _bad("body", "JSON 본문이 필요합니다.")
    try:
        page, size = int(body.get("page") or 1), int(body.get("size") or 50)
    except (TypeError, ValueError):
        return _bad("page", "숫자여야 합니다.")
    if page < 1 or not 1 <= size <= 500:
        return _bad("size", "size는 1~500 사이여야 합니다.")
    products = list(shop.products)
    if body.get("channelProductNos"):
        wanted = {str(n) for n in body["channelProductNos"]}
        products = [p for p in products if p.product_id in wanted]
    if body.get("originProductNos"):
        wanted = {str(n) for n in body["originProductNos"]}
        products = [p for p in products if p.origin_no in wanted]
    selected = products[(page - 1) * size:page * size]
    total_pages = max(1, -(-len(products) // size))
    contents = [{"originProductNo": int(p.origin_no), "channelProducts": [{
        "originProductNo": int(p.origin_no), "channelProductNo": int(p.product_id), "channelServiceType": "STOREFARM",
        "categoryId": p.category_id, "name": p.name, "sellerManagementCode": p.code, "statusType": _status_type(p),
        "channelProductDisplayStatusType": "ON" if p.selling else "SUSPENSION", "salePrice": p.price,
        "stockQuantity": sum(o.stock for o in p.options)}]} for p in selected]
    return Response(200, {"contents": contents, "page": page, "size": size, "totalElements": len(products),
                          "totalPages": total_pages, "first": page == 1, "last": page >= total_pages})


def _combos(product: Product, body: dict[str, Any]) -> list[dict[str, Any]] | Response:
    info = body.get("optionInfo")
    combos = (info or {}).get("optionCombinations") if isinstance(info, dict) else None
    if combos is None:
        return []
    if not isinstance(combos, list):
        return _bad("optionInfo.optionCombinations", "목록이어야 합니다.")
    known = {o.option_id for o in product.options}
    for i, combo in enumerate(combos):
        if str(combo.get("id")) not in known:
            return _bad(f"optionInfo.optionCombinations[{i}].id", f"존재하지 않는 옵션입니다: {combo.get('id')}")
        if not isinstance(combo.get("stockQuantity"), int) or combo["stockQuantity"] < 0:
            return _bad(f"optionInfo.optionCombinations[{i}].stockQuantity", "0 이상의 정수여야 합니다.")
    return combos


def _option_stock(app: SandboxApp, shop: Shop, req: Request, product: Product) -> Response:
    body = _body(req)
    if not isinstance(body, dict):
        return _bad("body", "JSON 본문이 필요합니다.")
    with app.state.lock:
        combos = _combos(product, body)
        if isinstance(combos, Response):
            return combos
        sale_price = (body.get("productSalePrice") or {}).get("salePrice")
        if sale_price is not None and (not isinstance(sale_price, int) or sale_price < 10):
            return _bad("productSalePrice.salePrice", "판매가는 10원 이상이어야 합니다.")
        before = {o.option_id: (o.stock, o.extra_price) for o in product.options}
        old_price = product.price
        if sale_price is not None:
            product.price = sale_price
        for combo in combos:
            _, option = shop.option(str(combo["id"]))
            option.stock = combo["stockQuantity"]
            if combo.get("price") is not None:
                option.extra_price = int(combo["price"])
        stock = {o.option_id: o.stock for o in product.options if before[o.option_id][0] != o.stock}
        prices = {o.option_id: o.extra_price for o in product.options if before[o.option_id][1] != o.extra_price}
        now = app.now()
        if stock:
            shop.record(now, "stock", product_id=product.product_id, options=stock)
        if prices or product.price != old_price:
            shop.record(now, "price", product_id=product.product_id, price=product.price, option_deltas=prices)
    return _ok(app, None)


MULTI_UPDATE_TYPES = {"SALE_PRICE", "IMMEDIATE_DISCOUNT", "STOCK", "PRODUCT_STATUS_SALE", "PRODUCT_STATUS_SUSPENSION"}


def _multi_update(app: SandboxApp, shop: Shop, req: Request) -> Response:
    """PATCH multi-update: many origin products in one request, each with its own multiUpdateTypes. STOCK
    sets the product's stockQuantity (a product with option combinations must use option-stock). The
    whole request is checked before anything changes (a 400 names the first bad entry)."""
    body = _body(req)
    vos = body.get("multiProductUpdateRequestVos") if isinstance(body, dict) else None
    if not isinstance(vos, list) or not vos:
        return _bad("multiProductUpdateRequestVos", "목록이 필요합니다.")
    with app.state.lock:
        plan: list[tuple[Product, list[str], dict[str, Any]]] = []
        for i, vo in enumerate(vos):
            where = f"multiProductUpdateRequestVos[{i}]"
            if not isinstance(vo, dict):
                return _bad(where, "객체여야 합니다.")
            product = _by_origin(shop, str(vo.get("originProductNo")))
            if product is None:
                return _bad(f"{where}.originProductNo", "상품이 존재하지 않습니다.")
            types = vo.get("multiUpdateTypes")
            if not isinstance(types, list) or not types or any(t not in MULTI_UPDATE_TYPES for t in types):
                return _bad(f"{where}.multiUpdateTypes", f"변경 종류가 올바르지 않습니다: {types}")
            if "STOCK" in types:
                stock = vo.get("stockQuantity")
                if not isinstance(stock, int) or stock < 0:
                    return _bad(f"{where}.stockQuantity", "0 이상의 정수여야 합니다.")
                if len(product.options) > 1:
                    return _bad(f"{where}.stockQuantity", "옵션 상품의 재고는 옵션별로 수정해야 합니다.")
            if "SALE_PRICE" in types:
                price = (vo.get("productSalePrice") or {}).get("salePrice")
                if not isinstance(price, int) or price < 10:
                    return _bad(f"{where}.productSalePrice.salePrice", "판매가는 10원 이상이어야 합니다.")
            plan.append((product, types, vo))
        now = app.now()
        for product, types, vo in plan:
            if "STOCK" in types:
                for option in product.options:
                    option.stock = vo["stockQuantity"]
                shop.record(now, "stock", product_id=product.product_id,
                            options={o.option_id: o.stock for o in product.options})
            if "SALE_PRICE" in types:
                product.price = vo["productSalePrice"]["salePrice"]
                shop.record(now, "price", product_id=product.product_id, price=product.price, option_deltas={})
            if "PRODUCT_STATUS_SALE" in types or "PRODUCT_STATUS_SUSPENSION" in types:
                product.selling = "PRODUCT_STATUS_SALE" in types
                shop.record(now, "sale_status", product_id=product.product_id,
                            statusType="SALE" if product.selling else "SUSPENSION")
    return _ok(app, None)


def _change_status(app: SandboxApp, shop: Shop, req: Request, product: Product) -> Response:
    body = _body(req)
    status = body.get("statusType") if isinstance(body, dict) else None
    if status not in ("SALE", "SUSPENSION", "OUTOFSTOCK"):
        return _bad("statusType", f"변경할 수 없는 상태입니다: {status}")
    with app.state.lock:
        current = _status_type(product)
        if status == "SALE" and current == "OUTOFSTOCK" and not (body.get("stockQuantity") or 0) > 0:
            return _bad("stockQuantity", "품절 상품을 판매중으로 바꾸려면 재고수량이 필요합니다.")
        if status == "OUTOFSTOCK":
            for option in product.options:
                option.stock = 0
        product.selling = status != "SUSPENSION"
        shop.record(app.now(), "sale_status", product_id=product.product_id, statusType=status)
    return _ok(app, None)


def _validate_product(body: Any) -> dict[str, Any] | Response:
    if not isinstance(body, dict) or not isinstance(body.get("originProduct"), dict):
        return _bad("originProduct", "originProduct가 필요합니다.")
    origin = body["originProduct"]
    for name in ("leafCategoryId", "name", "detailContent"):
        if not origin.get(name):
            return _bad(f"originProduct.{name}", "필수 값입니다.")
    if not ((origin.get("images") or {}).get("representativeImage") or {}).get("url"):
        return _bad("originProduct.images.representativeImage.url", "대표 이미지가 필요합니다.")
    if not isinstance(origin.get("salePrice"), int) or origin["salePrice"] < 10:
        return _bad("originProduct.salePrice", "판매가는 10원 이상이어야 합니다.")
    detail = origin.get("detailAttribute") or {}
    for name in ("afterServiceInfo", "originAreaInfo", "productInfoProvidedNotice"):
        if not detail.get(name):
            return _bad(f"originProduct.detailAttribute.{name}", "필수 값입니다.")
    return origin


def _options_from(app: SandboxApp, origin: dict[str, Any], base: int, existing: list[Option]) -> list[Option]:
    combos = ((origin.get("detailAttribute") or {}).get("optionInfo") or {}).get("optionCombinations") or []
    by_id = {o.option_id: o for o in existing}
    if not combos:
        option = existing[0] if len(existing) == 1 else Option(option_id=app.state.new_id(3_000_000_000),
                                                                name=origin["name"], sku="", extra_price=0)
        option.stock = int(origin.get("stockQuantity") or 0)
        return [option]
    options = []
    for combo in combos:
        name = " / ".join(str(combo[k]) for k in ("optionName1", "optionName2", "optionName3") if combo.get(k))
        option = by_id.get(str(combo.get("id"))) or Option(option_id=app.state.new_id(3_000_000_000), name=name,
                                                            sku="", extra_price=0)
        option.name, option.stock = name, int(combo.get("stockQuantity") or 0)
        option.extra_price, option.sku = int(combo.get("price") or 0), str(combo.get("sellerManagerCode") or "")
        options.append(option)
    return options


def _register(app: SandboxApp, shop: Shop, req: Request) -> Response:
    body = _body(req)
    origin = _validate_product(body)
    if isinstance(origin, Response):
        return origin
    with app.state.lock:
        channel_no = str(int(app.state.new_id(9_000_000_000)) * 10)  # even: origin no = channel no + 1
        product = Product(product_id=channel_no, code=str(((origin.get("detailAttribute") or {}).get("sellerCodeInfo")
                                                           or {}).get("sellerManagementCode") or ""),
                          name=origin["name"], price=origin["salePrice"], options=[],
                          selling=origin.get("statusType", "SALE") != "SUSPENSION",
                          category_id=str(origin["leafCategoryId"]), registered=body)
        product.options = _options_from(app, origin, product.price, [])
        shop.products.append(product)
        shop.record(app.now(), "register_listing", product_id=product.product_id, name=product.name)
    return Response(200, {"originProductNo": int(product.origin_no), "smartstoreChannelProductNo": int(channel_no)})


def _update(app: SandboxApp, shop: Shop, req: Request, product: Product) -> Response:
    body = _body(req)
    origin = _validate_product(body)
    if isinstance(origin, Response):
        return origin
    with app.state.lock:
        product.name, product.price = origin["name"], origin["salePrice"]
        product.category_id = str(origin["leafCategoryId"])
        product.selling = origin.get("statusType", "SALE") != "SUSPENSION"
        product.options = _options_from(app, origin, product.price, product.options)
        product.registered = body
        shop.record(app.now(), "update_listing", product_id=product.product_id, name=product.name)
    return Response(200, {"originProductNo": int(product.origin_no),
                          "smartstoreChannelProductNo": int(product.product_id)})
