"""Sandbox side of Coupang WING: verifies the CEA HMAC-SHA256 Authorization header over
signed-date + method + path + query exactly as received; ordersheets by status and KST day range with
nextToken paging, or a minute window (`searchType=timeFrame`, under 24 h, no paging); single
ordersheet; acknowledgement (ACCEPT → INSTRUCT). Both the v4 and the v5 ordersheet paths answer: v4
takes `yyyy-MM-dd` / `yyyy-MM-ddTHH:mm` (KST) and answers KST times without an offset; v5 takes and
answers them with `+09:00`. Invoices and the seller product APIs are in `coupang_listings`."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import coupang_listings as listings
from . import inquiries, settlement_api
from .http import KST, Request, Response, kst_naive
from .state import Order, Shop

if TYPE_CHECKING:
    from .server import SandboxApp

PREFIX = re.compile(r"^/v2/providers/openapi/apis/api/(?P<version>v4|v5)/vendors/(?P<vendor>[^/]+)"
                    r"/ordersheets(?P<rest>/.*)?$")

AUTH = re.compile(r"^CEA algorithm=HmacSHA256, access-key=(?P<key>[^,]+), signed-date=(?P<date>\d{6}T\d{6}Z), "
                  r"signature=(?P<sig>[0-9a-f]{64})$")
STATUSES = ("ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING")
MAX_SKEW = timedelta(minutes=5)


def _gateway_error(status: int, message: str) -> Response:
    return Response(status, {"code": "ERROR", "message": message, "transactionId": str(uuid.uuid4())})


def _api_error(status: int, message: str) -> Response:
    return Response(status, {"code": status, "message": message})


def handle(app: SandboxApp, req: Request) -> Response | None:
    if req.path in settlement_api.COUPANG_PATHS:
        shop = _authenticate(app, req, None)
        if isinstance(shop, Response):
            return shop
        return fault_response(app, shop) or settlement_api.coupang(app, shop, req)
    match = PREFIX.match(req.path)
    if not match:
        from . import coupang_claims  # noqa: PLC0415 - it builds on this module's auth and errors

        return inquiries.route_coupang(app, req) or coupang_claims.handle(app, req) or listings.handle(app, req)
    shop = _authenticate(app, req, match["vendor"])
    if isinstance(shop, Response):
        return shop
    fault = app.fault(shop)
    if fault == "rate_limit":
        response = _gateway_error(429, "Too many requests. Please reduce the request rate.")
        response.headers["Retry-After"] = str(shop.faults.retry_after)
        return response
    if fault == "error_500":
        return _gateway_error(500, "Internal Server Error")
    rest = match["rest"] or ""
    if rest == "" and req.method == "GET":
        return _list(app, shop, req, match["version"])
    if rest == "/acknowledgement" and req.method in ("PATCH", "PUT"):
        return _acknowledge(app, shop, req)
    if re.fullmatch(r"/\d+", rest) and req.method == "GET":
        return _one(app, shop, rest[1:], match["version"])
    return _gateway_error(404, "No matching API found for the request path.")


def authenticate(app: SandboxApp, req: Request, vendor: str | None) -> Shop | Response:
    return _authenticate(app, req, vendor)


def fault_response(app: SandboxApp, shop: Shop) -> Response | None:
    fault = app.fault(shop)
    if fault == "rate_limit":
        response = _gateway_error(429, "Too many requests. Please reduce the request rate.")
        response.headers["Retry-After"] = str(shop.faults.retry_after)
        return response
    if fault == "error_500":
        return _gateway_error(500, "Internal Server Error")
    return None


def _authenticate(app: SandboxApp, req: Request, vendor: str | None) -> Shop | Response:
    header = req.headers.get("authorization", "")
    if not header:
        return _gateway_error(401, "Request is not authorized.")
    match = AUTH.match(header)
    if not match:
        return _gateway_error(401, "HMAC format is invalid.")
    shop = next((s for s in app.state.shops.values()
                 if s.protocol == "coupang" and s.credentials["access_key"] == match["key"]), None)
    if shop is None:
        return _gateway_error(401, "Unknown error occurred, please contact api-gateway channel for the details.")
    try:
        signed = datetime.strptime(match["date"], "%y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return _gateway_error(401, "HMAC format is invalid.")
    if abs(app.now() - signed) > MAX_SKEW:
        return _gateway_error(401, "Specified signature is expired.")
    message = f"{match['date']}{req.method}{req.path}{req.query}"
    expected = hmac.new(shop.credentials["secret_key"].encode(), message.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["sig"]):
        return _gateway_error(401, "Invalid signature.")
    if vendor is not None and vendor != shop.credentials["vendor_id"]:
        return _gateway_error(403, "The vendorId in the path does not belong to this access key.")
    return shop


def _time(moment: datetime, version: str) -> str:
    return kst_naive(moment) + ("+09:00" if version == "v5" else "")


def render_sheet(app: SandboxApp, shop: Shop, order: Order, version: str = "v4") -> dict[str, Any]:
    malformed = order.seq == app.state.malformed_seq(shop)
    items = []
    for line in order.lines:
        product, option = shop.option(line.option_id)
        items.append({
            "vendorItemPackageId": 0, "vendorItemPackageName": product.name, "productId": int(product.product_id) + 7,
            "vendorItemId": int(option.option_id), "vendorItemName": f"{product.name}, {option.name}",
            "shippingCount": line.quantity, "salesPrice": line.unit_price, "orderPrice": line.unit_price * line.quantity,
            "discountPrice": line.discount * line.quantity or None, "externalVendorSkuCode": option.sku,
            "etcInfoHeader": None, "etcInfoValue": None, "etcInfoValues": None,
            "sellerProductId": int(product.product_id), "sellerProductName": product.name,
            "sellerProductItemName": option.name, "firstSellerProductItemName": option.name,
            "cancelCount": line.quantity if (order.claim_type, order.claim_status) == ("CANCEL", "CC") else 0,
            "holdCountForCancel": line.quantity if (order.claim_type, order.claim_status) == ("CANCEL", "RU") else 0,
            "estimatedShippingDate": (order.ordered_at.astimezone(KST).date() + timedelta(days=2)).isoformat(),
            "plannedShippingDate": "", "invoiceNumberUploadDate": "", "extraProperties": {},
            "pricingBadge": False, "usedProduct": False, "confirmDate": None, "deliveryChargeTypeName": "유료",
            "canceled": (order.claim_type, order.claim_status) == ("CANCEL", "CC"),
        })
    return {
        "shipmentBoxId": int(order.bundle_no), "orderId": int(order.order_no),
        "orderedAt": "2024/13/45 25:61" if malformed else _time(order.ordered_at, version),
        "orderer": {"name": order.buyer_name, "email": "", "safeNumber": _safe(order.buyer_phone),
                    "ordererNumber": None},
        "paidAt": _time(order.paid_at, version), "status": order.status, "shippingPrice": order.shipping_fee,
        "remotePrice": 0, "remoteArea": False, "parcelPrintMessage": order.message or None,
        "splitShipping": False, "ableSplitShipping": False,
        "receiver": {"name": order.recipient_name, "safeNumber": _safe(order.recipient_phone), "receiverNumber": None,
                     "addr1": order.address1, "addr2": order.address2, "postCode": order.postal_code},
        "orderItems": items,
        "overseaShippingInfoDto": {"personalCustomsClearanceCode": None, "ordererSsn": "", "ordererPhoneNumber": ""},
        "deliveryCompanyName": "CJ 대한통운" if order.status not in ("ACCEPT", "INSTRUCT") else None,
        "invoiceNumber": f"5{order.seq:011d}" if order.status not in ("ACCEPT", "INSTRUCT") else None,
        "inTrasitDateTime": None, "deliveredDate": None, "refer": "안드로이드앱",
    }


def _safe(phone: str) -> str:
    """Coupang hands out 안심번호 (virtual numbers) instead of the buyer's phone."""
    digits = phone.replace("-", "")
    return f"0504-{digits[3:7]}-{digits[7:]}"


def _offset(value: str | None, version: str) -> str | None:
    """The bound without its offset: v5 requires `+09:00`, v4 takes none."""
    value = value or ""
    if version == "v5":
        return value[:-6] if value.endswith("+09:00") else None
    return value


def _day(value: str | None, version: str = "v4") -> date | None:
    try:
        return date.fromisoformat(_offset(value, version) or "")
    except ValueError:
        return None


def _minute(value: str | None, version: str) -> datetime | None:
    try:
        return datetime.strptime(_offset(value, version) or "", "%Y-%m-%dT%H:%M").replace(tzinfo=KST)
    except ValueError:
        return None


def _list_minutes(app: SandboxApp, shop: Shop, req: Request, version: str, status: str) -> Response:
    start, end = _minute(req.params.get("createdAtFrom"), version), _minute(req.params.get("createdAtTo"), version)
    if start is None or end is None:
        shape = "yyyy-MM-ddTHH:mm" + ("+09:00" if version == "v5" else "")
        return _api_error(400, f"createdAtFrom/createdAtTo must be {shape} with searchType=timeFrame.")
    if end < start or end - start >= timedelta(hours=24):
        return _api_error(400, "The search period of searchType=timeFrame must be under 24 hours.")
    with app.state.lock:  # the end minute counts whole
        matching = sorted((o for o in shop.orders if o.status == status
                           and start <= o.ordered_at < end + timedelta(minutes=1)), key=lambda o: int(o.bundle_no))
        sheets = [render_sheet(app, shop, o, version) for o in matching]
        for order in matching:
            order.collected = True
    return Response(200, {"code": 200, "message": "OK", "data": sheets, "nextToken": ""})


def _list(app: SandboxApp, shop: Shop, req: Request, version: str = "v4") -> Response:
    params = req.params
    status = params.get("status", "")
    if status not in STATUSES:
        return _api_error(400, f"status must be one of {', '.join(STATUSES)}.")
    if params.get("searchType") == "timeFrame":
        return _list_minutes(app, shop, req, version, status)
    day_from, day_to = _day(params.get("createdAtFrom"), version), _day(params.get("createdAtTo"), version)
    if day_from is None or day_to is None:
        shape = "yyyy-MM-dd" + ("+09:00" if version == "v5" else "")
        return _api_error(400, f"createdAtFrom/createdAtTo must be {shape}.")
    if day_to < day_from or (day_to - day_from).days > 31:
        return _api_error(400, "The search period must be within 31 days.")
    try:
        per_page = int(params.get("maxPerPage") or 50)
    except ValueError:
        per_page = 0
    if not 1 <= per_page <= 50:
        return _api_error(400, "maxPerPage must be between 1 and 50.")
    token = params.get("nextToken") or ""
    with app.state.lock:
        matching = sorted((o for o in shop.orders if o.status == status
                           and day_from <= o.ordered_at.astimezone(KST).date() <= day_to),
                          key=lambda o: int(o.bundle_no))
        begin = next((i for i, o in enumerate(matching) if int(o.bundle_no) > int(token)), len(matching)) \
            if token.isdigit() else 0
        page = matching[begin:begin + per_page]
        sheets = [render_sheet(app, shop, o, version) for o in page]
        if shop.faults.duplicate_items and token and begin > 0:
            sheets.insert(0, render_sheet(app, shop, matching[begin - 1], version))
        for order in page:
            order.collected = True
        next_token = page[-1].bundle_no if begin + per_page < len(matching) and page else ""
    return Response(200, {"code": 200, "message": "OK", "data": sheets, "nextToken": next_token})


def _one(app: SandboxApp, shop: Shop, box: str, version: str = "v4") -> Response:
    with app.state.lock:
        order = next((o for o in shop.orders if o.bundle_no == box), None)
        if order is None:
            return _api_error(400, f"shipmentBoxId ({box}) is not found.")
        order.collected = True
        return Response(200, {"code": "200", "message": "OK", "data": render_sheet(app, shop, order, version)})


def _acknowledge(app: SandboxApp, shop: Shop, req: Request) -> Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    boxes = body.get("shipmentBoxIds") if isinstance(body, dict) else None
    if not isinstance(boxes, list) or not boxes or len(boxes) > 50:
        return _api_error(400, "shipmentBoxIds must hold 1 to 50 ids.")
    if str(body.get("vendorId")) != shop.credentials["vendor_id"]:
        return _api_error(400, "vendorId does not match.")
    answers = []
    with app.state.lock:
        by_box = {o.bundle_no: o for o in shop.orders}
        for raw_box in boxes:
            box = str(raw_box)
            order = by_box.get(box)
            if order is None:
                answers.append({"shipmentBoxId": raw_box, "succeed": False, "resultCode": "NOT_FOUND_SHIPMENT_BOX",
                                "retryRequired": False, "resultMessage": f"shipmentBoxId ({box}) is not found."})
            elif order.status != "ACCEPT" or order.claim_type:
                answers.append({"shipmentBoxId": raw_box, "succeed": False, "resultCode": "INVALID_STATUS",
                                "retryRequired": False, "resultMessage": "배송상태를 변경할 수 없습니다."})
            else:
                order.status = "INSTRUCT"
                order.changed_at = app.now()
                answers.append({"shipmentBoxId": raw_box, "succeed": True, "resultCode": "OK",
                                "retryRequired": False, "resultMessage": "request succeeded."})
        succeeded = sum(1 for a in answers if a["succeed"])
        shop.received.append({"at": app.now().isoformat(), "operation": "acknowledgement",
                              "shipmentBoxIds": [str(b) for b in boxes],
                              "success": [str(a["shipmentBoxId"]) for a in answers if a["succeed"]]})
    code = 0 if succeeded == len(answers) else (99 if succeeded == 0 else 1)
    return Response(200, {"code": "200", "message": "OK", "data": {
        "responseKey": int(uuid.uuid4().int % 10**18), "responseCode": code,
        "responseMessage": "apply instructStatus result" + ("" if code == 0 else " - Partial errors."),
        "responseList": answers}})
