"""Catalogue state changes and rules: products and their SKU grid, barcodes, sets, categories,
images, the product Excel upload. Every function takes keyword-only arguments and works for one
company. Callers read `from marketdock.catalog import services`; the modules hold:

- `errors`: FieldError, CatalogError and the code/barcode shapes every other module checks with
- `categories`: the category tree and brands (common codes)
- `products`: a product and its SKU grid (product_save), status, deletion
- `skus`: one SKU's barcode, gift flag and set composition
- `images`: product images, one at a time or in bulk
- `upload`: the product Excel upload (CAT-9)
"""

from .categories import brand_resolve, category_create, category_delete, category_update
from .errors import BARCODE_RE, CODE_RE, UNAVAILABLE, CatalogError, FieldError
from .images import (
    image_bulk_upload,
    product_image_add,
    product_image_delete,
    product_image_move,
    product_image_set_main,
)
from .products import (
    PRODUCT_FIELDS,
    SkuRow,
    product_delete,
    product_save,
    product_status_bulk,
    sku_grid_rows,
    sku_is_referenced,
)
from .skus import set_components_replace, sku_barcode_update, sku_gift_set
from .upload import product_upload_create, product_upload_process

__all__ = [
    "BARCODE_RE",
    "CODE_RE",
    "CatalogError",
    "FieldError",
    "PRODUCT_FIELDS",
    "SkuRow",
    "UNAVAILABLE",
    "brand_resolve",
    "category_create",
    "category_delete",
    "category_update",
    "image_bulk_upload",
    "product_delete",
    "product_image_add",
    "product_image_delete",
    "product_image_move",
    "product_image_set_main",
    "product_save",
    "product_status_bulk",
    "product_upload_create",
    "product_upload_process",
    "set_components_replace",
    "sku_barcode_update",
    "sku_gift_set",
    "sku_grid_rows",
    "sku_is_referenced",
]
