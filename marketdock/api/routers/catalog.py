"""상품 / products and SKUs: list, get, create, update (options through the option axes), barcode —
through the catalogue services (`product_save`, `sku_barcode_update`)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from marketdock.catalog import selectors as catalog_selectors
from marketdock.catalog import services as catalog_services

from .. import schemas as s
from ..auth import KeyAuth
from ..common import PathId, doc, get_or_404, id_page, product_out, sku_out
from ..errors import error_responses
from ..idempotency import idempotent

router = Router(tags=["catalog"])
READ, WRITE = KeyAuth("catalog:read"), KeyAuth("catalog:write")


class PageQuery(Schema):
    q: str = Field("", max_length=100, description="검색어 (코드, 이름, 바코드) / search text")
    cursor: str = Field("", max_length=100)
    size: int = Field(50, ge=1, le=500)


@router.get("/products", auth=READ, response=error_responses({200: s.ProductPageOut}),
            **doc("상품 목록 (단품 포함)", "List products with their SKUs.", "catalog:read"))
def products_list(request, q: Query[PageQuery]):
    qs = catalog_selectors.product_search(request.company, q=q.q).prefetch_related("skus")
    rows, cursor = id_page(qs, q.cursor, q.size)
    return {"items": [product_out(p) for p in rows], "next_cursor": cursor}


@router.get("/products/{int:product_id}", auth=READ, response=error_responses({200: s.ProductOut}),
            **doc("상품 상세", "One product with its option axes and SKUs.", "catalog:read"))
def products_get(request, product_id: PathId):
    return product_out(get_or_404(catalog_selectors.product_get, request.company, product_id))


def _axes(axes) -> list[dict]:
    return [{"name": a.name, "values": list(a.values)} for a in axes]


@router.post("/products", auth=WRITE, response=error_responses({201: s.ProductOut}),
             **doc("상품 등록 (옵션 조합으로 단품 생성)", "Create a product; its SKUs are generated from the option "
                   "axes (one SKU without options).", "catalog:write"))
def products_create(request, payload: s.ProductIn):
    def run():
        data = payload.dict(exclude={"option_axes"})
        product = catalog_services.product_save(company=request.company, product=None, data=data,
                                                axes=_axes(payload.option_axes))
        return 201, product_out(product)

    return idempotent(request, payload.dict(), run)


@router.patch("/products/{int:product_id}", auth=WRITE, response=error_responses({200: s.ProductOut}),
              **doc("상품 수정 (보낸 항목만; 옵션을 바꾸면 단품 조합도 맞춰짐)", "Update the given fields; changed option "
                    "axes regenerate the SKU grid, keeping existing SKUs.", "catalog:write"))
def products_update(request, product_id: PathId, payload: s.ProductPatch):
    product = get_or_404(catalog_selectors.product_get, request.company, product_id)

    def run():
        given = payload.dict(exclude_unset=True, exclude={"option_axes"})
        data = {f: getattr(product, f) for f in catalog_services.PRODUCT_FIELDS}
        data.update({k: v for k, v in given.items() if v is not None})
        axes = _axes(payload.option_axes) if payload.option_axes is not None else list(product.option_axes or [])
        saved = catalog_services.product_save(company=request.company, product=product, data=data, axes=axes)
        return 200, product_out(catalog_selectors.product_get(request.company, saved.pk))

    return idempotent(request, payload.dict(exclude_unset=True), run)


@router.get("/skus", auth=READ, response=error_responses({200: s.SkuPageOut}),
            **doc("단품(SKU) 목록", "List SKUs (search by code, barcode or product).", "catalog:read"))
def skus_list(request, q: Query[PageQuery]):
    rows, cursor = id_page(catalog_selectors.sku_search(request.company, q=q.q), q.cursor, q.size)
    return {"items": [sku_out(x) for x in rows], "next_cursor": cursor}


@router.get("/skus/{int:sku_id}", auth=READ, response=error_responses({200: s.SkuOut}),
            **doc("단품 상세", "One SKU.", "catalog:read"))
def skus_get(request, sku_id: PathId):
    return sku_out(get_or_404(catalog_selectors.sku_get, request.company, sku_id))


@router.put("/skus/{int:sku_id}/barcode", auth=WRITE, response=error_responses({200: s.SkuOut}),
            **doc("단품 바코드 변경", "Set a SKU's barcode (unique in the company).", "catalog:write"))
def skus_barcode(request, sku_id: PathId, payload: s.BarcodeIn):
    sku = get_or_404(catalog_selectors.sku_get, request.company, sku_id)
    return idempotent(request, payload.dict(), lambda: (200, sku_out(catalog_services.sku_barcode_update(
        company=request.company, sku=sku, barcode=payload.barcode))))
