"""Helpers every router shares: operation docs (Korean and English), ids, 404s, simple id cursors and
the row → JSON shapes."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from ninja import Path

from .errors import ApiError

MAX_ID = 2**53  # ids beyond this are nobody's (and would overflow the database's integer)
PathId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


def doc(ko: str, en: str, scope: str) -> dict:
    """summary + description of an operation, in Korean and English, with the scope it needs."""
    return {"summary": ko, "description": f"{ko}\n\n{en}\n\n권한 / scope: `{scope}`"}


def get_or_404(getter, company, pk: int):
    if not isinstance(pk, int) or not 1 <= pk <= MAX_ID:
        raise ApiError(404, "not_found", _("찾을 수 없습니다."))
    try:
        return getter(company, pk)
    except ObjectDoesNotExist:
        raise ApiError(404, "not_found", _("찾을 수 없습니다.")) from None


def id_cursor_decode(cursor: str) -> int:
    """The last id of the previous page from an opaque cursor (0 = from the start; a bad cursor is 400)."""
    if not cursor:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", _("커서가 올바르지 않습니다."), [{"field": "cursor", "message": ""}]) from None
    if not 0 <= value <= MAX_ID:
        raise ApiError(400, "invalid_cursor", _("커서가 올바르지 않습니다."), [{"field": "cursor", "message": ""}])
    return value


def id_cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def id_page(qs, cursor: str, size: int) -> tuple[list, str | None]:
    after = id_cursor_decode(cursor)
    rows = list(qs.filter(pk__gt=after).order_by("pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (id_cursor_encode(rows[-1].pk) if more and rows else None)


def bulk_out(ids, outcomes) -> dict:
    """Per item: ok and the service's message (an id that is not the company's: 찾을 수 없습니다)."""
    results = []
    for pk, outcome in zip(ids, outcomes, strict=True):
        if outcome is None:
            results.append({"id": pk, "ok": False, "message": _("주문을 찾을 수 없습니다.")})
        else:
            results.append({"id": pk, "ok": bool(outcome.ok), "message": str(outcome.message)})
    return {"ok_count": sum(1 for r in results if r["ok"]), "results": results}


ORDER_FIELDS = ("id", "account_id", "channel_order_id", "bundle_id", "status", "ordered_at", "paid_at", "collected_at",
                "changed_at", "buyer_name", "buyer_phone", "recipient_name", "recipient_phone", "recipient_postal_code",
                "recipient_address1", "recipient_address2", "delivery_message", "currency", "total_amount",
                "shipping_fee", "is_matched", "claim", "hold_reason", "dispatch_due", "shipped_at", "item_summary")
LINE_FIELDS = ("id", "channel_line_id", "product_name", "option_text", "seller_product_code", "seller_option_code",
               "quantity", "cancelled_quantity", "currency", "unit_price", "total_amount", "status", "claim",
               "match_status", "sku_id", "carrier_key", "tracking_number", "shipped_at")


def order_out(order, lines=None) -> dict:
    data = {f: getattr(order, f) for f in ORDER_FIELDS}
    if lines is not None:
        data["lines"] = [{f: getattr(ln, f, None) for f in LINE_FIELDS} for ln in lines]
    return data


SKU_FIELDS = ("id", "product_id", "code", "barcode", "option_values", "option_text", "price_delta", "status", "is_set",
              "is_gift", "safety_stock", "reorder_point")
PRODUCT_FIELDS = ("id", "code", "seller_code", "name", "price", "cost", "tax_type", "status", "inventory_managed",
                  "option_axes", "memo")


def sku_out(sku) -> dict:
    data = {f: getattr(sku, f) for f in SKU_FIELDS}
    data["option_values"] = {str(k): str(v) for k, v in (sku.option_values or {}).items()}
    return data


def product_out(product) -> dict:
    data = {f: getattr(product, f) for f in PRODUCT_FIELDS}
    data["option_axes"] = [{"name": str(a.get("name", "")), "values": [str(v) for v in a.get("values", [])]}
                           for a in (product.option_axes or [])]
    data["skus"] = [sku_out(s) for s in product.skus.all()]
    return data
