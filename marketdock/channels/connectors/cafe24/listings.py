"""Cafe24 listings: variant stock, product price and selling/display status.

- Stock per variant: `PUT /api/v2/admin/products/{product_no}/variants/{variant_code}/inventories`
  `{"shop_no": 1, "request": {"quantity": n}}` (one variant per call; no compare-and-set).
- Price and status: `PUT /api/v2/admin/products/{product_no}` `{"shop_no": 1, "request": {"price": …}}`
  or `{"selling": "T"|"F", "display": "T"|"F"}` (field names [UNCONFIRMED] beyond the official
  description "display status, sales status, …"). An option's own price (a variant's additional amount)
  is refused per item rather than guessed."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import BusinessError
from ..models import (
    LineFailure,
    ListingUpdateResult,
    PriceUpdate,
    SaleStatusUpdate,
    StockUpdate,
    StockUpdateResult,
)
from .auth import Transport


def _key(product_id: str, option_id: str | None) -> str:
    return f"{product_id}:{option_id or ''}"


class ListingsMixin:
    transport: Transport

    def update_stock(self, items: Sequence[StockUpdate]) -> StockUpdateResult:
        result = StockUpdateResult()
        for item in items:
            if not item.product_id.isdigit() or not item.option_id:
                result.failed.append(LineFailure(order_line_id=_key(item.product_id, item.option_id), code="BAD_ID",
                                                 product_id=item.product_id, option_id=item.option_id,
                                                 message="카페24 상품번호(숫자)와 품목코드가 필요합니다"))
                continue
            try:
                self.transport.call("PUT", f"/products/{item.product_id}/variants/{item.option_id}/inventories",
                                    json={"shop_no": 1, "request": {"quantity": item.quantity}})
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=_key(item.product_id, item.option_id), code=exc.code,
                                                 message=exc.message, product_id=item.product_id,
                                                 option_id=item.option_id))
            else:
                result.applied.append((item.product_id, item.option_id))
        return result

    def _product_put(self, product_id: str, request: dict) -> None:
        self.transport.call("PUT", f"/products/{product_id}", json={"shop_no": 1, "request": request})

    def update_price(self, items: Sequence[PriceUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for item in items:
            key = _key(item.product_id, item.option_id)
            if item.option_id or not item.product_id.isdigit():
                result.failed.append(LineFailure(
                    order_line_id=key, product_id=item.product_id, option_id=item.option_id or "", code="UNSUPPORTED",
                    message="카페24는 상품 판매가만 바꿉니다 (품목 추가금액은 카페24 관리자에서 바꾸세요)" if item.option_id
                    else "카페24 상품번호는 숫자입니다"))
                continue
            try:
                self._product_put(item.product_id, {"price": str(item.price)})
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=key, product_id=item.product_id, code=exc.code,
                                                 message=exc.message))
            else:
                result.applied.append((item.product_id, ""))
        return result

    def set_sale_status(self, items: Sequence[SaleStatusUpdate]) -> ListingUpdateResult:
        result = ListingUpdateResult()
        for item in items:
            key = _key(item.product_id, None)
            if not item.product_id.isdigit():
                result.failed.append(LineFailure(order_line_id=key, product_id=item.product_id, code="BAD_ID",
                                                 message="카페24 상품번호는 숫자입니다"))
                continue
            flag = "T" if item.on_sale else "F"
            try:
                self._product_put(item.product_id, {"selling": flag, "display": flag})
            except BusinessError as exc:
                result.failed.append(LineFailure(order_line_id=key, product_id=item.product_id, code=exc.code,
                                                 message=exc.message))
            else:
                result.applied.append((item.product_id, ""))
        return result
