"""Sandbox side of Coupang WING beyond order sheets: 송장 업로드 (orders/invoices, INSTRUCT →
DEPARTURE, answered per shipmentBoxId) and the seller product APIs (seller-products list/get/create/
update, vendor-items inventories, quantities, prices, sales stop/resume), signed like every WING call."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from .http import Request, Response
from .state import Option, Product, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

INVOICES = re.compile(r"^/v2/providers/openapi/apis/api/v4/vendors/(?P<vendor>[^/]+)/orders/invoices$")
SELLER_API = re.compile(r"^/v2/providers/seller_api/apis/api/v1/marketplace(?P<rest>/.*)$")
ITEM_ACTION = re.compile(r"^/vendor-items/(?P<item>\d+)/(?:(?P<what>quantities|prices)/(?P<value>-?\d+)|"
                         r"sales/(?P<sale>stop|resume)|(?P<inv>inventories))$")
# Coupang deliveryCompanyCode (official article + 2019 list, main rows)
CARRIER_CODES = {"CJGLS", "HANJIN", "HYUNDAI", "KGB", "EPOST", "KDEXP", "ILYANG", "CHUNIL", "DAESIN", "HDEXP", "CVS",
                 "DIRECT", "REGISTPOST", "KUNYOUNG", "HONAM", "SLX", "NHLOGIS", "EMS"}
REQUIRED = ("displayCategoryCode", "sellerProductName", "vendorUserId", "outboundShippingPlaceCode", "returnCenterCode",
            "deliveryCompanyCode", "deliveryChargeType")


def _error(status: int, message: str) -> Response:
    return Response(status, {"code": "ERROR", "message": message})


def _success(message: str = "", data: Any = None, **extra: Any) -> Response:
    return Response(200, {"code": "SUCCESS", "message": message, "data": data, **extra})


def _body(req: Request) -> Any:
    try:
        return req.json()
    except ValueError:
        return None


def handle(app: SandboxApp, req: Request) -> Response | None:
    from . import coupang as core

    invoices, seller = INVOICES.match(req.path), SELLER_API.match(req.path)
    if not invoices and not seller:
        return None
    shop = core.authenticate(app, req, invoices["vendor"] if invoices else None)
    if isinstance(shop, Response):
        return shop
    fault = core.fault_response(app, shop)
    if fault:
        return fault
    if invoices:
        if req.method != "POST":
            return core._gateway_error(405, "Method not allowed.")
        return _invoices(app, shop, req)
    return _seller(app, shop, req, seller["rest"])


# --- invoices --------------------------------------------------------------------------------

def _invoices(app: SandboxApp, shop: Shop, req: Request) -> Response:
    body = _body(req)
    dtos = body.get("orderSheetInvoiceApplyDtos") if isinstance(body, dict) else None
    if not isinstance(dtos, list) or not dtos:
        return Response(400, {"code": 400, "message": "orderSheetInvoiceApplyDtos must not be empty."})
    if str(body.get("vendorId")) != shop.credentials["vendor_id"]:
        return Response(400, {"code": 400, "message": "vendorId does not match."})
    boxes: dict[str, list[dict[str, Any]]] = {}
    for dto in dtos:
        boxes.setdefault(str(dto.get("shipmentBoxId")), []).append(dto)
    answers = []
    now = app.now()
    with app.state.lock:
        by_box = {o.bundle_no: o for o in shop.orders}
        for box, items in boxes.items():
            order = by_box.get(box)
            problem = None
            if order is None:
                problem = ("NOT_FOUND_SHIPMENT_BOX", f"shipmentBoxId ({box}) is not found.")
            elif order.status != "INSTRUCT":
                problem = ("INVALID_STATUS", "상품준비중(INSTRUCT) 상태에서만 송장을 등록할 수 있습니다.")
            else:
                vendor_items = {line.option_id for line in order.lines}
                for dto in items:
                    code, number = str(dto.get("deliveryCompanyCode") or ""), str(dto.get("invoiceNumber") or "")
                    if str(dto.get("vendorItemId")) not in vendor_items:
                        problem = ("INVALID_VENDOR_ITEM", f"vendorItemId ({dto.get('vendorItemId')}) is not in the box.")
                    elif str(dto.get("orderId")) != order.order_no:
                        problem = ("INVALID_ORDER", f"orderId ({dto.get('orderId')}) does not match.")
                    elif code not in CARRIER_CODES:
                        problem = ("INVALID_DELIVERY_COMPANY", f"지원하지 않는 택배사 코드입니다: {code}")
                    elif not number.isdigit() or (code != "DIRECT" and not 8 <= len(number) <= 16):
                        problem = ("INVALID_INVOICE_NUMBER", f"송장번호 형식이 올바르지 않습니다: {number}")
                    if problem:
                        break
            if problem:
                answers.append({"shipmentBoxId": int(box) if box.isdigit() else box, "succeed": False,
                                "resultCode": problem[0], "retryRequired": False, "resultMessage": problem[1]})
                continue
            order.status, order.changed_at = "DEPARTURE", now
            code, number = str(items[0]["deliveryCompanyCode"]), str(items[0]["invoiceNumber"])
            if code != "DIRECT":
                app.state.ship(shop, carrier=code, number=number,
                               lines=[f"{box}-{dto['vendorItemId']}" for dto in items], at=now)
            answers.append({"shipmentBoxId": int(box), "succeed": True, "resultCode": "OK", "retryRequired": False,
                            "resultMessage": None})
        shop.record(now, "dispatch", items=[{k: d.get(k) for k in ("shipmentBoxId", "vendorItemId",
                                                                    "deliveryCompanyCode", "invoiceNumber")}
                                             for d in dtos],
                    success=[str(a["shipmentBoxId"]) for a in answers if a["succeed"]],
                    fail=[str(a["shipmentBoxId"]) for a in answers if not a["succeed"]])
    succeeded = sum(1 for a in answers if a["succeed"])
    code = 0 if succeeded == len(answers) else (99 if succeeded == 0 else 1)
    return Response(200, {"code": "200", "message": "OK", "data": {
        "responseKey": int(uuid.uuid4().int % 10**18), "responseCode": code,
        "responseMessage": "SUCCESS" if code == 0 else "Partial errors.", "responseList": answers}})


# --- seller products -------------------------------------------------------------------------

def render_product(product: Product) -> dict[str, Any]:
    registered = product.registered
    return {
        "sellerProductId": int(product.product_id), "sellerProductName": product.name,
        "displayCategoryCode": int(product.category_id or 0), "statusName": "승인완료", "brand": registered.get("brand", ""),
        "vendorUserId": registered.get("vendorUserId", "sandbox"),
        "deliveryCompanyCode": registered.get("deliveryCompanyCode", "CJGLS"),
        "items": [{
            "sellerProductItemId": int(option.option_id) + 1_000_000, "vendorItemId": int(option.option_id),
            "itemName": option.name, "originalPrice": product.price + option.extra_price,
            "salePrice": product.price + option.extra_price, "maximumBuyCount": option.stock,
            "externalVendorSku": option.sku,
            "images": [{"imageOrder": 0, "imageType": "REPRESENTATION", "vendorPath": f"sandbox/{product.product_id}.jpg"}],
            "notices": [{"noticeCategoryName": "기타 재화", "noticeCategoryDetailName": "품명 및 모델명",
                         "content": "상세페이지 참조"}],
        } for option in product.options],
    }


def _seller(app: SandboxApp, shop: Shop, req: Request, rest: str) -> Response:
    if rest == "/meta/display-categories" and req.method == "GET":
        from .categories import coupang_display_categories

        return _success(data=coupang_display_categories())
    if rest == "/seller-products" and req.method == "GET":
        params = req.params
        if params.get("vendorId") != shop.credentials["vendor_id"]:
            return _error(400, "vendorId does not match.")
        try:
            per_page = int(params.get("maxPerPage") or 10)
            start = int(params.get("nextToken") or 0)
        except ValueError:
            return _error(400, "maxPerPage/nextToken must be numbers.")
        if not 1 <= per_page <= 100:
            return _error(400, "maxPerPage must be between 1 and 100.")
        page = shop.products[start:start + per_page]
        rows = [{"sellerProductId": int(p.product_id), "sellerProductName": p.name,
                 "displayCategoryCode": int(p.category_id or 0), "statusName": "승인완료"} for p in page]
        more = start + per_page < len(shop.products)
        return _success(data=rows, nextToken=str(start + per_page) if more else "")
    match = re.fullmatch(r"/seller-products/(\d+)", rest)
    if match and req.method == "GET":
        product = shop.product(match[1])
        if product is None:
            return _error(400, f"sellerProductId ({match[1]}) is not found.")
        return _success(data=render_product(product))
    if rest == "/seller-products" and req.method in ("POST", "PUT"):
        return _save(app, shop, req)
    match = ITEM_ACTION.match(rest)
    if match:
        try:
            product, option = shop.option(match["item"])
        except KeyError:
            return _error(400, f"vendorItemId ({match['item']}) is not found.")
        if match["inv"] and req.method == "GET":
            return _success(data={"sellerItemId": int(option.option_id), "amountInStock": option.stock,
                                  "salePrice": product.price + option.extra_price, "onSale": option.on_sale})
        if req.method != "PUT":
            return _error(405, "Method not allowed.")
        now = app.now()
        with app.state.lock:
            if match["what"] == "quantities":
                value = int(match["value"])
                if value < 0:
                    return _error(400, "quantity must not be negative.")
                option.stock = value
                shop.record(now, "stock", product_id=product.product_id, options={option.option_id: value})
                return _success("재고 변경을 완료했습니다.")
            if match["what"] == "prices":
                value, current = int(match["value"]), product.price + option.extra_price
                force = req.params.get("forceSalePriceUpdate") == "true"
                if value < 10 or value % 10:
                    return _error(400, "판매가격은 10원 단위로 입력해야 합니다.")
                if not force and not current // 2 <= value <= current * 2:
                    return _error(400, "가격은 기존 가격의 -50% ~ +100% 범위에서만 변경할 수 있습니다.")
                option.extra_price = value - product.price
                shop.record(now, "price", product_id=product.product_id, options={option.option_id: value})
                return _success("가격 변경을 완료했습니다.")
            option.on_sale = match["sale"] == "resume"
            shop.record(now, "sale_status", product_id=product.product_id, vendorItemId=option.option_id,
                        on_sale=option.on_sale)
            return _success("판매가 재개되었습니다." if option.on_sale else "판매 중지 처리되었습니다.")
    return _error(404, "No matching API found for the request path.")


def _save(app: SandboxApp, shop: Shop, req: Request) -> Response:
    body = _body(req)
    if not isinstance(body, dict):
        return _error(400, "JSON body required.")
    missing = [name for name in REQUIRED if body.get(name) in (None, "")]
    items = body.get("items")
    if not isinstance(items, list) or not items:
        missing.append("items")
    else:
        for i, item in enumerate(items):
            if not item.get("itemName") or not isinstance(item.get("salePrice"), int):
                missing.append(f"items[{i}].itemName/salePrice")
            if not any(img.get("imageType") == "REPRESENTATION" for img in item.get("images") or []):
                missing.append(f"items[{i}].images(REPRESENTATION)")
            if not item.get("notices"):
                missing.append(f"items[{i}].notices")
    if str(body.get("vendorId")) != shop.credentials["vendor_id"]:
        missing.append("vendorId")
    if missing:
        return _error(400, "필수 항목이 누락되었거나 올바르지 않습니다: " + ", ".join(missing))
    now = app.now()
    with app.state.lock:
        if req.method == "PUT":
            product = shop.product(str(body.get("sellerProductId")))
            if product is None:
                return _error(400, f"sellerProductId ({body.get('sellerProductId')}) is not found.")
        else:
            product = Product(product_id=app.state.new_id(8_000_000_000), code="", name="", price=0, options=[])
            shop.products.append(product)
        base = min(item["salePrice"] for item in items)
        existing = {o.option_id: o for o in product.options}
        options = []
        for item in items:
            option = existing.get(str(item.get("vendorItemId"))) or Option(
                option_id=app.state.new_id(3_000_000_000), name="", sku="", extra_price=0)
            option.name, option.sku = item["itemName"], str(item.get("externalVendorSku") or "")
            option.extra_price, option.stock = item["salePrice"] - base, int(item.get("maximumBuyCount") or 0)
            options.append(option)
        product.name, product.price, product.options = body["sellerProductName"], base, options
        product.category_id, product.registered = str(body["displayCategoryCode"]), body
        shop.record(now, "register_listing" if req.method == "POST" else "update_listing",
                    product_id=product.product_id, name=product.name)
    return _success(data=int(product.product_id))
